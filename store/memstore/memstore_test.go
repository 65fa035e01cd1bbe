package memstore_test

import (
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceWithSweeper(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{SweepInterval: 50 * time.Millisecond})
		t.Cleanup(func() { s.Close() })
		return s
	})
}
