package flasklogin_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flasklogin"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// TestServerSideSessions: the same login semantics over a server-side
// session (only an ID in the session cookie).
func TestServerSideSessions(t *testing.T) {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	iface, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := session.New(session.Config{SecretKey: []byte("k"), Interface: iface})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := flasklogin.New(flasklogin.Config{SecretKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := lm.Login(r, "alice", flasklogin.LoginOptions{Remember: true}); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { lm.Logout(r) })
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		u, err := lm.Current(r)
		if err != nil {
			t.Error(err)
		}
		json.NewEncoder(w).Encode(u)
	})
	srv := httptest.NewServer(sm.Handler(lm.Handler(mux)))
	defer srv.Close()
	b := newBrowser(t)
	whoami := func() flasklogin.User {
		resp, err := b.c.Get(srv.URL + "/whoami")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var u flasklogin.User
		json.NewDecoder(resp.Body).Decode(&u)
		return u
	}
	get := func(path string) {
		resp, err := b.c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("/login")
	if u := whoami(); u.ID != "alice" || !u.Fresh {
		t.Fatalf("after login: %+v", u)
	}
	b.dropSession(srv.URL)
	if u := whoami(); u.ID != "alice" || u.Fresh {
		t.Fatalf("after losing the session: %+v, want alice restored, not fresh", u)
	}
	get("/logout")
	b.dropSession(srv.URL)
	if u := whoami(); u.Authenticated {
		t.Fatalf("after logout: %+v", u)
	}
}
