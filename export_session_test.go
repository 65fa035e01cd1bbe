package session

import "sync"

// ResetNoMiddlewareReport lets a test see the once-per-process report of a
// write without the middleware again.
func ResetNoMiddlewareReport() { noMiddlewareOnce = sync.Once{} }
