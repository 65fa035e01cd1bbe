package signing_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

// itsdangerousCase is one cookie of itsdangerous_data_test.go.
type itsdangerousCase struct {
	name, secret             string
	fallbacks                []string
	salt, derivation, digest string
	cookie                   string
	now, maxAge              int64
	want, flask              string // ok, invalid, bad_payload (flask: also "exception ...")
	err                      error  // the specific error, when want is not ok
	payload                  string
	note                     string
}

var digests = map[string]func() hash.Hash{"sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// TestItsdangerous checks cookies made by the real itsdangerous with other
// salts, digests and key derivations, timestamps at the edges, validly signed
// bad payloads, and the lenient forms Flask reads and this package rejects.
func TestItsdangerous(t *testing.T) {
	for _, c := range itsdangerousCases {
		t.Run(c.name, func(t *testing.T) {
			var fallbacks [][]byte
			for _, f := range c.fallbacks {
				fallbacks = append(fallbacks, []byte(f))
			}
			s, err := signing.New([]byte(c.secret), fallbacks, signing.Options{
				Salt:          c.salt,
				KeyDerivation: c.derivation,
				Digest:        digests[c.digest],
				Now:           fixedClock(c.now),
			})
			if err != nil {
				t.Fatal(err)
			}
			payload, signed, err := s.Verify(c.cookie, time.Duration(c.maxAge)*time.Second)
			if c.flask != c.want {
				t.Logf("Flask: %s, here: %s (%s)", c.flask, c.want, c.note)
			}
			switch c.want {
			case "ok":
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if string(payload) != c.payload {
					t.Fatalf("payload %s, want %s", payload, c.payload)
				}
				// Signing the payload again at the same time gives itsdangerous'
				// bytes exactly, unless C zlib compressed it or a fallback signed it.
				if !strings.HasPrefix(c.cookie, ".") && len(c.fallbacks) == 0 {
					if got := string(s.AppendSign(nil, payload, signed.Unix())); got != c.cookie {
						t.Fatalf("AppendSign = %s, want %s", got, c.cookie)
					}
				}
			case "invalid", "bad_payload":
				class := signing.ErrInvalid
				if c.want == "bad_payload" {
					class = signing.ErrBadPayload
				}
				if !errors.Is(err, class) || !errors.Is(err, c.err) {
					t.Fatalf("Verify = %q, %v; want %v (%v)", payload, err, c.err, class)
				}
			default:
				t.Fatalf("bad want %q", c.want)
			}
		})
	}
}
