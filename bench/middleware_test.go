package bench

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkMiddleware is one whole request per iteration — httptest.NewRequest
// carrying the impl's own cookie for the same session, httptest.NewRecorder,
// handler.ServeHTTP — for each case and implementation:
//
//	untouched     the handler never touches the session
//	readonly      reads "name"
//	readwrite     reads "name", sets "role" (the implementation saves it)
//	readwrite-2KB readwrite on a ~2 KB session of strings and ints
//
// The cookie is made once per implementation, before the timer, by a request
// that stored the session; every iteration sends that same cookie (baseline
// sends sessionkit's, see newBaseline). Net
// overhead is an implementation's time minus baseline's in the same run
// (cmd/ratio computes it from run.sh's output).
func BenchmarkMiddleware(b *testing.B) {
	cases := []struct {
		name    string
		session []kv
		handler func(*impl) http.Handler
	}{
		{"untouched", smallSession, func(im *impl) http.Handler { return im.untouched }},
		{"readonly", smallSession, func(im *impl) http.Handler { return im.readonly }},
		{"readwrite", smallSession, func(im *impl) http.Handler { return im.readwrite }},
		{"readwrite-2KB", largeSession, func(im *impl) http.Handler { return im.readwrite }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for _, ic := range impls {
				b.Run(ic.name, func(b *testing.B) {
					im := ic.make(b)
					cookie := seedCookie(b, im, c.session)
					benchRequests(b, c.handler(im), cookie)
				})
			}
		})
	}
}

func benchRequests(b *testing.B, h http.Handler, cookie string) {
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", w.Code, w.Body)
		}
	}
}

// floorPayload is the 3-key session as Flask serializes it.
const floorPayload = `{"name":"alice","role":"admin","user_id":42}`

// BenchmarkCryptoFloor is the least any HMAC-SHA1 signed cookie costs per
// read+write request: sign the cookie bytes of the 3-key session
// (base64url(payload) "." base64url(timestamp), exactly what sessionkit and
// Flask sign) and verify them again — two HMAC-SHA1 computations over those
// bytes and a constant-time compare, with the key derived and the HMAC state
// allocated once. Base64 coding, JSON, cookies and HTTP are not in it.
func BenchmarkCryptoFloor(b *testing.B) {
	signed := floorSigned(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	mac := hmac.New(sha1.New, hashKey)
	var sig, check [sha1.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		mac.Reset()
		mac.Write(signed)
		mac.Sum(sig[:0])
		mac.Reset()
		mac.Write(signed)
		mac.Sum(check[:0])
		if !hmac.Equal(sig[:], check[:]) {
			b.Fatal("signature mismatch")
		}
	}
}

// floorSigned returns the bytes a Flask cookie of floorPayload signed at unix
// carries before its signature: base64url(payload) "." base64url(timestamp),
// the timestamp big-endian without leading zero bytes as itsdangerous writes
// it.
func floorSigned(unix int64) []byte {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(unix))
	i := 0
	for i < len(ts)-1 && ts[i] == 0 {
		i++
	}
	signed := base64.RawURLEncoding.AppendEncode(nil, []byte(floorPayload))
	signed = append(signed, '.')
	return base64.RawURLEncoding.AppendEncode(signed, ts[i:])
}
