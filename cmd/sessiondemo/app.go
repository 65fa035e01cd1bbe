package main

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// page is what the layout template shows.
type page struct {
	Title    string
	User     string
	Visits   int
	Flashes  []session.Flash
	Cookie   *cookieView
	Remember bool
	// ServerSide is true when sessions live in a store.
	ServerSide bool
	Sessions   []sessionView
}

type sessionView struct {
	Key      string
	Current  bool
	Created  time.Time
	LastSeen time.Time
	Agent    string
}

type cookieView struct {
	Name    string
	Raw     string
	Payload string
	Signed  time.Time
	Error   string
}

type app struct {
	m    *session.Manager
	ss   *serverside.Interface // nil in cookie mode
	tmpl *template.Template
}

// newApp returns the demo's routes. They expect m's middleware around them.
// ss is the server-side interface, or nil when sessions live in the cookie.
func newApp(m *session.Manager, ss *serverside.Interface) http.Handler {
	a := &app{m: m, ss: ss, tmpl: template.Must(template.New("page").Parse(pageHTML))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /cookie", a.cookie)
	mux.HandleFunc("GET /sessions", a.sessions)
	mux.HandleFunc("POST /sessions/revoke-others", a.revokeOthers)
	mux.HandleFunc("POST /sessions/revoke", a.revokeOne)
	return mux
}

func (a *app) render(w http.ResponseWriter, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := a.tmpl.Execute(w, p); err != nil {
		a.m.Logger().Error("rendering page", "error", err)
	}
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	p := page{Title: "sessionkit demo", ServerSide: a.ss != nil}
	if user, ok := session.Get[string](s, "user"); ok {
		p.User = user
		p.Visits = session.GetOr(s, "visits", 0) + 1
		if err := s.Set("visits", p.Visits); err != nil {
			return // the middleware answers with the error handler
		}
		p.Remember = s.Permanent()
	}
	p.Flashes = s.Flashes()
	a.render(w, p)
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 64 {
		_ = s.Flash("Enter a name of 1 to 64 characters.", "error")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	_ = s.Clear() // a fresh session at login
	if a.ss != nil {
		// A new ID at login (no session fixation), attached to the user.
		_ = serverside.Regenerate(s)
		_ = serverside.SetSubject(s, name)
		_ = serverside.SetMeta(s, "agent", r.UserAgent())
	}
	_ = s.Set("user", name)
	_ = s.Set("visits", 0)
	_ = s.SetPermanent(r.PostFormValue("remember") == "on")
	_ = s.Flash("Welcome, "+name+"!", "success")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if a.ss != nil {
		_ = serverside.Destroy(s) // the record goes, the cookie is cleared
	} else {
		_ = s.Clear()
		_ = s.Flash("You are logged out.", "info")
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// sessions lists the user's sessions (server-side mode).
func (a *app) sessions(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	p := page{Title: "Your sessions", ServerSide: a.ss != nil}
	p.User, _ = session.Get[string](s, "user")
	if a.ss == nil || p.User == "" {
		p.Flashes = []session.Flash{{Category: "info", Message: "Log in with -store memory or -store bolt:PATH to list your sessions."}}
		a.render(w, p)
		return
	}
	infos, err := a.ss.Sessions(r.Context(), serverside.Subject(s))
	if err != nil {
		http.Error(w, "could not list sessions", http.StatusInternalServerError)
		a.m.Logger().Error("listing sessions", "error", err)
		return
	}
	current := serverside.Key(s)
	for _, in := range infos {
		p.Sessions = append(p.Sessions, sessionView{Key: in.Key, Current: in.Key == current,
			Created: in.Created.UTC(), LastSeen: in.LastSeen.UTC(), Agent: in.Meta["agent"]})
	}
	p.Flashes = s.Flashes()
	a.render(w, p)
}

func (a *app) revokeOthers(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	if a.ss == nil || serverside.Subject(s) == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	n, err := a.ss.RevokeSubject(r.Context(), serverside.Subject(s), s)
	if err != nil {
		http.Error(w, "could not log out other devices", http.StatusInternalServerError)
		a.m.Logger().Error("revoking sessions", "error", err)
		return
	}
	_ = s.Flash(fmt.Sprintf("Logged out %d other session(s).", n), "success")
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}

func (a *app) revokeOne(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	key := r.PostFormValue("key")
	if a.ss == nil || serverside.Subject(s) == "" || key == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// Only the user's own sessions may be revoked.
	infos, err := a.ss.Sessions(r.Context(), serverside.Subject(s))
	if err == nil {
		for _, in := range infos {
			if in.Key == key {
				err = a.ss.Revoke(r.Context(), key)
				break
			}
		}
	}
	if err != nil {
		http.Error(w, "could not revoke the session", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/sessions", http.StatusSeeOther)
}

func (a *app) cookie(w http.ResponseWriter, r *http.Request) {
	cfg := a.m.Config()
	name := session.Defaults{}.CookieName(cfg, r)
	p := page{Title: "Your cookie, decoded", Cookie: &cookieView{Name: name}, ServerSide: a.ss != nil}
	s := session.From(r)
	p.User, _ = session.Get[string](s, "user")
	if ck, err := r.Cookie(name); err == nil {
		p.Cookie.Raw = ck.Value
		signer, err := cfg.Signer()
		if a.ss != nil {
			p.Cookie.Error = "sessions live on the server: the cookie holds only a random 256-bit ID, and the store only its SHA-256"
		} else if err == nil && signer != nil {
			payload, signed, err := signer.Verify(ck.Value, session.DefaultPermanentLifetime)
			if err != nil {
				p.Cookie.Error = err.Error()
			} else {
				p.Cookie.Payload, p.Cookie.Signed = string(payload), signed.UTC()
			}
		}
	}
	a.render(w, p)
}

const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem} nav a{margin-right:1rem}
.flash{padding:.5rem 1rem;border-radius:4px;margin:.5rem 0;background:#eef}
.flash.success{background:#e6f6e6}.flash.error{background:#fbe4e4}
table{border-collapse:collapse;width:100%} td,th{padding:.3rem;border-bottom:1px solid #ddd;text-align:left} tr.current{background:#f6fff6}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px;word-break:break-all;white-space:pre-wrap}
form{margin:1rem 0} input[type=text]{padding:.3rem}
</style></head><body>
<nav><a href="/">Home</a><a href="/cookie">Your cookie</a>{{if .ServerSide}}<a href="/sessions">Your sessions</a>{{end}}</nav>
<h1>{{.Title}}</h1>
{{range .Flashes}}<p class="flash {{.Category}}" data-category="{{.Category}}">{{.Message}}</p>{{end}}
{{if .Sessions}}
  <table id="sessions"><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr>
  {{range .Sessions}}<tr{{if .Current}} class="current"{{end}}><td>{{.Agent}}</td>
    <td>{{.Created.Format "2006-01-02 15:04 MST"}}</td><td>{{.LastSeen.Format "2006-01-02 15:04 MST"}}</td>
    <td>{{if .Current}}this device{{else}}<form method="post" action="/sessions/revoke"><input type="hidden" name="key" value="{{.Key}}"><button type="submit">Log out</button></form>{{end}}</td></tr>
  {{end}}</table>
  <form method="post" action="/sessions/revoke-others"><button type="submit" id="revoke-others">Log out other devices</button></form>
{{else if .Cookie}}
  <p>Cookie <code>{{.Cookie.Name}}</code>:</p>
  {{if .Cookie.Raw}}<pre id="raw">{{.Cookie.Raw}}</pre>
    {{if .Cookie.Error}}<p>Not valid: {{.Cookie.Error}}</p>{{else}}
    <p>Signed at {{.Cookie.Signed.Format "2006-01-02 15:04:05 MST"}}. Payload (Flask's tagged JSON):</p>
    <pre id="payload">{{.Cookie.Payload}}</pre>
    <p>The cookie is signed, not encrypted: whoever holds it can read it, but nobody can change it without the key.</p>{{end}}
  {{else}}<p>You have no session cookie yet.</p>{{end}}
{{else if .User}}
  <p id="greeting">Hello, <strong>{{.User}}</strong>! This is visit <strong id="visits">{{.Visits}}</strong>.</p>
  <p>{{if .Remember}}You will be remembered for 31 days.{{else}}Your session ends when you close the browser.{{end}}</p>
  <form method="post" action="/logout"><button type="submit">Log out</button></form>
{{else}}
  <form method="post" action="/login">
    <label>Name <input type="text" name="name" autofocus required maxlength="64"></label>
    <label><input type="checkbox" name="remember"> Remember me</label>
    <button type="submit">Log in</button>
  </form>
{{end}}
</body></html>
`
