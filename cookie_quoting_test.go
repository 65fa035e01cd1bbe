package session_test

import (
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
)

// A quoted value whose last character is an escaping backslash never
// closes: the value is read raw, quote and backslash included (Werkzeug
// 3.1.8 reads the same), wherever the cookie sits in the header.
func TestRequestCookieUnclosedQuoteEndingInBackslash(t *testing.T) {
	for _, header := range []string{`session="x\`, `a;session="x\`, `a; session="x\`} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{header}
		if got, ok := session.RequestCookie(r, "session"); !ok || got != `"x\` {
			t.Errorf("Cookie: %s: read %q, %v; want %q", header, got, ok, `"x\`)
		}
	}
}

// The cookie path is percent-encoded as Werkzeug does (urllib.parse.quote
// with safe="%!$&'()*+,/:=@"): letters and digits at both ends of their
// ranges are kept, the bytes just outside them are encoded unless safe.
func TestCookiePathQuotingBounds(t *testing.T) {
	var d session.Defaults
	const path = "/azAZ09`{[@^/:-._~%!$&'()*+,=\x7f\x80 "
	const want = "/azAZ09%60%7B%5B@%5E/:-._~%!$&'()*+,=%7F%80%20"
	if got := d.CookiePath(&session.Config{CookiePath: path}); got != want {
		t.Errorf("CookiePath(%q) = %q, want %q", path, got, want)
	}
}

// Escapes in a quoted cookie value, as Werkzeug unquotes them (checked
// with Werkzeug 3.1.8): a backslash and three octal digits, the first 0-3,
// is that byte, at both ends of the digit ranges; two digits at the end of
// the value, or a first digit over 3, are not an octal escape; a backslash
// ending the value stays.
func TestRequestCookieOctalEscapes(t *testing.T) {
	for _, tc := range []struct{ quoted, want string }{
		{`"\012"`, "\n"},
		{`"\377"`, "\xff"},
		{`"\100"`, "@"},
		{`"\107"`, "G"},
		{`"\10"`, "10"},
		{`"a\10"`, "a10"},
		{`"\400"`, "400"},
		{`"\x"`, "x"},
		{`"ab\"`, `ab\`},
		{`""`, ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{"session=" + tc.quoted}
		if got, ok := session.RequestCookie(r, "session"); !ok || got != tc.want {
			t.Errorf("session=%s: read %q, %v; want %q", tc.quoted, got, ok, tc.want)
		}
	}
}

// Whitespace between a quoted value's closing quote and the ';' after it
// is skipped, and the quoted value (which may hold ';') is kept whole:
// Werkzeug 2.2.2 reads 'a;b' for each of these headers.
func TestRequestCookieSpaceAfterClosingQuote(t *testing.T) {
	for _, header := range []string{`session="a;b"   ; x=1`, "session=\"a;b\"\t; x=1", `x=1; session="a;b" ;y=2`} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Cookie"] = []string{header}
		if got, ok := session.RequestCookie(r, "session"); !ok || got != "a;b" {
			t.Errorf("Cookie: %s: read %q, %v; want %q", header, got, ok, "a;b")
		}
	}
}
