package serverside_test

import (
	"path/filepath"
	"testing"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/storetest"
)

// The model-based concurrency test (storetest.RunModel) on the stores that
// need no server; redisstore and pgstore run it in their own tests.
func TestModelMemstore(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestModelBoltstore(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T) store.Store {
		s, err := boltstore.Open(filepath.Join(t.TempDir(), "model.db"), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
