package flaskwtf_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sessionkit/session/flaskwtf"
	"github.com/sessionkit/session/signing"
)

const unitNow = 1764493200

func newCSRF(t *testing.T, s flaskwtf.Session, mod func(*flaskwtf.Config)) *flaskwtf.CSRF {
	t.Helper()
	cfg := flaskwtf.Config{
		SecretKey: []byte("unit"),
		Now:       at(unitNow),
		Session:   func(*http.Request) flaskwtf.Session { return s },
		Logger:    slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := flaskwtf.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get() *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) }

func TestNewValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  flaskwtf.Config
		want error
	}{
		{"defaults", flaskwtf.Config{SecretKey: []byte("k")}, nil},
		{"no secret", flaskwtf.Config{}, flaskwtf.ErrNoSecretKey},
		{"time limit one second", flaskwtf.Config{SecretKey: []byte("k"), TimeLimit: time.Second}, nil},
		{"time limit under a second", flaskwtf.Config{SecretKey: []byte("k"), TimeLimit: time.Second - 1}, flaskwtf.ErrConfig},
		{"no time limit", flaskwtf.Config{SecretKey: []byte("k"), TimeLimit: -1}, nil},
	} {
		_, err := flaskwtf.New(tc.cfg)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: New = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestTokenMakesRawToken(t *testing.T) {
	s := newMem(nil)
	c := newCSRF(t, s, nil)
	tok, err := c.Token(get())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := s.Lookup("csrf_token")
	rs, _ := raw.(string)
	if len(rs) != 40 || strings.Trim(rs, "0123456789abcdef") != "" {
		t.Fatalf("raw token %q, want 40 hex digits", raw)
	}
	if err := c.Validate(get(), tok); err != nil {
		t.Fatal(err)
	}
	// A second token reuses the raw token.
	tok2, _ := c.Token(get())
	if raw2, _ := s.Lookup("csrf_token"); raw2 != raw || tok2 != tok {
		t.Errorf("second Token changed the raw token or the token at the same second")
	}
	// A raw token that is not a string is replaced.
	s.values["csrf_token"] = int64(5)
	if _, err := c.Token(get()); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Lookup("csrf_token"); v == int64(5) {
		t.Error("non-string raw token kept")
	}
}

func TestTokenFailures(t *testing.T) {
	s := newMem(nil)
	s.setErr = errStore
	if tok, err := newCSRF(t, s, nil).Token(get()); !errors.Is(err, flaskwtf.ErrSession) || !errors.Is(err, errStore) || tok != "" {
		t.Errorf("Token with a failing store = %q, %v", tok, err)
	}
	randErr := errors.New("no entropy")
	s = newMem(nil)
	c := newCSRF(t, s, func(c *flaskwtf.Config) { c.Rand = iotest.ErrReader(randErr) })
	if tok, err := c.Token(get()); !errors.Is(err, flaskwtf.ErrSession) || !errors.Is(err, randErr) || tok != "" {
		t.Errorf("Token with a failing random source = %q, %v", tok, err)
	}
	if s.Len() != 0 {
		t.Error("session written although the random source failed")
	}
}

func (s *memSession) Len() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.values) }

// TestTokenCachedPerRequest: inside Handler one request gets one token,
// even across a second boundary (Flask-WTF caches it in g).
func TestTokenCachedPerRequest(t *testing.T) {
	s := newMem(nil)
	now := int64(unitNow)
	c := newCSRF(t, s, func(c *flaskwtf.Config) { c.Now = func() time.Time { return time.Unix(now, 0) } })
	c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, _ := c.Token(r)
		now++
		b, _ := c.Token(r)
		if a != b || a == "" {
			t.Errorf("tokens %q and %q in one request", a, b)
		}
	})).ServeHTTP(httptest.NewRecorder(), get())
	a, _ := c.Token(get())
	now++
	b, _ := c.Token(get())
	if a == b {
		t.Error("outside Handler the token does not follow the clock")
	}
}

// TestTokenLengthLimit: a valid token of exactly MaxTokenLength is accepted;
// longer ones are refused before any other work.
func TestTokenLengthLimit(t *testing.T) {
	for _, tc := range []struct {
		n      int
		length int
		ok     bool
	}{{3672, 4096, true}, {3673, 4098, false}} {
		s := newMem(map[string]any{"csrf_token": rawOf(tc.n)})
		c := newCSRF(t, s, nil)
		tok, err := c.Token(get())
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != tc.length {
			t.Fatalf("token length %d, want %d (compress/flate changed?)", len(tok), tc.length)
		}
		err = c.Validate(get(), tok)
		if tc.ok && err != nil || !tc.ok && (!errors.Is(err, flaskwtf.ErrTokenInvalid) || !errors.Is(err, signing.ErrTooLong)) {
			t.Errorf("length %d: Validate = %v", len(tok), err)
		}
	}
	// The cap itself: 4096 characters are read, 4097 are not.
	c := newCSRF(t, newMem(map[string]any{"csrf_token": "x"}), nil)
	for n, tooLong := range map[int]bool{flaskwtf.MaxTokenLength: false, flaskwtf.MaxTokenLength + 1: true} {
		err := c.Validate(get(), strings.Repeat("a", n-2)+".b")
		if !errors.Is(err, flaskwtf.ErrTokenInvalid) || errors.Is(err, signing.ErrTooLong) != tooLong {
			t.Errorf("garbage of %d characters: %v", n, err)
		}
	}
}

// rawOf is a deterministic printable raw token of n characters.
func rawOf(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte('!' + x%94)
		if b[i] == '"' || b[i] == '\\' {
			b[i] = 'z'
		}
	}
	return string(b)
}

