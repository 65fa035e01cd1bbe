package flasklogin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flasklogin"
	"github.com/sessionkit/session/internal/flasktest"
)

const liveSecret = "live-shared-secret"

type liveState struct {
	Authenticated bool           `json:"authenticated"`
	ID            string         `json:"id"`
	Fresh         bool           `json:"fresh"`
	Session       map[string]any `json:"session"`
	Identifier    string         `json:"identifier"`
}

// goApp is the Go twin of testdata/peer.py: the same routes over a cookie
// session that shares Flask's secret key.
func goApp(t *testing.T, protection flasklogin.Protection) *httptest.Server {
	t.Helper()
	sm, err := session.New(session.Config{SecretKey: []byte(liveSecret)})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := flasklogin.New(flasklogin.Config{
		SecretKey:  []byte(liveSecret),
		Protection: protection,
		UserLoader: func(_ context.Context, id string) (bool, error) { return id != "ghost", nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	state := func(w http.ResponseWriter, r *http.Request) {
		u, err := lm.Current(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(liveState{Authenticated: u.Authenticated, ID: u.ID, Fresh: u.Fresh})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		opts := flasklogin.LoginOptions{Remember: q.Get("remember") == "1", NotFresh: q.Get("fresh") == "0"}
		if s := q.Get("seconds"); s != "" {
			n, _ := strconv.Atoi(s)
			opts.Duration = time.Duration(n) * time.Second
		}
		if err := lm.Login(r, q.Get("user"), opts); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		state(w, r)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		if err := lm.Logout(r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		state(w, r)
	})
	mux.HandleFunc("/whoami", state)
	mux.HandleFunc("/ident", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(liveState{Identifier: lm.Identifier(r)})
	})
	srv := httptest.NewServer(sm.Handler(lm.Handler(mux)))
	t.Cleanup(srv.Close)
	return srv
}

// browser is one client shared by both servers: both listen on 127.0.0.1,
// and cookies are not scoped by port.
type browser struct {
	t   *testing.T
	c   *http.Client
	jar *cookiejar.Jar
	ua  string
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, jar: jar, ua: "Mozilla/5.0 (live test) caf\xc3\xa9",
		c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) get(base, path string) liveState {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("User-Agent", b.ua)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s%s: %s", base, path, resp.Status)
	}
	var st liveState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		b.t.Fatalf("GET %s%s: %v", base, path, err)
	}
	return st
}

// dropSession forgets the session cookie, as a browser does at exit, keeping
// the remember cookie.
func (b *browser) dropSession(base string) {
	u, _ := url.Parse(base)
	b.jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "x", Path: "/", MaxAge: -1}})
}

func (b *browser) hasCookie(base, name string) bool {
	u, _ := url.Parse(base)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return true
		}
	}
	return false
}

func startPeer(t *testing.T, protection string) *flasktest.Peer {
	return flasktest.StartScript(t, []string{"flask_login"}, "testdata/peer.py", liveSecret, protection)
}

func TestLiveIdentifierMatchesFlaskLogin(t *testing.T) {
	peer := startPeer(t, "basic")
	goSrv := goApp(t, flasklogin.ProtectionBasic)
	b := newBrowser(t)
	for _, ua := range []string{"", "plain", "caf\xc3\xa9 \xff it's \"q\"", "tab\tin"} {
		b.ua = ua
		if got, want := b.get(goSrv.URL, "/ident").Identifier, b.get(peer.URL, "/ident").Identifier; got != want || got == "" {
			t.Errorf("UA %q: Go identifier %s, Flask-Login %s", ua, got, want)
		}
	}
	// X-Forwarded-For over the wire: Go's httptest server and Werkzeug see
	// the same header.
	for _, xff := range []string{"203.0.113.9, 10.0.0.1", " 2001:db8::7 ", "", "\xe9vil"} {
		req := func(base string) string {
			r, _ := http.NewRequest(http.MethodGet, base+"/ident", nil)
			r.Header.Set("X-Forwarded-For", xff)
			r.Header.Set("User-Agent", "x")
			resp, err := b.c.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var st liveState
			json.NewDecoder(resp.Body).Decode(&st)
			return st.Identifier
		}
		if got, want := req(goSrv.URL), req(peer.URL); got != want || got == "" {
			t.Errorf("XFF %q: Go identifier %s, Flask-Login %s", xff, got, want)
		}
	}
}

