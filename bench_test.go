package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
	"github.com/sessionkit/session/tagjson"
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

// TestMiddlewareAllocations pins what the middleware allocates per request
// on top of the same request without it (the cases of BenchmarkMiddleware):
// the request state and the request copy on every request; the session (its
// map, strings and the decode buffer), Vary and Save's Set-Cookie line and
// header values when the session is used.
func TestMiddlewareAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a normal build")
	}
	m := newManager(t, session.Config{Now: fixedClock(t0)})
	signer, _ := m.Config().Signer()
	cookie := "session=" + string(signer.AppendSign(nil, []byte(`{"name":"alice","role":"admin","user_id":42}`), t0.Unix()))
	perRequest := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() {
			if code := serveWithCookie(h, cookie); code != 200 {
				t.Fatalf("status %d", code)
			}
		})
	}
	base := perRequest(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		max     float64
	}{
		{"untouched", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }, 2},
		{"readonly", func(w http.ResponseWriter, r *http.Request) {
			if v, _ := session.Get[string](session.From(r), "name"); v != "alice" {
				t.Errorf("name = %q", v)
			}
			w.WriteHeader(200)
		}, 12},
		{"readwrite", func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_, _ = session.Get[string](s, "name")
			if err := s.Set("role", "user"); err != nil {
				t.Error(err)
			}
			w.WriteHeader(200)
		}, 13},
	} {
		if got := perRequest(m.Handler(tc.handler)) - base; got > tc.max {
			t.Errorf("%s: the middleware adds %v allocations per request, want at most %v", tc.name, got, tc.max)
		}
	}
}

func benchHandler(b *testing.B, h http.Handler, cookie string) {
	b.ReportAllocs()
	for b.Loop() {
		if code := serveWithCookie(h, cookie); code != 200 {
			b.Fatalf("status %d", code)
		}
	}
}

// serveWithCookie serves one GET / carrying cookie and returns the status.
func serveWithCookie(h http.Handler, cookie string) int {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// BenchmarkCodec measures the cookie codec alone: tagged JSON plus
// itsdangerous signing, for the 3-key session and a ~2 KB one.
func BenchmarkCodec(b *testing.B) {
	signer, err := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{Now: fixedClock(t0)})
	if err != nil {
		b.Fatal(err)
	}
	large := map[string]any{}
	for i := range 40 {
		large[fmt.Sprintf("key-%02d", i)] = fmt.Sprintf("value %d with some text %x", i, i*7919)
		large[fmt.Sprintf("num-%02d", i)] = i * 1000003
	}
	for _, tc := range []struct {
		name   string
		values map[string]any
	}{
		{"3keys", map[string]any{"user_id": 42, "name": "alice", "role": "admin"}},
		{"2KB", large},
	} {
		payload, _ := tagjson.Marshal(tc.values)
		cookie := string(signer.AppendSign(nil, payload, t0.Unix()))
		b.Run("encode/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf, out []byte
			for b.Loop() {
				buf, _ = tagjson.Append(buf[:0], tc.values)
				out = signer.AppendSign(out[:0], buf, t0.Unix())
			}
		})
		b.Run("decode/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf, _, err = signer.AppendVerify(buf[:0], cookie, time.Hour)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tagjson.UnmarshalMap(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
