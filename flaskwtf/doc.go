// Package flaskwtf is Flask-WTF 1.1.1's CSRF protection for net/http: forms
// rendered by Flask post to Go and validate, and forms rendered by Go post to
// Flask and validate, because both sides keep the same raw token in the
// shared session and sign it the same way.
//
// A raw token (Config.FieldName in the session, "csrf_token") is the SHA-1
// hex digest of 64 random bytes. The form token is that string signed with
// itsdangerous' URLSafeTimedSerializer: salt "wtf-csrf-token", the
// "django-concat" key derivation, HMAC-SHA1, JSON payload, signing time in
// seconds (package signing does the itsdangerous part). Tokens Go makes are
// byte for byte what Flask-WTF makes at the same second. The behaviour is
// checked against vectors the real Flask-WTF produced
// (testdata/gen_vectors.py) and end to end against a real Flask app
// (testdata/peer.py).
//
// # Wiring
//
// CSRF.Handler reads the session, so it runs inside the session middleware:
//
//	sm, _ := session.New(session.Config{SecretKey: key})
//	csrf, _ := flaskwtf.New(flaskwtf.Config{SecretKey: key})
//	http.ListenAndServe(addr, sm.Handler(csrf.Handler(mux)))
//
// and a form carries the token in a hidden field:
//
//	tok, err := csrf.Token(r)
//	// <input type="hidden" name="csrf_token" value="{{tok}}">
//
// # Flask-WTF to Go
//
//	Flask-WTF                               Go
//	CSRFProtect(app)                        New(Config), CSRF.Handler
//	generate_csrf() / {{ csrf_token() }}    CSRF.Token
//	validate_csrf(data)                     CSRF.Validate
//	csrf.protect()                          CSRF.Protect
//	@csrf.exempt, csrf.exempt(blueprint)    Config.Exempt
//	@app.errorhandler(CSRFError)            Config.ErrorHandler (default 400 with the reason)
//	ValidationError messages                ErrTokenMissing, ErrSessionTokenMissing, ErrTokenExpired,
//	                                        ErrTokenInvalid, ErrTokensMismatch, ErrRefererMissing,
//	                                        ErrRefererMismatch; Reason gives Flask-WTF's text
//	WTF_CSRF_SECRET_KEY / SECRET_KEY        Config.SecretKey
//	WTF_CSRF_FIELD_NAME                     Config.FieldName ("csrf_token")
//	WTF_CSRF_TIME_LIMIT                     Config.TimeLimit (3600 s; negative = None)
//	WTF_CSRF_HEADERS                        Config.Headers (X-CSRFToken, X-CSRF-Token)
//	WTF_CSRF_METHODS                        Config.Methods (POST, PUT, PATCH, DELETE)
//	WTF_CSRF_SSL_STRICT                     !Config.DisableSSLStrict (true)
//	request.is_secure                       Config.IsSecure (r.TLS != nil)
//
// WTF_CSRF_ENABLED and WTF_CSRF_CHECK_DEFAULT = False correspond to not
// installing Handler (call Protect where you want the check). FlaskForm's
// own CSRF field is not provided: put CSRF.Token in the form, and Handler
// checks it.
//
// # HTTPS referrer check
//
// As in Flask-WTF, a secure request (Config.IsSecure) must also carry a
// Referer whose scheme, host and port equal "https://" + Host + "/"
// (ErrRefererMissing, ErrRefererMismatch). The port is compared as written:
// "https://example.com:443/" does not match a request to example.com, as in
// Flask-WTF. Behind a TLS-terminating proxy, set Config.IsSecure (Flask apps
// use ProxyFix for the same purpose), or the check is skipped.
//
// # Where this package differs from Flask-WTF
//
//   - Tokens are read only in the canonical spelling itsdangerous writes
//     (package signing); Flask also accepts other base64 spellings.
//   - Tokens longer than MaxTokenLength (4096) are invalid.
//   - A raw token that is not an ASCII string never matches (Flask-WTF raises
//     TypeError in hmac.compare_digest: HTTP 500); Token replaces a raw token
//     that is not a string.
//   - Form fields whose names end with the field name (prefixed forms) are
//     tried in sorted order; Werkzeug keeps the order of the request.
//   - Go's ParseForm reads the body of POST, PUT and PATCH requests only: a
//     DELETE request must carry its token in a header.
package flaskwtf
