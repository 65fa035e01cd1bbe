package flasklogin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session/flasklogin"
)

// FuzzDecodeCookie: only values EncodeCookie makes decode, to the id they
// carry, and Werkzeug-style quoting in the Cookie header round-trips.
func FuzzDecodeCookie(f *testing.F) {
	m, err := flasklogin.New(flasklogin.Config{SecretKey: []byte("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "|", "alice|", "a|b|c", m.EncodeCookie("alice"), m.EncodeCookie("a|b"), m.EncodeCookie("caf\u00e9 x;y\"\\")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if id, ok := m.DecodeCookie(v); ok && m.EncodeCookie(id) != v {
			t.Fatalf("DecodeCookie(%q) accepted id %q whose cookie is %q", v, id, m.EncodeCookie(id))
		}
		// Any id survives the trip through a Set-Cookie line and a Cookie
		// header, as with Flask.
		if !strings.ContainsAny(v, "\x00") {
			enc := m.EncodeCookie(v)
			if id, ok := m.DecodeCookie(enc); ok != isUTF8(v) || ok && id != v {
				t.Fatalf("round trip of %q: %q, %v", v, id, ok)
			}
		}
	})
}

func isUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// FuzzRememberCookieHeader: whatever the Cookie header, Current never
// panics, and a user comes only from a valid cookie.
func FuzzRememberCookieHeader(f *testing.F) {
	m0, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("fuzz")})
	for _, s := range []string{
		"remember_token=" + m0.EncodeCookie("alice"),
		`remember_token="caf\303\251|x"`,
		`remember_token="\"; a=b`,
		"a=b; remember_token = x ; c",
		`remember_token="\0`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		s := newMem(nil)
		m, err := flasklogin.New(flasklogin.Config{SecretKey: []byte("fuzz"),
			Session: func(*http.Request) flasklogin.Session { return s }})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{header}
		rec := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, err := m.Current(r)
			if err != nil {
				t.Fatal(err)
			}
			if u.Authenticated && u.Fresh {
				t.Fatalf("a login from a cookie is fresh: %+v", u)
			}
			if u.Authenticated && !strings.Contains(header, m.EncodeCookie(u.ID)[len(u.ID):]) {
				t.Fatalf("user %q without its digest in the header %q", u.ID, header)
			}
		})).ServeHTTP(rec, r)
	})
}

// FuzzIdentifier: any header bytes give a 128-digit hex identifier.
func FuzzIdentifier(f *testing.F) {
	m, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("fuzz")})
	f.Add("1.2.3.4:5", "x, y", "Mozilla", true)
	f.Add("", "", "it's \"\xff", false)
	f.Fuzz(func(t *testing.T, remote, xff, ua string, hasXFF bool) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if hasXFF {
			r.Header["X-Forwarded-For"] = []string{xff}
		}
		r.Header["User-Agent"] = []string{ua}
		id := m.Identifier(r)
		if len(id) != 128 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("identifier %q", id)
		}
	})
}
