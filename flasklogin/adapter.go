package flasklogin

import (
	"net/http"

	session "github.com/sessionkit/session"
)

// defaultSession is the one place this package calls the root session API.
func defaultSession(r *http.Request) Session { return rootSession{session.From(r)} }

// rootSession adapts a *session.Session to Session.
type rootSession struct{ s *session.Session }

func (a rootSession) Lookup(key string) (any, bool) {
	if !a.s.Has(key) {
		return nil, false
	}
	return a.s.Get(key), true
}
func (a rootSession) Set(key string, value any) error   { return a.s.Set(key, value) }
func (a rootSession) Pop(key string) (any, bool, error) { return a.s.Pop(key) }
func (a rootSession) Len() int                          { return len(a.s.Values()) }
func (a rootSession) Permanent() bool                   { return a.s.Permanent() }
