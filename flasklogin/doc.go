// Package flasklogin is Flask-Login 0.6.2 for net/http: a Go service and a
// Flask service that share a session (a Flask-compatible cookie session, or
// the same server-side store) and a secret key see the same logged-in user,
// log users in and out so that the other side agrees, and honour each
// other's "remember me" cookie.
//
// It reads and writes exactly the session keys Flask-Login uses (_user_id,
// _fresh, _id, _remember, _remember_seconds; strong protection also removes
// next) and the remember cookie it writes (remember_token = id "|" HMAC-SHA512
// hex, with Werkzeug 2.2's quoting and attribute order). The behaviour is
// checked against vectors the real Flask-Login produced
// (testdata/gen_vectors.py) and end to end against a real Flask app
// (testdata/peer.py).
//
// # Wiring
//
// Manager.Handler must run inside the session middleware, because it changes
// the session just before the response header goes out (Flask-Login's
// after_request hook):
//
//	sm, _ := session.New(session.Config{SecretKey: key})
//	lm, _ := flasklogin.New(flasklogin.Config{SecretKey: key})
//	http.ListenAndServe(addr, sm.Handler(lm.Handler(mux)))
//
// Over server-side sessions (package serverside) the semantics are the same.
// Flask-Login rotates nothing at login: call Session.Renew (any backend: a
// new ID server-side, a re-established cookie) and Session.SetSubject before
// Login, as the demo does, against session fixation and for "log out
// everywhere".
//
// # Flask-Login to Go
//
//	Flask-Login                              Go
//	LoginManager(app)                        New(Config), Manager.Handler
//	@login_manager.user_loader               Config.UserLoader (reports whether the id is a user)
//	current_user                             Manager.Current (User.ID, User.Authenticated)
//	login_fresh()                            User.Fresh
//	login_user(u, remember, duration, fresh) Manager.Login(r, id, LoginOptions{Remember, Duration, NotFresh})
//	                                         (user.is_active / force: the caller decides before Login)
//	logout_user()                            Manager.Logout
//	confirm_login()                          Manager.ConfirmLogin
//	@login_required                          Manager.RequireLogin (Config.Unauthorized, default 401)
//	@fresh_login_required                    Manager.RequireFreshLogin (Config.NeedsRefresh, default 401)
//	login_manager.session_protection         Config.Protection (ProtectionBasic, ProtectionStrong, ProtectionNone)
//	_create_identifier()                     Manager.Identifier (Manager.ClientAddress)
//	encode_cookie / decode_cookie            Manager.EncodeCookie / Manager.DecodeCookie
//	SECRET_KEY                               Config.SecretKey
//	SESSION_PROTECTION                       Config.Protection
//	REMEMBER_COOKIE_NAME                     Config.Remember.Name ("remember_token")
//	REMEMBER_COOKIE_DOMAIN / _PATH           Config.Remember.Domain / Path ("/")
//	REMEMBER_COOKIE_SECURE / _HTTPONLY       Config.Remember.Secure / !DisableHTTPOnly (false / true)
//	REMEMBER_COOKIE_SAMESITE                 Config.Remember.SameSite (none)
//	REMEMBER_COOKIE_DURATION                 Config.Remember.Duration (365 days)
//	REMEMBER_COOKIE_REFRESH_EACH_REQUEST     Config.Remember.RefreshEachRequest
//
// Not provided: request_loader and header_loader (API-key logins), the
// unauthorized redirect to login_view with "next" (give Config.Unauthorized
// a handler that redirects), USE_SESSION_FOR_NEXT, signals.
//
// # Session protection and proxies
//
// The identifier is built from the first X-Forwarded-For entry whenever the
// header is present, as Flask-Login does; any client can set it, so session
// protection only detects cookie theft from clients that do not forge it.
// Config.TrustedProxies makes the Go side trust the header only from your
// proxies (see Manager.ClientAddress); identifiers then still match
// Flask-Login's for every client that does not send its own header.
//
// # Where this package differs from Flask-Login
//
//   - Failures fail closed: a session write that fails, or a
//     Config.UserLoader error, leaves the request anonymous and is returned
//     (ErrSession, ErrUserLoader); Flask would answer 500.
//   - A remember cookie that is not valid UTF-8 is refused (Flask-Login
//     checks it after replacing bad bytes by U+FFFD; it never writes one).
//   - A "_user_id" that is neither a string nor an integer is not a user;
//     an integer is used in decimal, as str() gives it.
//   - Remember durations above MaxDuration (400 days, the browsers' cap) are
//     refused; "_remember_seconds" keeps whole microseconds.
//   - Go's HTTP server trims trailing spaces and tabs of header values, which
//     Werkzeug keeps: a User-Agent ending in whitespace gives a different
//     identifier (basic protection: not fresh; strong: logged out).
package flasklogin
