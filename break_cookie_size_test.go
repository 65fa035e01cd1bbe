package session_test

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
)

// level1 is a valid Compressor, compress/flate at BestSpeed: its streams
// are a little longer than the built-in level 6's, as a fast writer's are.
type level1 struct{}

func (level1) AppendDeflate(dst, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	w.Write(p)
	w.Close()
	return append(dst, b.Bytes()...)
}

// breakText is n bytes of words and random tokens (compressible, but not
// by much).
func breakText(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 7))
	words := strings.Fields("alpha beta gamma delta session cookie user admin token cart item price")
	var b strings.Builder
	for b.Len() < n {
		if r.IntN(2) == 0 {
			b.WriteString(words[r.IntN(len(words))])
		} else {
			for range 3 + r.IntN(6) {
				b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)])
			}
		}
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

// fitsWith reports whether a session holding text is sent (status 200 and
// a Set-Cookie) under cfg.
func fitsWith(t *testing.T, m *session.Manager, text string) bool {
	code, sent := tryWith(t, m, text)
	return code == http.StatusOK && sent
}

// tryWith returns the status and whether a Set-Cookie was sent for a
// session holding text.
func tryWith(t *testing.T, m *session.Manager, text string) (int, bool) {
	w := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.From(r).Set("t", text); err != nil {
			t.Fatal(err)
		}
	})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	return w.Code, len(w.Result().Header.Values("Set-Cookie")) > 0
}

// TestBreakCompressorCookieLimit: a cookie that fits the limit without a
// Compressor fits with it — through session.Config, for the default and
// smaller MaxCookieSize, long cookie names, a long Path. Outside the
// conditions signing.Compressor's doc states (name and attributes under 512
// bytes, Signing.MaxLength bounding the cookie) the guarantee is not made,
// but nothing is dropped silently: a session that does not fit is an error
// (HTTP 500, ErrCookieTooLarge), never a response without its cookie. The
// sizes tried straddle each configuration's limit byte by byte.
func TestBreakCompressorCookieLimit(t *testing.T) {
	cases := []struct {
		name   string
		cfg    session.Config
		inDocs bool
	}{
		{"default", session.Config{}, true},
		{"MaxCookieSize 2000", session.Config{MaxCookieSize: 2000}, true},
		{"name of 300 bytes", session.Config{CookieName: strings.Repeat("n", 300)}, true},
		{"Path of 400 bytes", session.Config{CookiePath: "/" + strings.Repeat("p", 399)}, true},
		// Outside the conditions signing.Compressor's doc states:
		{"name of 600 bytes (doc: under 512)", session.Config{CookieName: strings.Repeat("n", 600)}, false},
		{"MaxCookieSize 2000, Signing.MaxLength 4000 (doc: MaxLength must bound the cookie)", session.Config{MaxCookieSize: 2000, Signing: signingOpts(4000)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain := newManager(t, tc.cfg)
			cfg := tc.cfg
			cfg.Signing.Compressor = level1{}
			fast := newManager(t, cfg)
			// Find the largest text that fits without the Compressor, then
			// try every size around it.
			lo, hi := 100, 7000
			for lo < hi {
				mid := (lo + hi + 1) / 2
				if fitsWith(t, plain, breakText(1, mid)) {
					lo = mid
				} else {
					hi = mid - 1
				}
			}
			bad := 0
			for n := lo - 100; n <= lo+2; n += 2 {
				text := breakText(1, n)
				if !tc.inDocs {
					if code, sent := tryWith(t, fast, text); code == http.StatusOK && !sent {
						t.Errorf("a session of %d text bytes: 200 without its cookie", n)
					} else if code != http.StatusOK && code != http.StatusInternalServerError {
						t.Errorf("a session of %d text bytes: status %d", n, code)
					}
					continue
				}
				if fitsWith(t, plain, text) && !fitsWith(t, fast, text) {
					if bad++; bad <= 3 {
						t.Errorf("a session of %d text bytes fits without the Compressor, not with it", n)
					}
				}
			}
			if bad > 3 {
				t.Errorf("... %d sizes in all", bad)
			}
		})
	}
}

func signingOpts(maxLength int) signing.Options { return signing.Options{MaxLength: maxLength} }
