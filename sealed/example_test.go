package sealed_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// A session cookie its holder can neither read nor change: the default
// interface with a sealed Codec. One request writes the session, the next
// reads it back, and the cookie in between shows nothing of it — unlike a
// Flask-format cookie, which is signed only.
func Example() {
	key := bytes.Repeat([]byte{7}, sealed.KeySize) // 32 random bytes in real use, kept secret
	codec, err := sealed.New([][]byte{key})        // add older keys after it to rotate
	if err != nil {
		panic(err)
	}
	m, err := session.New(session.Config{Interface: &session.SecureCookie{Codec: codec}})
	if err != nil {
		panic(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if r.URL.Path == "/login" {
			_ = s.Set("user", "alice")
			_ = s.Set("role", "admin")
			return
		}
		fmt.Fprintf(w, "%s is %s", session.GetOr(s, "user", "nobody"), session.GetOr(s, "role", "nothing"))
	}))

	// The first request writes the session: the response carries the sealed cookie.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	cookie := rec.Result().Cookies()[0]

	// The next request, with that cookie, reads it.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookie)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println(rec.Body.String())

	// The cookie is ciphertext: neither it nor its base64url decoding shows a value.
	raw, _ := base64.RawURLEncoding.DecodeString(cookie.Value)
	fmt.Println("readable in the cookie:", strings.Contains(cookie.Value, "alice") || bytes.Contains(raw, []byte("alice")))

	// A changed cookie does not open: the next request starts a new, empty session.
	b := []byte(cookie.Value)
	b[len(b)-2] ^= 1 // flip a bit of the tag
	r = httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: cookie.Name, Value: string(b)})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println(rec.Body.String())

	// For contrast, Flask's signed cookie: its first part is the payload, in base64url.
	flask, _ := session.New(session.Config{SecretKey: key})
	rec = httptest.NewRecorder()
	flask.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(rec.Result().Cookies()[0].Value, ".")[0])
	fmt.Println("signed cookie payload:", string(payload))
	// Output:
	// alice is admin
	// readable in the cookie: false
	// nobody is nothing
	// signed cookie payload: {"user":"alice"}
}
