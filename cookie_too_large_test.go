package session_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
)

// tooLarge sets data under cfg and returns the error Save reported.
func tooLarge(t *testing.T, cfg session.Config, data string) (*session.CookieTooLargeError, string) {
	t.Helper()
	var got error
	cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(500)
	}
	rec := setWith(sizeApp(t, cfg, data))
	if _, _, ok := cookieNamed(rec, "session"); ok || got == nil {
		t.Fatalf("the cookie was sent (err %v)", got)
	}
	var e *session.CookieTooLargeError
	if !errors.As(got, &e) || !errors.Is(got, session.ErrCookieTooLarge) {
		t.Fatalf("error %v, want a *CookieTooLargeError", got)
	}
	return e, got.Error()
}

// CookieTooLargeError describes the cookie that was not sent, whichever
// bound it crossed: MaxCookieSize (whole Set-Cookie value), the bound the
// next request reads (name=value), or an explicit Signing.MaxLength (value).
func TestCookieTooLargeErrorFields(t *testing.T) {
	data := strings.Repeat("x", 3000)
	value, line, ok := cookieNamed(setWith(sizeApp(t, session.Config{MaxCookieSize: -1}, data)), "session")
	if !ok {
		t.Fatal("no cookie without a bound")
	}

	e, msg := tooLarge(t, session.Config{MaxCookieSize: len(line) - 1}, data)
	if *e != (session.CookieTooLargeError{Name: "session", ValueSize: len(value), Size: len(line), Limit: len(line) - 1}) {
		t.Errorf("MaxCookieSize: %+v; want value %d, size %d, limit %d", *e, len(value), len(line), len(line)-1)
	}
	want := fmt.Sprintf("the value was %d bytes but the header required %d extra bytes; the final size was %d bytes but the limit is %d bytes",
		len(value), len(line)-len(value), len(line), len(line)-1)
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}

	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for b.Len() < 2*session.HardMaxCookieSize {
		b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)])
	}
	e, _ = tooLarge(t, session.Config{MaxCookieSize: -1}, b.String())
	if e.Name != "session" || e.Size != len("session")+1+e.ValueSize || e.Limit != session.HardMaxCookieSize || e.Size <= e.Limit {
		t.Errorf("HardMaxCookieSize: %+v; want Size = len(name)+1+ValueSize over the limit %d", *e, session.HardMaxCookieSize)
	}
}

// An explicit Signing.MaxLength bounds the value written: exactly at it the
// cookie is sent, one byte under it the error names the value's size.
func TestCookieSigningMaxLengthBound(t *testing.T) {
	data := strings.Repeat("y", 500)
	value, _, ok := cookieNamed(setWith(sizeApp(t, session.Config{MaxCookieSize: -1}, data)), "session")
	if !ok {
		t.Fatal("no cookie")
	}
	if _, _, ok := cookieNamed(setWith(sizeApp(t, session.Config{MaxCookieSize: -1, Signing: signing.Options{MaxLength: len(value)}}, data)), "session"); !ok {
		t.Errorf("a value of exactly Signing.MaxLength (%d) was not sent", len(value))
	}
	e, _ := tooLarge(t, session.Config{MaxCookieSize: -1, Signing: signing.Options{MaxLength: len(value) - 1}}, data)
	if *e != (session.CookieTooLargeError{Name: "session", ValueSize: len(value), Size: len(value), Limit: len(value) - 1}) {
		t.Errorf("Signing.MaxLength: %+v", *e)
	}
}
