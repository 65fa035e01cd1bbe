package revocation_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store/memstore"
)

func TestRevokeMovesForwardOnly(t *testing.T) {
	ctx := context.Background()
	r := revocation.New(memstore.New(memstore.Options{}), time.Hour)
	if nb, err := r.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
		t.Fatalf("fresh subject: %v %v", nb, err)
	}
	at := time.Now().Truncate(time.Second).Add(500 * time.Millisecond)
	next := at.Truncate(time.Second).Add(time.Second)
	if err := r.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(next) {
		t.Errorf("not before = %v, want the next whole second", nb)
	}
	if err := r.Revoke(ctx, "alice", at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(next) {
		t.Errorf("an older revocation moved the time back: %v", nb)
	}
	if nb, _ := r.NotBefore(ctx, "bob"); !nb.IsZero() {
		t.Errorf("bob revoked too: %v", nb)
	}
}

// Log out everywhere with signed (Flask-format) cookie sessions.
func TestLogOutEverywhereWithCookieSessions(t *testing.T) {
	rev := revocation.New(memstore.New(memstore.Options{}), 0)
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = session.SetSubject(s, m.Config(), "alice")
		_ = s.Set("user", "alice")
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		if err := rev.Revoke(r.Context(), "alice", time.Now()); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
	})
	a, b := sessiontest.NewClient(m.Handler(mux)), sessiontest.NewClient(m.Handler(mux))
	a.Get("/login")
	b.Get("/login")
	a.Get("/everywhere")
	for name, c := range map[string]*sessiontest.Client{"a": a, "b": b} {
		if got := c.Get("/get").Body; got != "-" {
			t.Errorf("%s: still logged in (%q)", name, got)
		}
	}
}
