package flasklogin

import (
	"net/http"

	session "github.com/sessionkit/session"
)

// defaultSession is the one place this package calls the root session API.
func defaultSession(r *http.Request) Session { return session.From(r) }
