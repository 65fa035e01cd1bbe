package flaskwtf_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/sessionkit/session/flaskwtf"
)

// FuzzValidate: the token parser never panics, every refusal is one of the
// validation errors, and only the token signed for the session's raw token
// (or a token for the same raw token) passes.
func FuzzValidate(f *testing.F) {
	s := newMem(map[string]any{"csrf_token": "8d6c3a3f0bd1d5cf1c3f6b1c2f4a9e7d6b5a4c3e"})
	c := newCSRFForFuzz(f, s)
	good, err := c.Token(get())
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, "", ".", "..", "a.b.c", ".eJw.aSwHkA.x", good[:len(good)-1], "." + good} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		err := c.Validate(get(), tok)
		if err == nil {
			if tok != good {
				// Another spelling of the same payload and time would need
				// the key; only the canonical token is accepted.
				t.Fatalf("Validate accepted %q (the token is %q)", tok, good)
			}
			return
		}
		for _, e := range []error{flaskwtf.ErrTokenMissing, flaskwtf.ErrTokenExpired, flaskwtf.ErrTokenInvalid, flaskwtf.ErrTokensMismatch} {
			if errors.Is(err, e) {
				return
			}
		}
		t.Fatalf("Validate(%q) = %v, not a validation error", tok, err)
	})
}

func newCSRFForFuzz(f *testing.F, s *memSession) *flaskwtf.CSRF {
	c, err := flaskwtf.New(flaskwtf.Config{SecretKey: []byte("fuzz"), Now: at(unitNow),
		Session: func(*http.Request) flaskwtf.Session { return s }})
	if err != nil {
		f.Fatal(err)
	}
	return c
}