// TestTimeLimit: the age rule 0 <= age <= limit at both ends, for the
// default and a configured limit.
func TestTimeLimit(t *testing.T) {
	s := newMem(nil)
	tok, err := newCSRF(t, s, nil).Token(get())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		limit time.Duration
		age   int64
		want  error
	}{
		{0, 3600, nil},
		{0, 3601, flaskwtf.ErrTokenExpired},
		{0, -1, flaskwtf.ErrTokenExpired},
		{90 * time.Second, 90, nil},
		{90 * time.Second, 91, flaskwtf.ErrTokenExpired},
		{90*time.Second + 999*time.Millisecond, 91, flaskwtf.ErrTokenExpired}, // whole seconds
		{-1, 10 * 365 * 86400, nil},
	} {
		c := newCSRF(t, s, func(c *flaskwtf.Config) { c.TimeLimit = tc.limit; c.Now = at(unitNow + tc.age) })
		err := c.Validate(get(), tok)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("limit %v age %d: %v, want %v", tc.limit, tc.age, err, tc.want)
		}
	}
}

func TestValidateOrderAndSecrets(t *testing.T) {
	s := newMem(nil)
	c := newCSRF(t, s, nil)
	tok, _ := c.Token(get())
	other := newCSRF(t, s, func(c *flaskwtf.Config) { c.SecretKey = []byte("other") })
	if err := other.Validate(get(), tok); !errors.Is(err, flaskwtf.ErrTokenInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	if err := c.Validate(get(), ""); !errors.Is(err, flaskwtf.ErrTokenMissing) {
		t.Errorf("empty token: %v", err)
	}
	empty := newCSRF(t, newMem(nil), nil)
	if err := empty.Validate(get(), "garbage"); !errors.Is(err, flaskwtf.ErrSessionTokenMissing) {
		t.Errorf("no session token is checked before the token: %v", err)
	}
	s.values["csrf_token"] = int64(1)
	if err := c.Validate(get(), tok); !errors.Is(err, flaskwtf.ErrTokensMismatch) {
		t.Errorf("non-string raw token: %v", err)
	}
}

func TestHandler(t *testing.T) {
	s := newMem(nil)
	var logs bytes.Buffer
	var handled error
	c := newCSRF(t, s, func(c *flaskwtf.Config) {
		c.Exempt = func(r *http.Request) bool { return r.URL.Path == "/hook" }
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			handled = err
			w.WriteHeader(http.StatusTeapot)
		}
	})
	tok, _ := c.Token(get())
	var seen url.Values
	h := c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.PostForm }))
	post := func(path, body string) int {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := post("/x", "name=a&csrf_token="+url.QueryEscape(tok)); code != 200 || seen.Get("name") != "a" {
		t.Errorf("valid post: %d, form %v", code, seen)
	}
	if code := post("/x", "name=a"); code != http.StatusTeapot || !errors.Is(handled, flaskwtf.ErrTokenMissing) {
		t.Errorf("no token: %d, %v", code, handled)
	}
	if !strings.Contains(logs.String(), "The CSRF token is missing.") {
		t.Errorf("refusal not logged: %q", logs.String())
	}
	if code := post("/hook", "name=a"); code != 200 {
		t.Errorf("exempt route: %d", code)
	}
	// The default error handler answers 400 with Flask-WTF's reason.
	rec := httptest.NewRecorder()
	flaskwtf.DefaultErrorHandler(rec, get(), flaskwtf.ErrTokensMismatch)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "The CSRF tokens do not match.") {
		t.Errorf("DefaultErrorHandler: %d %q", rec.Code, rec.Body)
	}
	if flaskwtf.Reason(errors.New("other")) != "" {
		t.Error("Reason of an unrelated error")
	}
}

// TestSignedBadPayload: a token whose signature holds but whose payload is
// not a JSON string (only a key holder can make one) is invalid, as
// itsdangerous' BadPayload makes it for Flask-WTF.
func TestSignedBadPayload(t *testing.T) {
	signer, err := signing.New([]byte("unit"), nil, signing.Options{Salt: flaskwtf.Salt, KeyDerivation: "django-concat",
		Now: at(unitNow)})
	if err != nil {
		t.Fatal(err)
	}
	c := newCSRF(t, newMem(map[string]any{"csrf_token": "abc"}), nil)
	if err := c.Validate(get(), signer.Sign([]byte(`"abc"`))); err != nil {
		t.Fatalf("the control token: %v", err)
	}
	for _, p := range []string{"\"abc\xff\"", "abc", "5", `["abc"]`, `"abc`} {
		if err := c.Validate(get(), signer.Sign([]byte(p))); !errors.Is(err, flaskwtf.ErrTokenInvalid) {
			t.Errorf("payload %q: %v, want ErrTokenInvalid", p, err)
		}
	}
}

// TestRefererPortOutOfRange: a port Python's urlparse refuses (Flask-WTF
// then fails with HTTP 500) never matches.
func TestRefererPortOutOfRange(t *testing.T) {
	s := newMem(nil)
	c := newCSRF(t, s, func(c *flaskwtf.Config) { c.IsSecure = func(*http.Request) bool { return true } })
	tok, _ := c.Token(get())
	for host, want := range map[string]error{"example.com:65535": nil, "example.com:65536": flaskwtf.ErrRefererMismatch} {
		r := httptest.NewRequest(http.MethodPost, "https://"+host+"/", strings.NewReader("csrf_token="+url.QueryEscape(tok)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Referer", "https://"+host+"/page")
		if err := c.Protect(r); err != want {
			t.Errorf("%s: Protect = %v, want %v", host, err, want)
		}
	}
}
