package serverside_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// BenchmarkMiddleware compares a read+write request of the 3-key session
// with the session in the signed cookie and in memstore (boltstore's module
// has the same benchmark with a boltstore row).
func BenchmarkMiddleware(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_, _ = session.Get[string](s, "name")
		_ = s.Set("role", "user")
		w.WriteHeader(200)
	})
	seed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Update(map[string]any{"user_id": 42, "name": "alice", "role": "admin"})
	})
	st := memstore.New(memstore.Options{})
	iface, _ := serverside.New(serverside.Options{Store: st})
	for _, tc := range []struct {
		name string
		cfg  session.Config
	}{
		{"cookie", session.Config{SecretKey: []byte("bench key")}},
		{"memstore", session.Config{Interface: iface}},
	} {
		m, err := session.New(tc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		m.Handler(seed).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		cookie := rec.Result().Cookies()[0]
		h := m.Handler(handler)
		b.Run("readwrite/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "/", nil)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
