package bench

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

// TestImpls runs every implementation once per case and checks the answers,
// so that CI (which runs the benchmarks only with -benchtime=1x) notices a
// benchmark that measures something broken: readonly reads the seeded
// session and sends no cookie, readwrite persists "role" into the next
// request and keeps the other keys, untouched sends no cookie.
func TestImpls(t *testing.T) {
	sessions := []struct {
		name    string
		entries []kv
	}{{"3keys", smallSession}, {"2KB", largeSession}}
	for _, ic := range impls {
		for _, sc := range sessions {
			t.Run(ic.name+"/"+sc.name, func(t *testing.T) {
				im := ic.make(t)
				cookie := seedCookie(t, im, sc.entries)
				t.Logf("Cookie: header of the seeded session: %d bytes", len(cookie))
				for _, c := range []struct {
					name string
					h    http.Handler
				}{{"untouched", im.untouched}, {"readonly", im.readonly}} {
					w := serve(c.h, "/", cookie)
					if w.Code != http.StatusOK {
						t.Fatalf("%s: HTTP %d %s", c.name, w.Code, w.Body)
					}
					if got := w.Header().Values("Set-Cookie"); len(got) != 0 {
						t.Errorf("%s: Set-Cookie %q; a request that does not write should not send the cookie", c.name, got)
					}
				}

				w := serve(im.readwrite, "/", cookie)
				if w.Code != http.StatusOK {
					t.Fatalf("readwrite: HTTP %d %s", w.Code, w.Body)
				}
				if !im.hasSession {
					return
				}
				next := responseCookie(w)
				if next == "" {
					t.Fatalf("readwrite: no session cookie in the response (headers %v)", w.Header())
				}
				want := map[string]string{writeRole: newRole}
				for _, e := range sc.entries {
					if e.key != writeRole {
						want[e.key] = fmt.Sprint(e.value)
					}
				}
				for k, v := range want {
					if got := serve(im.probe, "/?k="+k, next).Body.String(); got != v {
						t.Errorf("after readwrite, %q = %q, want %q", k, got, v)
					}
				}
				// The benchmarks rely on the seeded cookie staying valid
				// and, for the cookie stores, unchanged by readwrite.
				if w := serve(im.readwrite, "/", cookie); w.Code != http.StatusOK {
					t.Errorf("readwrite with the seeded cookie again: HTTP %d %s", w.Code, w.Body)
				}
				if im.name != "scs" && im.name != "sessionkit-mem" { // server-side: the store changed
					if got := serve(im.probe, "/?k="+writeRole, cookie).Body.String(); got != "admin" {
						t.Errorf("seeded cookie: role = %q, want admin", got)
					}
				}
			})
		}
	}
}

// TestCryptoFloorBytes checks that BenchmarkCryptoFloor signs the bytes a
// real cookie of the 3-key session carries: sessionkit's signer, given the
// same payload and timestamp, produces floorSigned + "." + signature.
func TestCryptoFloorBytes(t *testing.T) {
	signer, err := signing.New(hashKey, nil, signing.Options{}) // what session.Config{SecretKey: hashKey} signs with
	if err != nil {
		t.Fatal(err)
	}
	unix := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	cookie := signer.AppendSign(nil, []byte(floorPayload), unix)
	want := floorSigned(unix)
	if !bytes.HasPrefix(cookie, append(want, '.')) || bytes.Count(cookie, []byte(".")) != 2 {
		t.Fatalf("sessionkit's cookie %q does not start with the floor's signed bytes %q", cookie, want)
	}
}
