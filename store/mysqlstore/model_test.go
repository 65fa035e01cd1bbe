package mysqlstore_test

import (
	"testing"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/mysqlstore"
	"github.com/sessionkit/session/store/storetest"
)

// TestModel runs the model-based concurrency test of server-side sessions
// (random interleavings of set, delete, pop, clear, regenerate, destroy and
// revoke from overlapping requests, checked against a reference model) over
// a real MySQL/MariaDB, in a table of its own.
func TestModel(t *testing.T) {
	db := newDB(t)
	storetest.RunModel(t, func(t *testing.T) store.Store {
		return newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	})
}
