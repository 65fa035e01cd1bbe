package redisstore_test

import (
	"testing"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/storetest"
)

// TestModel runs the model-based concurrency test of server-side sessions
// (random interleavings of set, delete, pop, clear, regenerate, destroy and
// revoke from overlapping requests, checked against a reference model) over
// a real Redis.
func TestModel(t *testing.T) {
	c := newClient(t)
	storetest.RunModel(t, func(t *testing.T) store.Store {
		return newStore(t, c, testPrefix(t, c))
	})
}
