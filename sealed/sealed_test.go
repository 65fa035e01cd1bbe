package sealed_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
	"github.com/sessionkit/session/sessiontest"
)

var (
	keyA = bytes.Repeat([]byte{0xa1}, 32)
	keyB = bytes.Repeat([]byte{0xb2}, 32)
	t0   = time.Unix(1700000000, 0)
)

func codec(t testing.TB, keys ...[]byte) *sealed.Codec {
	t.Helper()
	c, err := sealed.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seal(t testing.TB, c *sealed.Codec, name, payload string, at time.Time, life time.Duration) string {
	t.Helper()
	v, err := c.Encode(nil, name, []byte(payload), at, life)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func TestRoundTrip(t *testing.T) {
	c := codec(t, keyA)
	v := seal(t, c, "session", `{"user":"alice"}`, t0, time.Hour)
	if strings.Contains(v, "alice") || strings.ContainsAny(v, ".=+/") {
		t.Fatalf("value is not one opaque base64url string: %s", v)
	}
	if _, err := base64.RawURLEncoding.DecodeString(v); err != nil {
		t.Fatalf("not a single base64url pass: %v", err)
	}
	got, _, stale, err := c.Decode(nil, "session", v, t0.Add(time.Minute), time.Hour)
	if err != nil || stale || string(got) != `{"user":"alice"}` {
		t.Fatalf("Decode = %q, %v, %v", got, stale, err)
	}
}

// R29: a fresh nonce per seal.
func TestFreshNonce(t *testing.T) {
	c := codec(t, keyA)
	a := seal(t, c, "session", "same", t0, 0)
	b := seal(t, c, "session", "same", t0, 0)
	if a == b {
		t.Fatal("sealing the same value twice gave the same bytes")
	}
}

// R23: the cookie name is bound into the associated data.
func TestNameBinding(t *testing.T) {
	c := codec(t, keyA)
	v := seal(t, c, "a", "x", t0, 0)
	if _, _, _, err := c.Decode(nil, "b", v, t0, 0); !errors.Is(err, session.ErrInvalidCookie) {
		t.Fatalf("value of cookie a opened as cookie b: %v", err)
	}
}

// R24: issue time and expiry are inside and enforced; R15: future beyond skew.
func TestTimes(t *testing.T) {
	c := codec(t, keyA)
	v := seal(t, c, "s", "x", t0, time.Hour)
	for _, tc := range []struct {
		at   time.Time
		life time.Duration
		want error
	}{
		{t0.Add(59 * time.Minute), time.Hour, nil},
		{t0.Add(time.Hour), time.Hour, sealed.ErrExpired},
		{t0.Add(2 * time.Hour), 0, sealed.ErrExpired}, // expiry inside holds even with no lifetime given
		{t0.Add(30 * time.Minute), 10 * time.Minute, sealed.ErrExpired},
		{t0.Add(10 * time.Minute), 10 * time.Minute, nil}, // an age of exactly the lifetime is accepted, as in Flask
		{t0.Add(10*time.Minute + time.Second), 10 * time.Minute, sealed.ErrExpired},
		{t0.Add(time.Hour - time.Second), time.Hour, nil}, // the last second before the expiry inside
		{t0.Add(-3 * time.Second), time.Hour, nil},        // within the skew
		{t0.Add(-5 * time.Second), time.Hour, nil},        // exactly the skew
		{t0.Add(-6 * time.Second), time.Hour, sealed.ErrFuture},
		{t0.Add(-time.Minute), time.Hour, sealed.ErrFuture},
	} {
		_, _, _, err := c.Decode(nil, "s", v, tc.at, tc.life)
		if !errors.Is(err, tc.want) || (tc.want != nil && !errors.Is(err, session.ErrInvalidCookie)) {
			t.Errorf("at %v life %v: err %v, want %v", tc.at.Sub(t0), tc.life, err, tc.want)
		}
	}
}

// R25: rotation: old keys open and are reported stale; new values use the current key.
func TestKeyRotation(t *testing.T) {
	old := codec(t, keyA)
	v := seal(t, old, "s", "data", t0, 0)
	rotated := codec(t, keyB, keyA)
	got, _, stale, err := rotated.Decode(nil, "s", v, t0, 0)
	if err != nil || !stale || string(got) != "data" {
		t.Fatalf("old-key value under the rotated ring: %q stale=%v err=%v", got, stale, err)
	}
	nv := seal(t, rotated, "s", "data", t0, 0)
	if _, _, _, err := codec(t, keyB).Decode(nil, "s", nv, t0, 0); err != nil {
		t.Errorf("new value not sealed with the current key: %v", err)
	}
	if _, _, _, err := codec(t, keyB).Decode(nil, "s", v, t0, 0); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Errorf("a dropped key still opens: %v", err)
	}
}

// R27: keys shorter (or longer) than 32 bytes are refused.
func TestKeySizes(t *testing.T) {
	for _, k := range [][]byte{nil, {}, make([]byte, 16), make([]byte, 31), make([]byte, 33)} {
		if _, err := sealed.New([][]byte{k}); !errors.Is(err, sealed.ErrKeySize) {
			t.Errorf("%d-byte key: %v", len(k), err)
		}
	}
	if _, err := sealed.New(nil); !errors.Is(err, sealed.ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
	if _, err := sealed.New([][]byte{keyA, keyA}); !errors.Is(err, sealed.ErrDuplicate) {
		t.Errorf("duplicate key: %v", err)
	}
}

// R28, R21: truncated tags and any flipped bit are rejected, never panic.
func TestTamperingAndTruncation(t *testing.T) {
	c := codec(t, keyA)
	raw, _ := base64.RawURLEncoding.DecodeString(seal(t, c, "s", `{"a":1}`, t0, 0))
	for i := range raw {
		for _, bit := range []byte{1, 0x80} {
			b := bytes.Clone(raw)
			b[i] ^= bit
			if _, _, _, err := c.Decode(nil, "s", base64.RawURLEncoding.EncodeToString(b), t0, 0); !errors.Is(err, session.ErrInvalidCookie) {
				t.Fatalf("byte %d bit %#x flipped: %v", i, bit, err)
			}
		}
	}
	for n := range raw {
		if _, _, _, err := c.Decode(nil, "s", base64.RawURLEncoding.EncodeToString(raw[:n]), t0, 0); !errors.Is(err, session.ErrInvalidCookie) {
			t.Fatalf("truncated to %d bytes: %v", n, err)
		}
	}
	for _, junk := range []string{"", "=", "a.b.c", strings.Repeat("A", 5000), "\x00"} {
		if _, _, _, err := c.Decode(nil, "s", junk, t0, 0); !errors.Is(err, session.ErrInvalidCookie) {
			t.Errorf("junk %.20q: %v", junk, err)
		}
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestNonceFailureIsAnError(t *testing.T) {
	c, _ := sealed.NewWithOptions([][]byte{keyA}, sealed.Options{Rand: failing{}})
	if _, err := c.Encode(nil, "s", []byte("x"), t0, 0); err == nil {
		t.Fatal("sealed without a nonce")
	}
}

// Through the middleware: the same Session and Interface, by configuration;
// a cookie under an old key is re-issued under the current one.
func TestWithSecureCookie(t *testing.T) {
	mgr := func(keys ...[]byte) *session.Manager {
		m, err := session.New(session.Config{Interface: &session.SecureCookie{Codec: codec(t, keys...)}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("user", "alice") })
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
	})
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {})
	c := sessiontest.NewClient(mgr(keyA).Handler(mux))
	c.Get("/set")
	if v := c.Cookie("session").Value; strings.Contains(v, "alice") {
		t.Fatalf("the cookie shows its contents: %s", v)
	}
	if got := c.Get("/get").Body; got != "alice" {
		t.Fatalf("read back %q", got)
	}
	before := c.Cookie("session").Value
	c.Handler = mgr(keyB, keyA).Handler(mux)
	res := c.Get("/nothing")
	if len(res.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("an old-key cookie was not re-issued (untouched request): %v", res.Header.Values("Set-Cookie"))
	}
	c.Handler = mgr(keyB).Handler(mux)
	if got := c.Get("/get").Body; got != "alice" || c.Cookie("session").Value == before {
		t.Errorf("after re-issue the current key alone reads %q", got)
	}
	// A Flask-format cookie is not accepted by a sealed interface (R26: no fallback decoder).
	r := httptest.NewRequest("GET", "/get", nil)
	r.Header.Set("Cookie", "session=eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU")
	rec := httptest.NewRecorder()
	mgr(keyA).Handler(mux).ServeHTTP(rec, r)
	if rec.Body.String() != "-" || rec.Code != 200 {
		t.Errorf("a signed-only cookie was read by the sealed interface: %d %q", rec.Code, rec.Body.String())
	}
}

func BenchmarkCodec(b *testing.B) {
	payload := []byte(`{"name":"alice","role":"admin","user_id":42}`)
	c := codec(b, keyA)
	v := seal(b, c, "session", string(payload), t0, time.Hour)
	b.Run("seal", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf, _ = c.Encode(buf[:0], "session", payload, t0, time.Hour)
		}
	})
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf, _, _, _ = c.Decode(buf[:0], "session", v, t0, time.Hour)
		}
	})
}

