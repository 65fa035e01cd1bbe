package session

import (
	"log/slog"
	"sync"
)

// noMiddlewareOnce makes the misuse report once per process.
var noMiddlewareOnce sync.Once

// newNoMiddlewareSession returns the null session of a request that did not
// pass through the middleware. Its writes fail with ErrNoMiddleware; the
// first failed write of the process is logged at level Error through
// slog.Default, since no error handler can be reached.
func newNoMiddlewareSession() *Session {
	s := newNullSession(ErrNoMiddleware)
	s.onFail = reportNoMiddleware
	return s
}

func reportNoMiddleware(err error) {
	noMiddlewareOnce.Do(func() {
		slog.Default().Error("session: a session write was lost: the request did not pass through the session middleware (wrap the handler with Manager.Handler); this is reported once per process",
			slog.Any("error", err))
	})
}
