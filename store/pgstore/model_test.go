package pgstore_test

import (
	"testing"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/storetest"
)

// TestModel runs the model-based concurrency test of server-side sessions
// (random interleavings of set, delete, pop, clear, regenerate, destroy and
// revoke from overlapping requests, checked against a reference model) over
// a real PostgreSQL, in a schema of its own.
func TestModel(t *testing.T) {
	pool := newPool(t)
	storetest.RunModel(t, func(t *testing.T) store.Store {
		return newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	})
}
