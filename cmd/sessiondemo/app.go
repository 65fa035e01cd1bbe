package main

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/flasklogin"
	"github.com/sessionkit/session/flaskwtf"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/signing"
)

//go:embed templates static flask_app.py
var files embed.FS

// page is what every template gets.
type page struct {
	Title    string
	Nav      string // the current page, for the navigation bar
	User     string
	Flashes  []session.Flash
	Store    *backend
	LoggedIn bool
	// CSRF is the Flask-WTF form token, for pages with forms.
	CSRF string

	// home
	Count     int
	Remember  bool
	LoggedOut bool
	// sessions
	Sessions []sessionView
	// CanList: the backend lists a user's sessions (not cookie sessions).
	CanList bool
	// cookie
	Cookie *cookieView
	// flask
	FlaskApp string
	// error pages: the status and what to tell the user.
	Status  int
	Message string
}

type sessionView struct {
	Key      string
	Current  bool
	Created  time.Time
	LastSeen time.Time
	Agent    string // the User-Agent as sent, for the tooltip
	Device   string // "Firefox 128 on Linux", or the agent when not recognised
	Addr     string // the client address at login
}

type cookieView struct {
	Name string
	Raw  string
	// Others are the names of the other cookies the request carried.
	Others []string
	// Sets is what this server's configuration puts on the session cookie's
	// Set-Cookie line; a request carries none of it.
	Sets []string
	// Cookie mode: the three dot-separated parts and what they mean.
	Compressed                bool
	Payload, Stamp, Signature string
	Decoded                   string
	Signed                    time.Time
	Error                     string
	// Server-side mode.
	StoreKey string
	Values   string
}

type app struct {
	m      *session.Manager
	lm     *flasklogin.Manager
	csrf   *flaskwtf.CSRF
	be     *backend
	logger *slog.Logger
	// signer verifies cookie-mode cookies for /cookie (nil in server mode).
	signer *signing.Signer
	pages  map[string]*template.Template
}

// newApp returns the demo's app; run sets m, lm, csrf and signer before
// calling handler (the session Config needs the app's error handler first).
func newApp(be *backend, logger *slog.Logger) *app {
	return &app{be: be, logger: logger, pages: parsePages()}
}

// handler returns the demo's handler: static files, then the session
// middleware around Flask-Login's and Flask-WTF's (CSRFProtect), around the
// pages, behind Go's cross-origin protection (which refuses cross-site form
// posts) and a strict Content-Security-Policy (the demo has no JavaScript at
// all).
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("POST /count", a.count)
	mux.HandleFunc("GET /sessions", a.sessions)
	mux.HandleFunc("POST /sessions/revoke-others", a.revokeOthers)
	mux.HandleFunc("POST /sessions/revoke", a.revokeOne)
	mux.HandleFunc("GET /cookie", a.cookie)
	mux.HandleFunc("GET /flask", a.flask)
	mux.HandleFunc("/", a.notFound)

	root := http.NewServeMux()
	// Static files never touch the session, so they stay outside its middleware.
	root.Handle("GET /static/", http.FileServerFS(files))
	root.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	root.Handle("/", a.m.Handler(a.noticeLoggedOut(a.lm.Handler(a.csrf.Handler(mux)))))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.errorPage(w, http.StatusForbidden, "Cross-site request refused",
			"This form was sent from another site. Use the demo's own pages.")
	}))
	return securityHeaders(cop.Handler(root))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{"ago": ago}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	pages := make(map[string]*template.Template)
	for _, name := range []string{"home", "sessions", "cookie", "flask", "error"} {
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(files, "templates/"+name+".html"))
	}
	return pages
}

// ago formats t relative to now, for the sessions table.
func ago(t time.Time) string {
	d := time.Since(t).Round(time.Second)
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Hour:
		return d.String() + " ago"
	default:
		return t.UTC().Format("2006-01-02 15:04 MST")
	}
}

// loggedOutNotice is flashed to a browser whose session cookie no longer
// opens a session.
const loggedOutNotice = "You were logged out (signed out on another device or expired)."

type staleKey struct{}

