package main

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/session"
)

// page is what the layout template shows.
type page struct {
	Title    string
	User     string
	Visits   int
	Flashes  []session.Flash
	Cookie   *cookieView
	Remember bool
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
	tmpl *template.Template
}

// newApp returns the demo's routes. They expect m's middleware around them.
func newApp(m *session.Manager) http.Handler {
	a := &app{m: m, tmpl: template.Must(template.New("page").Parse(pageHTML))}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)
	mux.HandleFunc("GET /cookie", a.cookie)
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
	p := page{Title: "sessionkit demo"}
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
	_ = s.Set("user", name)
	_ = s.Set("visits", 0)
	_ = s.SetPermanent(r.PostFormValue("remember") == "on")
	_ = s.Flash("Welcome, "+name+"!", "success")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	_ = s.Clear()
	_ = s.Flash("You are logged out.", "info")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *app) cookie(w http.ResponseWriter, r *http.Request) {
	cfg := a.m.Config()
	name := session.Defaults{}.CookieName(cfg, r)
	p := page{Title: "Your cookie, decoded", Cookie: &cookieView{Name: name}}
	s := session.From(r)
	p.User, _ = session.Get[string](s, "user")
	if ck, err := r.Cookie(name); err == nil {
		p.Cookie.Raw = ck.Value
		signer, err := cfg.Signer()
		if err == nil && signer != nil {
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
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px;word-break:break-all;white-space:pre-wrap}
form{margin:1rem 0} input[type=text]{padding:.3rem}
</style></head><body>
<nav><a href="/">Home</a><a href="/cookie">Your cookie</a></nav>
<h1>{{.Title}}</h1>
{{range .Flashes}}<p class="flash {{.Category}}" data-category="{{.Category}}">{{.Message}}</p>{{end}}
{{if .Cookie}}
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
