package serverside_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

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
		// No fsync: the model checks what the sessions hold, not
		// durability across a crash (boltstore's own tests use the
		// default options), and a synced commit per store operation made
		// this the package's slowest test.
		db, err := bolt.Open(filepath.Join(t.TempDir(), "model.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.New(db, boltstore.Options{})
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			db.Close()
		})
		return s
	})
}
