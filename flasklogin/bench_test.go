package flasklogin_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session/flasklogin"
)

func BenchmarkIdentifier(b *testing.B) {
	m, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("k")})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	r.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
	b.ReportAllocs()
	for b.Loop() {
		m.Identifier(r)
	}
}

func BenchmarkDecodeCookie(b *testing.B) {
	m, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("k")})
	v := m.EncodeCookie("12345")
	b.ReportAllocs()
	for b.Loop() {
		m.DecodeCookie(v)
	}
}

// BenchmarkCurrent: one request that loads a logged-in user with basic
// protection, through the middleware.
func BenchmarkCurrent(b *testing.B) {
	s := newMem(nil)
	m, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("k"), Session: func(*http.Request) flasklogin.Session { return s }})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("User-Agent", "bench")
	s.values = map[string]any{"_user_id": "42", "_fresh": true, "_id": m.Identifier(r)}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, _ := m.Current(r); !u.Authenticated {
			b.Fatal("not logged in")
		}
	}))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
