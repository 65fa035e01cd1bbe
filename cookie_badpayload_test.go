package session_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// flaskSign signs the raw payload part P (already encoded) as Flask does,
// without checking it: "P.T.S", S the HMAC-SHA1 under the "hmac"-derived key
// with salt "cookie-session".
func flaskSign(secret, p string, unix int64) string {
	derive := hmac.New(sha1.New, []byte(secret))
	derive.Write([]byte("cookie-session"))
	ts := base64.RawURLEncoding.EncodeToString(trimLeadingZeros(unix))
	mac := hmac.New(sha1.New, derive.Sum(nil))
	mac.Write([]byte(p + "." + ts))
	return p + "." + ts + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func trimLeadingZeros(n int64) []byte {
	b := []byte{byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32), byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// badPayloads are validly signed cookies whose payload cannot be decoded,
// one of each kind, permanent or not.
func badPayloads(secret string, unix int64) map[string]string {
	return map[string]string{
		"base64":               flaskSign(secret, "e!J9", unix),
		"zlib":                 flaskSign(secret, "."+b64("not a zlib stream"), unix),
		"JSON":                 flaskSign(secret, b64(`{"a":`), unix),
		"JSON, permanent":      flaskSign(secret, b64(`{"_permanent":true,"a":`), unix),
		"tag":                  flaskSign(secret, b64(`{"a":{" b":"A"}}`), unix),
		"tag, permanent":       flaskSign(secret, b64(`{"_permanent":true,"a":{" d":5}}`), unix),
		"top level, permanent": flaskSign(secret, b64(`["_permanent":true]`), unix),
	}
}

// A validly signed cookie whose payload cannot be decoded: a request that
// uses the session answers 500 (ErrBadPayload), as Flask does; an untouched
// request goes through without an error and without refreshing the cookie,
// whatever the kind of failure (the deliberate difference NeedsRefresh
// documents).
func TestCookieBadPayloadKinds(t *testing.T) {
	const secret = "bad-payload-key"
	for kind, cookie := range badPayloads(secret, t0.Unix()) {
		var got error
		m := newManager(t, session.Config{SecretKey: []byte(secret), Now: fixedClock(t0),
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { got = err; w.WriteHeader(500) }})
		touched := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("a") }))
		untouched := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))

		got = nil
		res := serve(touched, "/", cookie)
		if res.Code != http.StatusInternalServerError || !errors.Is(got, session.ErrBadPayload) {
			t.Errorf("%s: a request using the session: status %d, error %v; want 500 with ErrBadPayload", kind, res.Code, got)
		}
		got = nil
		res = serve(untouched, "/", cookie)
		if res.Code != http.StatusOK || res.Body.String() != "ok" || got != nil || len(res.Result().Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s: an untouched request: status %d, error %v, Set-Cookie %v; want 200 without an error or a cookie",
				kind, res.Code, got, res.Result().Header.Values("Set-Cookie"))
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "session="+cookie)
		if (&session.SecureCookie{}).NeedsRefresh(m.Config(), r) {
			t.Errorf("%s: NeedsRefresh is true for an undecodable payload", kind)
		}
	}
}

// The refresh an untouched request does for a decodable permanent session
// is unchanged, and costs nothing when no refresh is due.
func TestCookieBadPayloadRefreshStillWorks(t *testing.T) {
	const secret = "bad-payload-key"
	m := newManager(t, session.Config{SecretKey: []byte(secret), Now: fixedClock(t0)})
	untouched := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	permanent := flaskSign(secret, b64(`{"_permanent":true,"a":1}`), t0.Unix())
	browser := flaskSign(secret, b64(`{"a":1}`), t0.Unix())
	if res := serve(untouched, "/", permanent); len(res.Result().Header.Values("Set-Cookie")) != 1 {
		t.Errorf("a permanent session was not refreshed: %v", res.Result().Header)
	}
	if res := serve(untouched, "/", browser); len(res.Result().Header.Values("Set-Cookie")) != 0 {
		t.Errorf("a browser session was refreshed: %v", res.Result().Header)
	}
	if raceEnabled {
		return
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "session="+browser)
	sc := &session.SecureCookie{}
	if n := testing.AllocsPerRun(100, func() { sc.NeedsRefresh(m.Config(), r) }); n != 0 {
		t.Errorf("NeedsRefresh of an untouched browser session: %v allocations", n)
	}
}

// A Codec failure that is not ErrInvalidCookie fails closed even on an
// untouched request: NeedsRefresh answers true so that opening reports it.
func TestCookieCodecErrorFailsClosed(t *testing.T) {
	inner, err := sealed.New([][]byte{newSealKey})
	if err != nil {
		t.Fatal(err)
	}
	codec := failingCodec{Codec: inner, err: errors.New("key service down")}
	m := newManager(t, session.Config{Interface: &session.SecureCookie{Codec: codec}})
	untouched := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	res := serve(untouched, "/", "anything"+strconv.Itoa(1))
	if res.Code != http.StatusInternalServerError || len(res.Result().Header.Values("Set-Cookie")) != 0 {
		t.Errorf("status %d, Set-Cookie %v", res.Code, res.Result().Header.Values("Set-Cookie"))
	}
}

type failingCodec struct {
	session.Codec
	err error
}

func (c failingCodec) Decode([]byte, string, string, time.Time, time.Duration) ([]byte, time.Time, bool, error) {
	return nil, time.Time{}, false, c.err
}
