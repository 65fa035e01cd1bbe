// Package testwait bounds the waits of the project's tests. A test that
// waits on a channel, a WaitGroup or a process with no deadline hangs until
// go test's own timeout (ten minutes) when the guarantee it checks breaks;
// these helpers fail it at a deadline instead, naming what it waited for.
package testwait

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// Timeout is the deadline of a wait that should end at once: generous
// enough for a loaded 2-core CI machine under -race, far below go test's
// ten minutes.
const Timeout = 30 * time.Second

// Recv returns the next value from ch, failing t if none arrives within d
// (or Timeout when d is 0). what names the awaited event in the failure.
func Recv[T any](t testing.TB, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	if d == 0 {
		d = Timeout
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s", d, what)
		var zero T
		return zero
	}
}

// Wait waits for wg, failing t if it has not finished within d (or Timeout
// when d is 0). The goroutines are left running: the test has failed.
func Wait(t testing.TB, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	Recv(t, done, d, what)
}

// Client is an HTTP client for tests whose every request ends by Timeout.
func Client() *http.Client { return &http.Client{Timeout: Timeout} }
