package signing_test

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/sessionkit/session/signing"
)

const testSecret = "dev-secret-key-1"

// newSigner returns a Signer for testSecret with a clock fixed at now.
func newSigner(t testing.TB, now int64, opts signing.Options) *signing.Signer {
	t.Helper()
	opts.Now = fixedClock(now)
	s, err := signing.New([]byte(testSecret), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawSign signs an arbitrary "P.T" the way itsdangerous does with Flask's
// defaults, independently of the package: it lets tests build validly signed
// cookies Flask would never write.
func rawSign(signedPart string) string {
	d := hmac.New(sha1.New, []byte(testSecret))
	d.Write([]byte("cookie-session"))
	m := hmac.New(sha1.New, d.Sum(nil))
	m.Write([]byte(signedPart))
	return signedPart + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// b64 is base64url without padding.
func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// tsPart is itsdangerous' timestamp encoding of ts.
func tsPart(ts uint64) string {
	b := binary.BigEndian.AppendUint64(nil, ts)
	return b64(bytes.TrimLeft(b, "\x00"))
}

// zlibOf compresses b with compress/zlib at the given level.
func zlibOf(t testing.TB, b []byte, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bombCookie returns a validly signed compressed cookie whose payload
// inflates to n bytes.
func bombCookie(t testing.TB, n int, ts uint64) string {
	t.Helper()
	return rawSign("." + b64(zlibOf(t, bytes.Repeat([]byte{'0'}, n), 9)) + "." + tsPart(ts))
}
