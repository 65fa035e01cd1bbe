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
