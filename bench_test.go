package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
)

// BenchmarkMiddleware measures a whole request through the middleware with
// the 3-key session {"user_id": 42, "name": "alice", "role": "admin"}
// against the same request without sessions (baseline).
func BenchmarkMiddleware(b *testing.B) {
	m := newManager(b, session.Config{Now: fixedClock(t0)})
	signer, _ := m.Config().Signer()
	cookie := "session=" + string(signer.AppendSign(nil, []byte(`{"name":"alice","role":"admin","user_id":42}`), t0.Unix()))
	cases := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"untouched", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }},
		{"readonly", func(w http.ResponseWriter, r *http.Request) {
			_, _ = session.Get[string](session.From(r), "name")
			w.WriteHeader(200)
		}},
		{"readwrite", func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_, _ = session.Get[string](s, "name")
			_ = s.Set("role", "user")
			w.WriteHeader(200)
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/baseline", func(b *testing.B) {
			benchHandler(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }), cookie)
		})
		b.Run(tc.name+"/sessionkit", func(b *testing.B) { benchHandler(b, m.Handler(tc.handler), cookie) })
	}
}

func benchHandler(b *testing.B, h http.Handler, cookie string) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
