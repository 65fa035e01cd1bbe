package session_test

// End-to-end interop with real Flask: the project's Flask peer
// (interop/flaskpeer.py) and a Go server on loopback share one cookie jar.
// Cookies are not port-specific, so both servers see the same "session".

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/tagjson"
)

// goPeer serves the same routes as the Flask peer, in Go.
func goPeer(t *testing.T, cfg session.Config) *httptest.Server {
	t.Helper()
	m, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := func(w http.ResponseWriter, v any) {
		b, err := flasktest.ToTyped(v)
		if err != nil {
			t.Errorf("typed JSON: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(append(b, '\n'))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		must(t, s.Set("user", r.URL.Query().Get("user")))
		if r.URL.Query().Get("remember") == "1" {
			must(t, s.SetPermanent(true))
		}
		out(w, s.Values())
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for k, v := range r.URL.Query() {
			must(t, s.Set(k, v[0]))
		}
		out(w, s.Values())
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { out(w, session.From(r).Values()) })
	mux.HandleFunc("/permanent", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		must(t, s.SetPermanent(true))
		out(w, s.Values())
	})
	mux.HandleFunc("/flash", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		var msg any = r.URL.Query().Get("msg")
		if r.URL.Query().Get("markup") == "1" {
			msg = tagjson.Markup(msg.(string))
		}
		must(t, s.Flash(msg, r.URL.Query().Get("cat")))
		out(w, s.Values())
	})
	mux.HandleFunc("/flashes", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		var list []any
		for _, f := range s.Flashes() {
			var msg any = f.Message
			if f.Markup {
				msg = tagjson.Markup(f.Message)
			}
			list = append(list, []any{f.Category, msg})
		}
		out(w, map[string]any{"flashes": list, "session": s.Values()})
	})
	srv := httptest.NewServer(m.Handler(mux))
	t.Cleanup(srv.Close)
	return srv
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// get fetches url and decodes the typed JSON body into Go values.
func (b *browser) get(url string) (map[string]any, *http.Response) {
	b.t.Helper()
	res, err := b.c.Get(url)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	v, err := flasktest.FromTyped(body)
	if err != nil {
		b.t.Fatalf("GET %s: %v in %s", url, err, body)
	}
	m, _ := v.(map[string]any)
	return m, res
}

func TestInteropFlaskEndToEnd(t *testing.T) {
	const secret = "interop-shared-secret"
	flask := flasktest.StartPeer(t, secret, nil, nil)
	gosrv := goPeer(t, session.Config{SecretKey: []byte(secret), Logger: discardLogger()})
	b := newBrowser(t)

	// Log in on Flask, with "remember me": Go sees the user and the permanent flag.
	b.get(flask.URL + "/login?user=alice&remember=1")
	got, res := b.get(gosrv.URL + "/get")
	if got["user"] != "alice" || got["_permanent"] != true {
		t.Fatalf("Go read Flask's login as %#v", got)
	}
	if len(res.Header.Values("Set-Cookie")) != 1 {
		t.Error("Go did not refresh the permanent session")
	}

	// Flash on Go (with a Markup message), read on Flask, in order.
	b.get(gosrv.URL + "/flash?msg=saved&cat=success")
	b.get(gosrv.URL + "/flash?msg=" + "%3Cb%3Ehi%3C%2Fb%3E" + "&cat=info&markup=1")
	got, _ = b.get(flask.URL + "/flashes")
	want := `[[success saved] [info <b>hi</b>]]`
	if fmt.Sprint(got["flashes"]) != want {
		t.Errorf("Flask read Go's flashes as %v, want %s", got["flashes"], want)
	}
	if list, _ := got["flashes"].([]any); len(list) == 2 {
		if _, isMarkup := list[1].([]any)[1].(tagjson.Markup); !isMarkup {
			t.Errorf("the Markup flash lost its type: %#v", list[1])
		}
	}
	if _, ok := got["session"].(map[string]any)["_flashes"]; ok {
		t.Error("Flask did not pop the flashes")
	}

	// Flash on Flask, read on Go.
	b.get(flask.URL + "/flash?msg=from-flask&cat=warning")
	got, _ = b.get(gosrv.URL + "/flashes")
	if fmt.Sprint(got["flashes"]) != "[[warning from-flask]]" {
		t.Errorf("Go read Flask's flashes as %v", got["flashes"])
	}

	// Values written by Go, read by Flask, including unicode keys.
	b.get(gosrv.URL + "/set?" + "caf%C3%A9=cr%C3%A8me&plain=1")
	got, _ = b.get(flask.URL + "/get")
	if got["café"] != "crème" || got["plain"] != "1" || got["user"] != "alice" {
		t.Errorf("Flask read Go's session as %#v", got)
	}
}

