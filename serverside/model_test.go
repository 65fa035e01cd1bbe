package serverside_test

import (
	"testing"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/storetest"
)

// The model-based concurrency test (storetest.RunModel) on memstore; the
// driver stores (boltstore, redisstore, pgstore) run it in their own modules.
func TestModelMemstore(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}