// noticeLoggedOut tells a browser whose session ended elsewhere why it is
// logged out. A request that carries a session cookie that opens no
// session — the record was revoked or expired, the cookie was revoked,
// its signature is too old or from another key — gets loggedOutNotice
// flashed. The flash writes a session, so the stale cookie is replaced (or
// deleted once the flash is shown): the notice appears once.
func (a *app) noticeLoggedOut(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := session.RequestCookie(r, a.m.Config().CookieName); ok {
			s := session.From(r)
			// A session that was saved is never empty (Flask deletes the
			// cookie of an emptied one): an empty one did not open.
			if len(s.Values()) == 0 {
				_ = s.Flash(loggedOutNotice, "info")
				r = r.WithContext(context.WithValue(r.Context(), staleKey{}, true))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func stale(r *http.Request) bool { return r.Context().Value(staleKey{}) != nil }

// newPage fills in what every page shows, taking the session's flashed
// messages: call it after the handler's own flashes. The user is
// Flask-Login's current_user; a failure to load it leaves the page
// anonymous (the session middleware answers a failed session itself).
func (a *app) newPage(r *http.Request, name, title string) page {
	s := session.From(r)
	p := page{Title: title, Nav: name, Store: a.be}
	u, err := a.lm.Current(r)
	if err != nil {
		a.logger.Warn("loading the user", "error", err)
	}
	p.User, p.LoggedIn = u.ID, u.Authenticated
	p.Flashes = s.Flashes()
	return p
}

// token puts the CSRF token in p, for a page with forms (it stores a raw
// token in the session when there is none, as Flask-WTF's generate_csrf
// does). On failure it answers the request and returns false.
func (a *app) token(w http.ResponseWriter, r *http.Request, p *page) bool {
	tok, err := a.csrf.Token(r)
	if err != nil {
		a.fail(w, "making the form's CSRF token", err)
		return false
	}
	p.CSRF = tok
	return true
}

func (a *app) render(w http.ResponseWriter, name string, p page) {
	var buf bytes.Buffer
	if err := a.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		a.logger.Error("rendering page", "page", name, "error", err)
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // pages show session data
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	_, _ = w.Write(buf.Bytes())
}

// retryAfter is the Retry-After of a 503, in seconds, as
// session.DefaultErrorHandler sends it.
const retryAfter = "5"

// errorPage answers with the demo's error page. It does not touch the
// session, which may be what failed.
func (a *app) errorPage(w http.ResponseWriter, status int, title, message string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	a.render(w, "error", page{Title: title, Store: a.be, Status: status, Message: message})
}

// sessionError is the session middleware's error handler: what
// session.DefaultErrorHandler does (503 with Retry-After for a store outage,
// 500 otherwise, only a log line once the header went out), in the demo's
// pages.
func (a *app) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	a.logger.Error("session error", "method", r.Method, "path", r.URL.Path, "error", err)
	if errors.Is(err, session.ErrHeaderWritten) {
		return
	}
	a.failPage(w, err)
}

// fail answers a session or store error as sessionError does. A failed
// session write already reported the error to the middleware, which
// replaces this response with sessionError's.
func (a *app) fail(w http.ResponseWriter, what string, err error) {
	a.logger.Error(what, "error", err)
	a.failPage(w, err)
}

func (a *app) failPage(w http.ResponseWriter, err error) {
	if errors.Is(err, session.ErrStoreUnavailable) {
		a.errorPage(w, http.StatusServiceUnavailable, "Sessions are unavailable",
			"The session store does not answer. This is usually brief: try again in a few seconds.")
		return
	}
	a.errorPage(w, http.StatusInternalServerError, "Something went wrong",
		"The server could not handle your session. The error is in its log.")
}

// csrfError answers a form post that failed Flask-WTF's check: a browser
// whose session ended elsewhere is sent home, where it is told why; any
// other failure gets a 400 page with Flask-WTF's reason.
func (a *app) csrfError(w http.ResponseWriter, r *http.Request, err error) {
	if stale(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	reason := flaskwtf.Reason(err)
	if reason == "" {
		reason = "The form could not be checked."
	}
	p := a.newPage(r, "", "Form refused")
	p.Status = http.StatusBadRequest
	p.Message = reason + " Go back, reload the page and send the form again."
	a.render(w, "error", p)
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "", "Page not found")
	p.Status = http.StatusNotFound
	p.Message = "There is no page at " + r.URL.Path + "."
	a.render(w, "error", p)
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "home", "sessionkit demo")
	s := session.From(r)
	if p.LoggedIn {
		p.Count = session.GetOr(s, "count", 0)
		p.Remember = s.Permanent()
	}
	p.LoggedOut = !p.LoggedIn && r.URL.Query().Has("bye")
	if a.token(w, r, &p) {
		a.render(w, "home", p)
	}
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 64 {
		_ = s.Flash("Enter a name of 1 to 64 characters.", "error")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// A fresh session at login, the same calls for every backend: Clear
	// drops what the visitor had (its CSRF token too: the next page makes
	// a new one), Renew gives it a new identity (a new ID server-side, a
	// new establishment time for a cookie: no session fixation),
	// SetSubject attaches it to the user so that "your sessions" can list
	// and revoke it, and Flask-Login's login_user writes _user_id, _fresh
	// and _id, which a Flask app with Flask-Login reads as its
	// current_user. Errors from the session calls are reported to the
	// middleware too, which then answers with its error handler instead of
	// the redirect.
	if err := s.Clear(); err != nil {
		return
	}
	_ = s.Renew()
	_ = s.SetSubject(name)
	if err := a.lm.Login(r, name, flasklogin.LoginOptions{}); err != nil {
		a.fail(w, "logging in", err)
		return
	}
	_ = s.SetPermanent(r.PostFormValue("remember") == "on")
	_ = s.Flash("Welcome, "+name+"!", "success")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	// Flask-Login's logout_user, then the session ends: a server-side
	// record is deleted, the cookie cleared. A failure to load the user
	// does not stop the logout.
	if err := a.lm.Logout(r); err != nil {
		a.logger.Warn("logout", "error", err)
	}
	_ = session.From(r).Destroy()
	// Nothing is left to flash into: the page says it from the URL.
	http.Redirect(w, r, "/?bye", http.StatusSeeOther)
}

// count adds one to the counter (or resets it). Viewing a page never
// writes the session; only this form does.
func (a *app) count(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if u, _ := a.lm.Current(r); !u.Authenticated {
		_ = s.Flash("Log in first.", "error")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	n := session.GetOr(s, "count", 0) + 1
	if r.PostFormValue("reset") != "" {
		n = 0
	}
	_ = s.Set("count", n)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// sessions lists the user's sessions, where the backend can list them
// (not cookie sessions, which live in the browser alone).
func (a *app) sessions(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "sessions", "Your sessions")
	if !p.LoggedIn {
		a.render(w, "sessions", p)
		return
	}
	infos, err := a.m.Sessions(r.Context(), session.From(r).Subject())
	switch {
	case errors.Is(err, session.ErrNotSupported):
	case err != nil:
		a.fail(w, "listing sessions", err)
		return
	default:
		p.CanList = true
	}
	for _, in := range infos {
		agent := in.Meta["agent"]
		p.Sessions = append(p.Sessions, sessionView{Key: in.Key, Current: in.Current,
			Created: in.Created, LastSeen: in.LastSeen, Agent: agent, Device: describeAgent(agent), Addr: in.Meta["addr"]})
	}
	if a.token(w, r, &p) {
		a.render(w, "sessions", p)
	}
}

// revokeOthers logs the user out everywhere but here.
func (a *app) revokeOthers(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	subject := s.Subject()
	if subject == "" {
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
		return
	}
	// Counted only to say how many: cookie sessions cannot be listed.
	infos, listErr := a.m.Sessions(r.Context(), subject)
	err := a.m.Revoke(r.Context(), subject, s)
	switch {
	case err != nil: // ErrNotSupported included: every store of the demo can revoke
		a.fail(w, "logging out other devices", err)
		return
	case listErr == nil:
		_ = s.Flash(fmt.Sprintf("Logged out %d other session(s).", max(len(infos)-1, 0)), "success")
	default:
		_ = s.Flash("Logged out every other session.", "success")
	}
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}

// revokeOne logs out one of the user's other sessions.
func (a *app) revokeOne(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	key := r.PostFormValue("key")
	subject := s.Subject()
	if subject == "" || key == "" {
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
		return
	}
	// RevokeKey ignores a key that is not one of the user's own sessions;
	// the list says which one is this device's.
	infos, err := a.m.Sessions(r.Context(), subject)
	if err != nil && !errors.Is(err, session.ErrNotSupported) {
		a.fail(w, "listing sessions", err)
		return
	}
	for _, in := range infos {
		if in.Key == key && !in.Current {
			if err := a.m.RevokeKey(r.Context(), subject, key); err != nil {
				a.fail(w, "logging out a session", err)
				return
			}
			_ = s.Flash("Logged out 1 other session.", "success")
			break
		}
	}
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}

// cookie shows the session cookie the browser sent, decoded. A request
// carries only the cookie's name and value: the attributes shown are what
// this server's configuration sets, not what the browser holds.
func (a *app) cookie(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "cookie", "Your cookie, decoded")
	cfg := a.m.Config()
	cv := &cookieView{Name: cfg.CookieName, Sets: a.cookieAttributes()}
	if cv.Name == "" {
		cv.Name = session.DefaultCookieName
	}
	p.Cookie = cv
	for _, ck := range r.Cookies() {
		if ck.Name != cv.Name && !slices.Contains(cv.Others, ck.Name) {
			cv.Others = append(cv.Others, ck.Name)
		}
	}
	raw, ok := session.RequestCookie(r, cv.Name)
	if !ok {
		a.render(w, "cookie", p)
		return
	}
	cv.Raw = raw
	if a.be.Kind != "cookie" { // this page is about the cookie's format
		s := session.From(r)
		cv.StoreKey = serverside.Key(s)
		cv.Values = prettyValue(s.Values())
		a.render(w, "cookie", p)
		return
	}
	if strings.HasPrefix(raw, ".") {
		cv.Compressed, raw = true, raw[1:]
	}
	if parts := strings.Split(raw, "."); len(parts) == 3 {
		cv.Payload, cv.Stamp, cv.Signature = parts[0], parts[1], parts[2]
	}
	if a.signer == nil {
		cv.Error = "no secret key configured"
		a.render(w, "cookie", p)
		return
	}
	// Flask checks every cookie against PERMANENT_SESSION_LIFETIME.
	payload, signed, err := a.signer.Verify(cv.Raw, cfg.PermanentLifetime)
	if err != nil {
		cv.Error = err.Error()
	} else {
		cv.Decoded, cv.Signed = prettyJSON(payload), signed
	}
	a.render(w, "cookie", p)
}

// cookieAttributes lists the attributes this server's configuration puts on
// the session cookie's Set-Cookie line.
func (a *app) cookieAttributes() []string {
	cfg := a.m.Config()
	var out []string
	if !cfg.DisableHTTPOnly {
		out = append(out, "HttpOnly (page scripts cannot read it)")
	}
	if cfg.CookieSecure || cfg.CookiePartitioned {
		out = append(out, "Secure (sent over HTTPS only)")
	}
	if cfg.CookieSameSite != "" {
		out = append(out, "SameSite="+cfg.CookieSameSite)
	}
	path := cfg.CookiePath
	if path == "" {
		path = cmp.Or(cfg.ApplicationRoot, "/")
	}
	out = append(out, "Path="+path)
	if cfg.CookieDomain != "" {
		out = append(out, "Domain="+cfg.CookieDomain)
	} else {
		out = append(out, "no Domain (this host only)")
	}
	out = append(out, "Expires in "+days(cfg.PermanentLifetime)+" with “remember me”, else none (the cookie ends with the browser session)")
	return out
}

func days(d time.Duration) string {
	if d == 0 {
		d = 31 * 24 * time.Hour
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// prettyJSON indents a JSON document and shows its strings as text: the
// \uXXXX escapes Flask writes for non-ASCII characters become the
// characters. A document that does not parse is returned as it is.
func prettyJSON(doc []byte) string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // numbers exactly as written
	var v any
	if dec.Decode(&v) != nil {
		return string(doc)
	}
	return prettyValue(v)
}

// prettyValue writes v as indented JSON without escaping <, > and & or
// non-ASCII characters (the page escapes what it shows).
func prettyValue(v any) string {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(out.String(), "\n")
}

// flask explains how a Flask app shares the session (cookie mode).
func (a *app) flask(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "flask", "Share the session with Flask")
	src, err := files.ReadFile("flask_app.py")
	if err != nil {
		a.fail(w, "reading the Flask example", err)
		return
	}
	p.FlaskApp = string(src)
	a.render(w, "flask", p)
}