// shortRand gives n bytes, then io.EOF: a random source that runs short.
type shortRand struct{ n int }

func (r *shortRand) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = 0x5a
	}
	r.n -= k
	return k, nil
}

// A random source that runs short (some bytes, then EOF, as ReadFull sees
// it) is an error, never a value sealed with a partly fixed nonce; through
// the session interface that is HTTP 500 without Set-Cookie.
func TestNonceShortReadIsAnError(t *testing.T) {
	for _, n := range []int{0, 1, 11} {
		c, err := sealed.NewWithOptions([][]byte{keyA}, sealed.Options{Rand: &shortRand{n: n}})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := c.Encode([]byte("prefix"), "s", []byte("x"), t0, 0); err == nil || string(v) != "prefix" {
			t.Errorf("%d of 12 nonce bytes: value %q, err %v", n, v, err)
		}
		c, _ = sealed.NewWithOptions([][]byte{keyA}, sealed.Options{Rand: &shortRand{n: n}})
		m, err := session.New(session.Config{Interface: &session.SecureCookie{Codec: c}, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = session.From(r).Set("user", "alice")
		})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != http.StatusInternalServerError || len(rec.Result().Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%d of 12 nonce bytes through the interface: status %d, Set-Cookie %v", n, rec.Code, rec.Result().Header.Values("Set-Cookie"))
		}
	}
	// Exactly 12 bytes is enough.
	c, _ := sealed.NewWithOptions([][]byte{keyA}, sealed.Options{Rand: &shortRand{n: 12}})
	if _, err := c.Encode(nil, "s", []byte("x"), t0, 0); err != nil {
		t.Errorf("12 nonce bytes: %v", err)
	}
}