func TestLiveLoginBothWays(t *testing.T) {
	peer := startPeer(t, "basic")
	goSrv := goApp(t, flasklogin.ProtectionBasic)

	b := newBrowser(t)
	if st := b.get(goSrv.URL, "/login?user=alice"); !st.Authenticated || st.ID != "alice" || !st.Fresh {
		t.Fatalf("Go login: %+v", st)
	}
	if st := b.get(peer.URL, "/whoami"); !st.Authenticated || st.ID != "alice" || !st.Fresh {
		t.Fatalf("Flask after Go login: %+v", st)
	}
	if st := b.get(peer.URL, "/login?user=bob&fresh=0"); !st.Authenticated || st.ID != "bob" || st.Fresh {
		t.Fatalf("Flask login: %+v", st)
	}
	if st := b.get(goSrv.URL, "/whoami"); !st.Authenticated || st.ID != "bob" || st.Fresh {
		t.Fatalf("Go after Flask login: %+v", st)
	}
	// Log out on either side ends it on both.
	if st := b.get(peer.URL, "/logout"); st.Authenticated {
		t.Fatalf("Flask logout: %+v", st)
	}
	if st := b.get(goSrv.URL, "/whoami"); st.Authenticated {
		t.Fatalf("Go after Flask logout: %+v", st)
	}
	b.get(peer.URL, "/login?user=carol")
	if st := b.get(goSrv.URL, "/logout"); st.Authenticated {
		t.Fatalf("Go logout: %+v", st)
	}
	if st := b.get(peer.URL, "/whoami"); st.Authenticated {
		t.Fatalf("Flask after Go logout: %+v", st)
	}
}

func TestLiveRememberSurvivesSessionLoss(t *testing.T) {
	peer := startPeer(t, "basic")
	goSrv := goApp(t, flasklogin.ProtectionBasic)
	for _, tc := range []struct{ name, loginOn, checkOn string }{
		{"Go sets, Flask restores", goSrv.URL, peer.URL},
		{"Flask sets, Go restores", peer.URL, goSrv.URL},
		{"Go sets, Go restores", goSrv.URL, goSrv.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			b.get(tc.loginOn, "/login?user=dave&remember=1&seconds=600")
			if !b.hasCookie(tc.loginOn, flasklogin.DefaultCookieName) {
				t.Fatal("no remember cookie after a remembered login")
			}
			b.dropSession(tc.loginOn)
			if st := b.get(tc.checkOn, "/whoami"); !st.Authenticated || st.ID != "dave" || st.Fresh {
				t.Fatalf("after losing the session: %+v, want dave, not fresh", st)
			}
			// Logging out deletes the remember cookie: the login does not come back.
			b.get(tc.loginOn, "/logout")
			if b.hasCookie(tc.loginOn, flasklogin.DefaultCookieName) {
				t.Fatal("remember cookie still there after logout")
			}
			b.dropSession(tc.loginOn)
			if st := b.get(tc.checkOn, "/whoami"); st.Authenticated {
				t.Fatalf("after logout and losing the session: %+v", st)
			}
		})
	}
}

func TestLiveStrongProtectionChangedUserAgent(t *testing.T) {
	peer := startPeer(t, "strong")
	goSrv := goApp(t, flasklogin.ProtectionStrong)
	for _, tc := range []struct{ name, loginOn, checkOn string }{
		{"login on Go, Flask sees another UA", goSrv.URL, peer.URL},
		{"login on Flask, Go sees another UA", peer.URL, goSrv.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			b.get(tc.loginOn, "/login?user=erin")
			if st := b.get(tc.checkOn, "/whoami"); !st.Authenticated || !st.Fresh {
				t.Fatalf("same UA: %+v", st)
			}
			b.ua = "Stolen/1.0"
			if st := b.get(tc.checkOn, "/whoami"); st.Authenticated {
				t.Fatalf("changed UA under strong protection: %+v, want logged out", st)
			}
			b.ua = "Mozilla/5.0 (live test) caf\xc3\xa9"
			if st := b.get(tc.loginOn, "/whoami"); st.Authenticated {
				t.Fatalf("back on the first side: %+v, want still logged out", st)
			}
		})
	}
}
