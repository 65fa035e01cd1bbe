package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The session-size table: BenchmarkSessionSize/<size>/<impl> is the
// readwrite request of BenchmarkMiddleware (read "name", set "role", the
// library saves) on sessions of about 64 B, 256 B, 1 KB, 2 KB and 3.5 KB of
// compact JSON, for baseline, sessionkit (default signed cookie), gorilla
// (CookieStore, HMAC only) and scs (default memstore, gob).
//
// A session of a given size is sizedSession(target): the 3-key session
// (user_id 42, name "alice", role "admin") and "locale": "en-GB" (61 bytes
// of JSON); from 256 B on also a 40-hex-digit "csrf_token", a "last_page"
// path, a "cart" list of strings "SKU-<8 digits>:<quantity>" and a
// "recently_viewed" list of 7-digit product ids (ints), the two lists grown
// one entry at a time, cart first, until one more entry would pass the
// target. Digits come from a PCG seeded with the target, so the content is
// the same on every run and compresses as ids do (not as repeated text).
// The size is that of Flask's compact JSON (sorted keys, no spaces), which is
// what encoding/json writes for a map[string]any of strings, ints and
// lists; TestSessionSizes pins each one.

// sessionSize is one row group of the table.
type sessionSize struct {
	name   string
	target int // bytes of compact JSON, at most
}

var sessionSizes = []sessionSize{
	{"64B", 64},
	{"256B", 256},
	{"1KB", 1024},
	{"2KB", 2048},
	{"3.5KB", 3584},
}

// sizeImpls are the rows of each size, by name from impls.
var sizeImpls = []string{"baseline", "sessionkit", "sessionkit-deflate", "gorilla", "scs"}

// sizedSession returns the session of about target bytes of compact JSON
// described above; never more than target unless target is below the 61
// bytes of the smallest one.
func sizedSession(target int) []kv {
	s := append([]kv(nil), smallSession...)
	s = append(s, kv{"locale", "en-GB"})
	if target < 128 {
		return s
	}
	rng := rand.New(rand.NewPCG(uint64(target), 15))
	hex := make([]byte, 40)
	for i := range hex {
		hex[i] = "0123456789abcdef"[rng.IntN(16)]
	}
	s = append(s,
		kv{"csrf_token", string(hex)},
		kv{"last_page", "/shop/garden/hand-tools?page=2"},
	)
	var cart []string
	var viewed []int
	with := func(cart []string, viewed []int) []kv {
		out := append([]kv(nil), s...)
		if cart != nil {
			out = append(out, kv{"cart", cart})
		}
		if viewed != nil {
			out = append(out, kv{"recently_viewed", viewed})
		}
		return out
	}
	best := with(nil, nil)
	for i := 0; ; i++ {
		nc, nv := cart, viewed
		if i%2 == 0 {
			nc = append(append([]string(nil), cart...), fmt.Sprintf("SKU-%08d:%d", rng.IntN(100_000_000), 1+rng.IntN(4)))
		} else {
			nv = append(append([]int(nil), viewed...), 1_000_000+rng.IntN(9_000_000))
		}
		next := with(nc, nv)
		if jsonSize(next) > target {
			return best
		}
		cart, viewed, best = nc, nv, next
	}
}

// jsonSize is the length of the compact JSON of entries with sorted keys:
// Flask's serialization of the session (none of the values need tags).
func jsonSize(entries []kv) int {
	m := make(map[string]any, len(entries))
	for _, e := range entries {
		m[e.key] = e.value
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return len(b)
}

// sizeImpl returns the impls entry called name.
func sizeImpl(tb testing.TB, name string) *impl {
	tb.Helper()
	for _, ic := range impls {
		if ic.name == name {
			return ic.make(tb)
		}
	}
	tb.Fatalf("no implementation %q in impls", name)
	return nil
}

// trySeed is seedCookie that reports a refusal instead of failing: it
// returns the Cookie header value of a new session holding entries, or the
// library's error (the body of its 500 answer).
func trySeed(im *impl, entries []kv) (cookie string, refused error) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), seedKey{}, entries))
	w := httptest.NewRecorder()
	im.seed.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return "", fmt.Errorf("HTTP %d: %s", w.Code, strings.TrimSpace(w.Body.String()))
	}
	c := responseCookie(w)
	if c == "" {
		return "", fmt.Errorf("no session cookie in the answer (headers %v)", w.Header())
	}
	return c, nil
}

// setCookieBytes runs one readwrite request and returns the length of the
// session cookie's value it set (0 if none), or an error if it failed.
func setCookieBytes(im *impl, cookie string) (int, error) {
	w := serve(im.readwrite, "/", cookie)
	if w.Code != http.StatusOK {
		return 0, fmt.Errorf("readwrite: HTTP %d: %s", w.Code, strings.TrimSpace(w.Body.String()))
	}
	c := responseCookie(w)
	return len(strings.TrimPrefix(c, cookieName+"=")), nil
}

