package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// directives splits Cache-Control field values into (lower-case name,
// has argument) pairs per RFC 9111 §5.2: commas inside quoted strings do not
// split, a backslash escapes inside them. It is written independently of
// the package's parser, as a reference for the test.
func directives(values []string) (out [][2]string) {
	for _, v := range values {
		var cur strings.Builder
		inQuote, escaped := false, false
		flush := func() {
			d := strings.TrimSpace(cur.String())
			cur.Reset()
			if d == "" {
				return
			}
			name, arg, has := strings.Cut(d, "=")
			kind := ""
			if has {
				kind = "=" + arg
			}
			out = append(out, [2]string{strings.ToLower(strings.TrimSpace(name)), kind})
		}
		for _, r := range v {
			switch {
			case escaped:
				escaped = false
			case inQuote && r == '\\':
				escaped = true
			case r == '"':
				inQuote = !inQuote
			case r == ',' && !inQuote:
				flush()
				continue
			}
			cur.WriteRune(r)
		}
		flush()
	}
	return out
}

// sharedCacheMayStore reports whether a shared cache may store a 200
// response to GET carrying these Cache-Control values (RFC 9111 §3 with
// §5.2.2): unless an unqualified private, or an unqualified no-store not
// weakened by must-understand, forbids it. public, s-maxage or a qualified
// private next to the cookie count as storable too: implementations differ
// on how they combine them.
func sharedCacheMayStore(values []string) bool {
	private, noStore, mustUnderstand, loose := false, false, false, false
	for _, d := range directives(values) {
		switch d[0] {
		case "private":
			if d[1] == "" {
				private = true
			} else {
				loose = true
			}
		case "no-store":
			if d[1] == "" {
				noStore = true
			}
		case "must-understand":
			mustUnderstand = true
		case "public", "s-maxage":
			loose = true
		}
	}
	return loose || !(private || (noStore && !mustUnderstand))
}

