package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/sessionkit/session"
)

// The same request four ways, in process (no network, no HTTP parsing of
// the response): a GET carrying a session cookie {"visits": 41}, whose
// handler reads the count, stores count+1 (a new signed cookie) and writes a
// short body. "bare" is the same route without sessions (it writes a constant
// body), so that session−bare is what the session costs in each stack, and
// Fiber's session cost minus net/http's is what the adaptor costs.
//
//	go test -run '^$' -bench . -benchmem -count 6 .

var benchKey = []byte("bench-secret-key")

func benchManager(b *testing.B) *session.Manager {
	b.Helper()
	m, err := session.New(session.Config{SecretKey: benchKey})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchCookie is the Cookie header of a session holding {"visits": 41}.
func benchCookie(b *testing.B, m *session.Manager) string {
	b.Helper()
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("visits", 41)
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cs := rec.Result().Cookies()
	if len(cs) != 1 {
		b.Fatalf("no cookie: %v", rec.Result().Header)
	}
	return cs[0].Name + "=" + cs[0].Value
}

func checkResponse(b *testing.B, status int, body, setCookie string, session bool) {
	b.Helper()
	want := "visit 42"
	if !session {
		want = "visit"
	}
	if status != 200 || body != want || session != strings.HasPrefix(setCookie, "session=") {
		b.Fatalf("last response: %d %q, Set-Cookie %q", status, body, setCookie)
	}
}

func BenchmarkNetHTTP(b *testing.B) {
	m := benchManager(b)
	cookie := benchCookie(b, m)
	for _, withSession := range []bool{false, true} {
		mux := http.NewServeMux()
		var h http.Handler = mux
		if withSession {
			mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				n := session.GetOr(s, "visits", 0) + 1
				if err := s.Set("visits", n); err != nil {
					return
				}
				fmt.Fprintf(w, "visit %d", n)
			})
			h = m.Handler(mux)
		} else {
			mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("visit"))
			})
		}
		b.Run(map[bool]string{false: "bare", true: "session"}[withSession], func(b *testing.B) {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Cookie", cookie)
			var rec *httptest.ResponseRecorder
			b.ReportAllocs()
			for b.Loop() {
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, req)
			}
			checkResponse(b, rec.Code, rec.Body.String(), rec.Header().Get("Set-Cookie"), withSession)
		})
	}
}

func BenchmarkFiber(b *testing.B) {
	m := benchManager(b)
	cookie := benchCookie(b, m)
	for _, withSession := range []bool{false, true} {
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		if withSession {
			app.Use(Sessions(m))
			app.Get("/", func(c *fiber.Ctx) error {
				s := From(c)
				n := session.GetOr(s, "visits", 0) + 1
				if err := s.Set("visits", n); err != nil {
					return nil
				}
				_, err := fmt.Fprintf(c, "visit %d", n) // as the net/http handler writes
				return err
			})
		} else {
			app.Get("/", func(c *fiber.Ctx) error { return c.SendString("visit") })
		}
		handler := app.Handler()
		b.Run(map[bool]string{false: "bare", true: "session+adaptor"}[withSession], func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI("http://example.com/")
			req.Header.Set("Cookie", cookie)
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset() // as the server does between requests
				ctx.Init(&req, nil, nil)
				handler(&ctx)
				ctx.ResetUserValues()
			}
			checkResponse(b, ctx.Response.StatusCode(), string(ctx.Response.Body()),
				string(ctx.Response.Header.Peek("Set-Cookie")), withSession)
		})
	}
}