// BenchmarkSessionSize is the readwrite request on each session size for
// each implementation; see sizedSession for the content. Besides time and
// allocations it reports cookie-bytes, the length of the session cookie
// value the readwrite response sets (not reported for baseline, which sets
// none). Baseline carries sessionkit's cookie for the same session. A size
// an implementation cannot hold is a skipped sub-benchmark whose message is
// "refused: " and the library's error.
func BenchmarkSessionSize(b *testing.B) {
	for _, sz := range sessionSizes {
		entries := sizedSession(sz.target)
		b.Run(sz.name, func(b *testing.B) {
			for _, name := range sizeImpls {
				b.Run(name, func(b *testing.B) {
					im := sizeImpl(b, name)
					cookie, err := trySeed(im, entries)
					if err != nil {
						b.Skipf("refused: %v", err)
					}
					n, err := setCookieBytes(im, cookie)
					if err != nil {
						b.Fatal(err)
					}
					benchRequests(b, im.readwrite, cookie)
					if im.hasSession {
						b.ReportMetric(float64(n), "cookie-bytes")
					}
				})
			}
		})
	}
}

// holds says which sizes each implementation holds: gorilla's cookie (gob,
// base64 twice, with its HMAC-SHA256) passes securecookie's 4096-byte limit
// between the 2 KB and the 3.5 KB session (TestGorillaLimit finds where); sessionkit compresses (zlib) and holds all of
// them; scs keeps the data server-side and its cookie is a token.
var holds = map[string]map[string]bool{
	"sessionkit":         {"64B": true, "256B": true, "1KB": true, "2KB": true, "3.5KB": true},
	"sessionkit-deflate": {"64B": true, "256B": true, "1KB": true, "2KB": true, "3.5KB": true},
	"gorilla":            {"64B": true, "256B": true, "1KB": true, "2KB": true, "3.5KB": false},
	"scs":                {"64B": true, "256B": true, "1KB": true, "2KB": true, "3.5KB": true},
}

// TestSessionSizes pins the JSON size of every session of the table (so the
// table's sizes are what SIZE.md says) and which sizes each implementation
// holds: a held size reads back and writes through readwrite; a refused one
// fails with gorilla's "value is too long".
func TestSessionSizes(t *testing.T) {
	wantJSON := map[string]int{"64B": 61, "256B": 241, "1KB": 1016, "2KB": 2041, "3.5KB": 3583}
	for _, sz := range sessionSizes {
		entries := sizedSession(sz.target)
		if got := jsonSize(entries); got != wantJSON[sz.name] {
			t.Errorf("%s: %d bytes of JSON, want %d", sz.name, got, wantJSON[sz.name])
		}
		if again := sizedSession(sz.target); jsonSize(again) != jsonSize(entries) || fmt.Sprint(again) != fmt.Sprint(entries) {
			t.Errorf("%s: sizedSession is not deterministic", sz.name)
		}
		for _, name := range sizeImpls[1:] {
			t.Run(sz.name+"/"+name, func(t *testing.T) {
				im := sizeImpl(t, name)
				cookie, err := trySeed(im, entries)
				want := holds[name][sz.name]
				switch {
				case want && err != nil:
					t.Fatalf("refused a session of %d bytes of JSON: %v", jsonSize(entries), err)
				case !want && err == nil:
					t.Fatalf("held a session of %d bytes of JSON (cookie %d bytes); the table says refused", jsonSize(entries), len(cookie))
				case !want:
					if !strings.Contains(err.Error(), "securecookie: the value is too long") {
						t.Errorf("refused with %v; want securecookie's \"the value is too long\"", err)
					}
					t.Logf("refused: %v", err)
					return
				}
				n, err := setCookieBytes(im, cookie)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Fatal("readwrite set no session cookie")
				}
				next := responseCookie(serve(im.readwrite, "/", cookie))
				for _, k := range []string{"user_id", "locale", writeRole} {
					want := map[string]string{"user_id": "42", "locale": "en-GB", writeRole: newRole}[k]
					if got := serve(im.probe, "/?k="+k, next).Body.String(); got != want {
						t.Errorf("after readwrite, %q = %q, want %q", k, got, want)
					}
				}
				t.Logf("%d bytes of JSON: seeded Cookie header %d bytes, readwrite Set-Cookie value %d bytes", jsonSize(entries), len(cookie), n)
			})
		}
	}
}

// TestGorillaLimit finds, in steps of 32 bytes, the largest session of this
// table's kind that gorilla's CookieStore still holds, and checks that it
// lies between the 2 KB and the 3.5 KB rows, as holds says.
func TestGorillaLimit(t *testing.T) {
	im := sizeImpl(t, "gorilla")
	largest, cookie := 0, ""
	for target := 2048; target <= 3584; target += 32 {
		entries := sizedSession(target)
		c, err := trySeed(im, entries)
		if err != nil {
			t.Logf("refused at %d bytes of JSON: %v", jsonSize(entries), err)
			break
		}
		largest, cookie = jsonSize(entries), c
	}
	if largest == 0 || largest >= 3583 {
		t.Fatalf("gorilla's largest session: %d bytes of JSON; want between the 2 KB and the 3.5 KB rows", largest)
	}
	t.Logf("largest held: %d bytes of JSON, Cookie header %d bytes", largest, len(cookie))
}
