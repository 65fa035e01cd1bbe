package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/session"
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
}

type sessionView struct {
	Key      string
	Current  bool
	Created  time.Time
	LastSeen time.Time
	Agent    string
}

type cookieView struct {
	Name string
	Raw  string
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
	be     *backend
	logger *slog.Logger
	// signer verifies cookie-mode cookies for /cookie (nil in server mode).
	signer *signing.Signer
	// lifetime is PermanentLifetime, the oldest signature Flask accepts.
	lifetime time.Duration
	pages    map[string]*template.Template
}

// newApp returns the demo's handler: static files, then the session
// middleware around the pages, behind Go's cross-origin protection (which
// refuses cross-site form posts) and a strict Content-Security-Policy (the
// demo has no JavaScript at all).
func newApp(m *session.Manager, be *backend, logger *slog.Logger, signer *signing.Signer) http.Handler {
	a := &app{m: m, be: be, logger: logger, signer: signer, lifetime: m.Config().PermanentLifetime, pages: parsePages()}
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

	root := http.NewServeMux()
	// Static files never touch the session, so they stay outside its middleware.
	root.Handle("GET /static/", http.FileServerFS(files))
	root.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.svg", http.StatusMovedPermanently))
	root.Handle("/", m.Handler(mux))
	return securityHeaders(http.NewCrossOriginProtection().Handler(root))
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
	for _, name := range []string{"home", "sessions", "cookie", "flask"} {
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

// newPage fills in what every page shows, taking the session's flashed
// messages: call it after the handler's own flashes.
func (a *app) newPage(r *http.Request, name, title string) page {
	s := session.From(r)
	p := page{Title: title, Nav: name, Store: a.be}
	p.User, p.LoggedIn = session.Get[string](s, "user")
	p.Flashes = s.Flashes()
	return p
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
	_, _ = w.Write(buf.Bytes())
}

// fail answers a session or store error the way the session middleware's
// default error handler would: no page; 503 with Retry-After for a store
// outage, 500 otherwise. A failed write already reported the error to the
// middleware, which replaces the response.
func (a *app) fail(w http.ResponseWriter, what string, err error) {
	a.logger.Error(what, "error", err)
	if errors.Is(err, session.ErrStoreUnavailable) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, what+": the session store is unavailable, try again in a moment", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, what+": internal error", http.StatusInternalServerError)
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "home", "sessionkit demo")
	s := session.From(r)
	if p.LoggedIn {
		p.Count = session.GetOr(s, "count", 0)
		p.Remember = s.Permanent()
	}
	p.LoggedOut = !p.LoggedIn && r.URL.Query().Has("bye")
	a.render(w, "home", p)
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 64 {
		_ = s.Flash("Enter a name of 1 to 64 characters.", "error")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// A fresh session at login: Clear drops what the visitor had, Renew
	// gives it a new identity (a new ID server-side, a new establishment
	// time for a cookie: no session fixation), SetSubject attaches it to
	// the user so that "your sessions" can list and revoke it. Errors from
	// these calls are reported to the middleware too, which then answers
	// with its error handler instead of the redirect.
	if err := s.Clear(); err != nil {
		return
	}
	_ = s.Renew()
	_ = s.SetSubject(name)
	_ = s.Set("user", name)
	_ = s.SetPermanent(r.PostFormValue("remember") == "on")
	_ = s.Flash("Welcome, "+name+"!", "success")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	// The session ends: a server-side record is deleted, the cookie cleared.
	_ = session.From(r).Destroy()
	// Nothing is left to flash into: the page says it from the URL.
	http.Redirect(w, r, "/?bye", http.StatusSeeOther)
}

// count adds one to the counter (or resets it). Viewing a page never
// writes the session; only this form does.
func (a *app) count(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if _, ok := session.Get[string](s, "user"); !ok {
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
		p.Sessions = append(p.Sessions, sessionView{Key: in.Key, Current: in.Current,
			Created: in.Created, LastSeen: in.LastSeen, Agent: in.Meta["agent"]})
	}
	a.render(w, "sessions", p)
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
	case errors.Is(err, session.ErrNotSupported):
		_ = s.Flash("This demo cannot log out other devices with this store.", "error")
	case err != nil:
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

// cookie shows the session cookie the browser sent, decoded.
func (a *app) cookie(w http.ResponseWriter, r *http.Request) {
	p := a.newPage(r, "cookie", "Your cookie, decoded")
	cv := &cookieView{Name: a.m.Config().CookieName}
	p.Cookie = cv
	ck, err := r.Cookie(cv.Name)
	if err != nil {
		a.render(w, "cookie", p)
		return
	}
	cv.Raw = ck.Value
	if a.be.Kind != "cookie" { // this page is about the cookie's format
		s := session.From(r)
		cv.StoreKey = serverside.Key(s)
		cv.Values = pretty(s.Values())
		a.render(w, "cookie", p)
		return
	}
	raw := ck.Value
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
	payload, signed, err := a.signer.Verify(ck.Value, a.lifetime)
	if err != nil {
		cv.Error = err.Error()
	} else {
		var out bytes.Buffer
		if json.Indent(&out, payload, "", "  ") != nil {
			out.Reset()
			out.Write(payload)
		}
		cv.Decoded, cv.Signed = out.String(), signed
	}
	a.render(w, "cookie", p)
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
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