func TestInteropPermanentBothWays(t *testing.T) {
	const secret = "interop-permanent"
	flask := flasktest.StartPeer(t, secret, nil, nil)
	gosrv := goPeer(t, session.Config{SecretKey: []byte(secret), Logger: discardLogger()})

	// Go makes it permanent: Flask's refresh keeps Expires.
	b := newBrowser(t)
	b.get(gosrv.URL + "/login?user=bob&remember=1")
	got, res := b.get(flask.URL + "/get")
	if got["_permanent"] != true || !strings.Contains(res.Header.Get("Set-Cookie"), "Expires=") {
		t.Errorf("Flask: session %#v, Set-Cookie %q", got, res.Header.Get("Set-Cookie"))
	}
	// Flask makes it permanent: Go's refresh carries Expires.
	b = newBrowser(t)
	b.get(flask.URL + "/set?user=carol")
	b.get(flask.URL + "/permanent")
	got, res = b.get(gosrv.URL + "/get")
	if got["_permanent"] != true || !strings.Contains(res.Header.Get("Set-Cookie"), "Expires=") {
		t.Errorf("Go: session %#v, Set-Cookie %q", got, res.Header.Get("Set-Cookie"))
	}
}

func TestInteropKeyFallbacksBothWays(t *testing.T) {
	// Flask rotated to "new" keeping "old" as a fallback; Go still signs with "old".
	flask := flasktest.StartPeer(t, "new", []string{"old"}, nil)
	goOld := goPeer(t, session.Config{SecretKey: []byte("old"), Logger: discardLogger()})
	b := newBrowser(t)
	b.get(goOld.URL + "/set?who=go-old")
	if got, _ := b.get(flask.URL + "/get"); got["who"] != "go-old" {
		t.Errorf("Flask with fallback did not read Go's old-key cookie: %#v", got)
	}

	// Go rotated to "new" keeping "old"; Flask still signs with "old".
	flaskOld := flasktest.StartPeer(t, "old", nil, nil)
	goNew := goPeer(t, session.Config{SecretKey: []byte("new"), SecretKeyFallbacks: [][]byte{[]byte("old")}, Logger: discardLogger()})
	b = newBrowser(t)
	b.get(flaskOld.URL + "/set?who=flask-old")
	if got, _ := b.get(goNew.URL + "/get"); got["who"] != "flask-old" {
		t.Errorf("Go with fallback did not read Flask's old-key cookie: %#v", got)
	}
	// Go re-signs with the new key on write; a Flask without the old key reads it.
	b.get(goNew.URL + "/set?who=go-new")
	flaskNewOnly := flasktest.StartPeer(t, "new", nil, nil)
	if got, _ := b.get(flaskNewOnly.URL + "/get"); got["who"] != "go-new" {
		t.Errorf("Go did not sign with the current key: %#v", got)
	}
}

// Every tagged type survives Go → Flask → Go through the cookie.
func TestInteropTaggedTypes(t *testing.T) {
	const secret = "interop-types"
	gosrv := goPeer(t, session.Config{SecretKey: []byte(secret), Logger: discardLogger()})
	flask := flasktest.StartPeer(t, secret, nil, nil)
	typed := `{"big":1180591620717411303424,"bytes":{"$bytes":"AP8="},"dt":{"$datetime":"2024-01-02T03:04:05+00:00"},` +
		`"f":{"$float":"1e+16"},"m":{"$markup":"<i>x</i>"},"nested":{"$dict":{"$t":1}},"t":{"$tuple":[1,{"$tuple":[]}]},` +
		`"tag_like":{" t":[1]},"u":{"$uuid":"12345678-1234-5678-1234-567812345678"},"uni":"😀"}`
	b := newBrowser(t)
	b.get(flask.URL + "/set-json?data=" + url.QueryEscape(typed))
	fromGo, _ := b.get(gosrv.URL + "/get")
	wantV, err := flasktest.FromTyped([]byte(typed))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%#v", fromGo) != fmt.Sprintf("%#v", wantV) {
		t.Errorf("Go read\n %#v\nwant\n %#v", fromGo, wantV)
	}
	// Go writes it back (a change forces a new cookie); Flask reads every type.
	b.get(gosrv.URL + "/set?touched=1")
	fromFlask, _ := b.get(flask.URL + "/get")
	delete(fromFlask, "touched")
	if fmt.Sprintf("%#v", fromFlask) != fmt.Sprintf("%#v", wantV) {
		t.Errorf("Flask read Go's cookie as\n %#v\nwant\n %#v", fromFlask, wantV)
	}
}