// MaxLength bounds the value on both sides: a value of exactly MaxLength
// is sealed and opened; one byte more is neither made nor read.
func TestMaxLengthBothWays(t *testing.T) {
	payload := []byte(strings.Repeat("p", 300))
	probe := seal(t, codec(t, keyA), "session", string(payload), t0, 0)
	for _, max := range []int{len(probe), len(probe) - 1} {
		c, err := sealed.NewWithOptions([][]byte{keyA}, sealed.Options{MaxLength: max})
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Encode(nil, "session", payload, t0, 0)
		if max == len(probe) {
			if err != nil || len(v) != max {
				t.Fatalf("MaxLength %d: Encode of a %d-byte value: %v", max, len(probe), err)
			}
			if got, _, _, err := c.Decode(nil, "session", string(v), t0, 0); err != nil || string(got) != string(payload) {
				t.Errorf("MaxLength %d: Decode at exactly the limit: %v", max, err)
			}
			continue
		}
		if !errors.Is(err, session.ErrCookieTooLarge) || len(v) != 0 {
			t.Errorf("MaxLength %d: Encode of a %d-byte value: %q, %v", max, len(probe), v, err)
		}
		if _, _, _, err := c.Decode(nil, "session", probe, t0, 0); !errors.Is(err, sealed.ErrTooLong) {
			t.Errorf("MaxLength %d: Decode of a %d-byte value: %v, want ErrTooLong", max, len(probe), err)
		}
	}
	// The default is the session package's hard bound.
	big := []byte(strings.Repeat("p", 40<<10))
	c := codec(t, keyA)
	v, err := c.Encode(nil, "session", big, t0, 0)
	if err != nil || len(v) > sealed.DefaultMaxLength || sealed.DefaultMaxLength != 64<<10 {
		t.Fatalf("a %d-byte value under the default: %v", len(v), err)
	}
	if _, _, _, err := c.Decode(nil, "session", string(v), t0, 0); err != nil {
		t.Errorf("a %d-byte value under the default: %v", len(v), err)
	}
}
