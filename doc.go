// Package session brings Flask's session system to net/http: a small
// pluggable [Interface] (open a session when a request first uses it, save it
// just before the response header goes out), a null session, a [Config] that
// drives the cookie, and a default [SecureCookie] interface whose signed
// cookie is byte-compatible with Flask's, so a Go service and a Flask service
// sharing a secret key share one login. (Byte for byte where Flask leaves the
// payload uncompressed; a compressed payload is another valid zlib stream of
// the same JSON, which each side reads.)
//
// # Quick start
//
//	key := []byte(os.Getenv("SECRET_KEY"))
//	if len(key) == 0 {
//		log.Fatal("SECRET_KEY is not set: set it to something unique and secret")
//	}
//	m, err := session.New(session.Config{SecretKey: key})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
//		s := session.From(r)
//		n := session.GetOr(s, "visits", 0) + 1
//		if err := s.Set("visits", n); err != nil {
//			return // the middleware answers through its error handler
//		}
//		fmt.Fprintf(w, "visit %d\n", n)
//	})
//	log.Fatal(http.ListenAndServe("127.0.0.1:8080", m.Handler(mux)))
//
// Without a key the program must not start: as in Flask, an empty
// Config.SecretKey gives null sessions whose writes fail (HTTP 500), and
// [New] logs a warning when it gets one.
//
// # Flask to Go
//
// Flask's SessionInterface, item by item:
//
//	Flask                                   Go
//	SessionInterface                        Interface (Open, Save)
//	open_session(app, request)              Interface.Open(cfg, r) with NewSession; nil session = null session
//	save_session(app, session, response)    Interface.Save(cfg, s, w, r) with Inspect and SaveCookie (Flask's
//	                                        steps, once for every backend); skipped for null sessions
//	make_null_session, is_null_session      Open returns (nil, nil); State.Null in Inspect
//	pickle_based                            none: Go has no pickle; a backend names its codec in its
//	                                        config (Config.Serializer: Flask's tagged JSON)
//	get_cookie_name(app)                    Helpers.CookieName(cfg, r) (Defaults)
//	get_cookie_domain / path / httponly     Helpers.CookieDomain / CookiePath / CookieHTTPOnly
//	get_cookie_secure / samesite            Helpers.CookieSecure / CookieSameSite
//	get_cookie_partitioned                  Helpers.CookiePartitioned
//	get_expiration_time(app, session)       Helpers.ExpirationTime (zero Time = browser session)
//	should_set_cookie(app, session)         Helpers.ShouldSetCookie
//	SecureCookieSessionInterface            SecureCookie
//	SessionMixin / SecureCookieSession      Session (Permanent, IsNew); modified, accessed: State in Inspect
//	session[k], session.get(k)              Session.Get, Get[T] (structs come back as structs), GetOr
//	session[k] = v, del, pop, setdefault    Session.Set, Delete, Pop, SetDefault
//	session.clear(), update(), k in session Session.Clear, Update, Has; len, keys → Values
//	session.modified = True                 Session.MarkModified (with keys: only those changed)
//	flash(), get_flashed_messages()         Session.Flash, Session.Flashes
//	app.session_interface                   Config.Interface
//	client.session_transaction()            sessiontest.Client.SessionTransaction
//
// Configuration keys:
//
//	SECRET_KEY / SECRET_KEY_FALLBACKS       Config.SecretKey / SecretKeyFallbacks (oldest first)
//	PERMANENT_SESSION_LIFETIME              Config.PermanentLifetime (31 days)
//	SESSION_COOKIE_NAME                     Config.CookieName ("session")
//	SESSION_COOKIE_DOMAIN                   Config.CookieDomain
//	SESSION_COOKIE_PATH / APPLICATION_ROOT  Config.CookiePath / ApplicationRoot ("/")
//	SESSION_COOKIE_HTTPONLY                 !Config.DisableHTTPOnly (true)
//	SESSION_COOKIE_SECURE                   Config.CookieSecure
//	SESSION_COOKIE_SAMESITE                 Config.CookieSameSite
//	SESSION_COOKIE_PARTITIONED              Config.CookiePartitioned
//	SESSION_REFRESH_EACH_REQUEST            !Config.DisableRefreshEachRequest (true)
//	MAX_COOKIE_SIZE                         Config.MaxCookieSize (4093; bounds writing and reading;
//	                                        negative disables, the 64 KiB hard bound still applies)
//
// # Logging in and out, the same on every backend
//
// Flask leaves these to extensions; here they are methods that work alike
// for cookie and server-side sessions, so application code never branches
// on the backend:
//
//	s.Renew()                 at login: a new ID server-side, a re-established cookie (no fixation)
//	s.SetSubject(userID)      attach the user, for listing and revocation; s.Subject() reads it
//	s.Destroy()               log out (s.Clear(), Flask's idiom, ends the session too)
//	m.Sessions(ctx, userID)   the user's live sessions ([ErrNotSupported] for cookies)
//	m.Revoke(ctx, userID, s)  log out other devices (nil: everywhere; cookies need Config.Revocations)
//	m.RevokeKey(ctx, userID, key)  log out one listed session
//
// A backend provides them by implementing [Lifecycle]; [SecureCookie] has
// them built in. Several sessions per request: Managers with different
// cookie names, each reached with [Manager.From].
//
// # Failures
//
// Every session failure reaches Config.ErrorHandler; [DefaultErrorHandler]
// answers HTTP 500, or 503 with "Retry-After: 5" for a store outage (an
// error matching [ErrStoreUnavailable]: the server-side store or the
// revocation store failing), and only logs what is reported after the
// response header went out.
//
// # Where this package is stricter than Flask
//
//   - An oversized cookie is an error (ErrCookieTooLarge) and is not sent;
//     Flask only warns and browsers then drop it silently. Config.AllowOversizeCookie
//     restores Flask's behaviour.
//   - Configurations browsers reject fail in New: SameSite=None without
//     Secure, __Secure-/__Host- names without Secure, __Host- with a Domain or
//     a Path other than "/", attributes over 1024 bytes, lifetimes over 400 days.
//   - Non-canonical cookies that Flask's lenient base64 accepts ("+", "/",
//     "=" padding, junk in the signature) are rejected as invalid (a new empty
//     session), since Flask never writes them.
//   - A write to a null session returns an error and the request ends in
//     HTTP 500 through Config.ErrorHandler, like Flask's exception; a change
//     after the header went out fails with ErrHeaderWritten and is reported.
//     A write to the session of a request that never passed through the
//     middleware fails with ErrNoMiddleware, and the first one of the process
//     is logged through slog.Default. An empty SecretKey makes New log a
//     warning.
//   - A value the serializer cannot encode (a function, channel, complex
//     number, unsafe pointer, a cyclic or too deep value, also nested) is
//     refused when stored, with ErrUnencodable, instead of failing the save
//     (Flask raises at save time): the handler decides, the page still works.
//   - A session read after a header without "Vary: Cookie" went out is
//     reported (an error matching ErrHeaderWritten); Flask adds Vary at save time only.
//   - A handler that hijacks the connection (websockets) gets the session's
//     Set-Cookie lines added to the response it writes on it, or
//     an error matching ErrHeaderWritten is reported.
//   - The middleware applied twice (or two Managers writing the same
//     cookie) makes one session and one Set-Cookie; see [Manager.Handler].
package session