// Whatever caching directives the application set, a response that sets or
// deletes the session cookie is not storable by a shared cache; the other
// directives are kept as written.
func TestCookieResponsesNeverSharedCacheable(t *testing.T) {
	cases := []struct {
		name   string
		header http.Header // the application's headers
		want   string      // the resulting Cache-Control
		others map[string]string
	}{
		{"none", http.Header{}, "private", nil},
		{"public", http.Header{"Cache-Control": {"public, max-age=3600"}}, "max-age=3600, private", nil},
		{"qualified private", http.Header{"Cache-Control": {`private="X-Debug", max-age=600`}}, "max-age=600, private", nil},
		{"qualified private naming Set-Cookie", http.Header{"Cache-Control": {`PRIVATE="Set-Cookie"`}}, "private", nil},
		{"qualified private with a comma inside", http.Header{"Cache-Control": {`private="X-A, X-B", max-age=5`}}, "max-age=5, private", nil},
		{"empty qualified private", http.Header{"Cache-Control": {`private=""`}}, "private", nil},
		{"qualified private with spaces", http.Header{"Cache-Control": {`private = "X-A"`}}, "private", nil},
		{"unqualified private", http.Header{"Cache-Control": {"private, max-age=5"}}, "private, max-age=5", nil},
		{"private in odd case", http.Header{"Cache-Control": {"Private"}}, "Private", nil},
		{"no-store", http.Header{"Cache-Control": {"no-store"}}, "no-store", nil},
		{"no-store in odd case", http.Header{"Cache-Control": {"No-Store"}}, "No-Store", nil},
		{"no-store with public", http.Header{"Cache-Control": {"no-store, public"}}, "no-store", nil},
		{"no-store with must-understand", http.Header{"Cache-Control": {"no-store, must-understand"}}, "no-store, must-understand, private", nil},
		{"no-store with an argument", http.Header{"Cache-Control": {`no-store="x"`}}, `no-store="x", private`, nil},
		{"s-maxage", http.Header{"Cache-Control": {"s-maxage=600"}}, "private", nil},
		{"odd case and spacing", http.Header{"Cache-Control": {"  max-age=0 ,S-MAXAGE=600,   Public  "}}, "max-age=0, private", nil},
		{"qualified no-cache", http.Header{"Cache-Control": {`no-cache="Set-Cookie"`}}, `no-cache="Set-Cookie", private`, nil},
		{"several lines", http.Header{"Cache-Control": {"max-age=60", "public"}}, "max-age=60, private", nil},
		{"private on one line, public on another", http.Header{"Cache-Control": {"private", "public"}}, "private", nil},
		{"private and public", http.Header{"Cache-Control": {"private, public"}}, "private", nil},
		{"private inside a quoted argument", http.Header{"Cache-Control": {`public="x, private"`}}, "private", nil},
		{"escaped quote inside an argument", http.Header{"Cache-Control": {`x-ext="a\", private", max-age=1`}}, `x-ext="a\", private", max-age=1, private`, nil},
		{"escaped quote hiding a private", http.Header{"Cache-Control": {`x-ext="a\", private, b"`}}, `x-ext="a\", private, b", private`, nil},
		{"empty elements", http.Header{"Cache-Control": {"max-age=60,, ,"}}, "max-age=60, private", nil},
		{"shared-cache revalidation only", http.Header{"Cache-Control": {"must-revalidate, proxy-revalidate, max-age=60"}}, "must-revalidate, proxy-revalidate, max-age=60, private", nil},
		{"header key in lower case", http.Header{"cache-control": {"public, max-age=60"}}, "max-age=60, private", nil},
		{"header keys in two spellings", http.Header{"Cache-Control": {"max-age=60"}, "CACHE-CONTROL": {"public"}}, "max-age=60, private", nil},
		{"private already, more in another spelling", http.Header{"Cache-Control": {"private"}, "cache-control": {"max-age=60"}}, "private, max-age=60", nil},
		{"no-store already, more in another spelling", http.Header{"Cache-Control": {"no-store"}, "CACHE-CONTROL": {"no-transform"}}, "no-store, no-transform", nil},
		{"CDN-Cache-Control", http.Header{"Cdn-Cache-Control": {"public, max-age=600"}}, "private", map[string]string{"Cdn-Cache-Control": "max-age=600, private"}},
		{"vendor CDN-Cache-Control", http.Header{"Cloudflare-Cdn-Cache-Control": {"max-age=600"}}, "private", map[string]string{"Cloudflare-Cdn-Cache-Control": "max-age=600, private"}},
		{"Surrogate-Control", http.Header{"Surrogate-Control": {"max-age=600"}}, "private", map[string]string{"Surrogate-Control": "no-store"}},
	}
	m := newManager(t, session.Config{})
	for _, tc := range cases {
		for _, path := range []string{"/set", "/clear", "/SetCookie", "/DeleteCookie"} {
			t.Run(tc.name+path, func(t *testing.T) {
				h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for k, v := range tc.header {
						w.Header()[k] = append([]string(nil), v...)
					}
					switch path {
					case "/set":
						_ = session.From(r).Set("a", 1)
					case "/clear":
						_ = session.From(r).Clear()
					case "/SetCookie":
						session.SetCookie(session.Defaults{}, m.Config(), w, r, "v", t0)
					case "/DeleteCookie":
						session.DeleteCookie(session.Defaults{}, m.Config(), w, r)
					}
				}))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				res := rec.Result()
				if len(res.Header.Values("Set-Cookie")) == 0 {
					t.Fatal("no Set-Cookie")
				}
				var cc []string
				for k, v := range rec.Header() {
					if strings.EqualFold(k, "Cache-Control") {
						cc = append(cc, v...)
					}
				}
				if sharedCacheMayStore(cc) {
					t.Errorf("a shared cache may store it: Cache-Control %q", cc)
				}
				if len(cc) != 1 || cc[0] != tc.want {
					t.Errorf("Cache-Control %q, want %q", cc, tc.want)
				}
				for k, want := range tc.others {
					got := rec.Header()[k]
					if len(got) != 1 || got[0] != want {
						t.Errorf("%s: %q, want %q", k, got, want)
					}
					if k != "Surrogate-Control" && sharedCacheMayStore(got) {
						t.Errorf("%s %q lets its caches store it", k, got)
					}
				}
			})
		}
	}
}

// A response that does not set the cookie keeps the application's caching
// untouched (Vary: Cookie still guards a response that read the session).
func TestCookieCacheUntouchedWithoutSetCookie(t *testing.T) {
	m := newManager(t, session.Config{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", `public, private="X-Debug", max-age=60`)
		w.Header().Set("CDN-Cache-Control", "max-age=600")
		session.From(r).Get("a")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Get("Cache-Control"); got != `public, private="X-Debug", max-age=60` {
		t.Errorf("Cache-Control changed to %q", got)
	}
	if got := rec.Header().Get("CDN-Cache-Control"); got != "max-age=600" {
		t.Errorf("CDN-Cache-Control changed to %q", got)
	}
}
