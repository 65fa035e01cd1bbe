package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
)

// TestBreakUntouchedRefreshJSONForms: a validly signed cookie whose JSON
// says "_permanent" is true — written by another writer with the same key,
// with a space after the colon, a \u escape in the key, or the entry
// nested — must be re-sent on a request that never touches the session
// exactly when Flask re-sends it (Flask parses the JSON: session.permanent
// and SESSION_REFRESH_EACH_REQUEST), and exactly when a request that only
// reads the session re-sends it.
func TestBreakUntouchedRefreshJSONForms(t *testing.T) {
	m := newManager(t, session.Config{})
	signer, err := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	send := func(value string, touch bool) bool {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "session="+value)
		m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			if touch {
				session.From(r).Get("x")
			}
		})).ServeHTTP(w, r)
		for _, c := range w.Result().Cookies() {
			if c.Name == "session" {
				return true
			}
		}
		return false
	}
	long := strings.Repeat("compressible ", 40)
	for _, tc := range []struct {
		name, payload string
		flask         bool // Flask re-sends the cookie
	}{
		{"compact", `{"_permanent":true}`, true},
		{"space after colon", `{"_permanent": true}`, true},
		{"spaces everywhere", `{ "_permanent" : true , "x" : 1 }`, true},
		{"newline", "{\"_permanent\":\ntrue}", true},
		{"escaped key", `{"\u005fpermanent":true}`, true},
		{"escaped key 2", `{"_perm\u0061nent":true}`, true},
		{"space, compressed", `{"_permanent": true,"x":"` + long + `"}`, true},
		// Flask's session.permanent is truthiness, not a bool (pre-existing:
		// Session.Permanent reads only a bool, touched or not).
		{"truthy int", `{"_permanent":1}`, true},
		{"nested only", `{"a":{"_permanent":true}}`, false},
		{"false then true (last wins in Python)", `{"_permanent":true,"_permanent":false}`, false},
	} {
		value := signer.Sign([]byte(tc.payload))
		untouched, read := send(value, false), send(value, true)
		if untouched != tc.flask || read != tc.flask {
			t.Errorf("%s %s: cookie re-sent: untouched %v, read-only %v; Flask %v", tc.name, tc.payload[:min(len(tc.payload), 40)], untouched, read, tc.flask)
		}
		// The same through a quoted cookie value.
		if q := send(`"`+value+`"`, false); q != untouched {
			t.Errorf("%s: quoted cookie value re-sent %v, unquoted %v", tc.name, q, untouched)
		}
	}
}

// TestBreakUntouchedRevokedAndFallback: an untouched request with a
// permanent cookie whose subject has been revoked never gets a cookie that
// still logs the subject in; with a cookie signed by a fallback key (not
// revoked) it gets the cookie re-issued, as Flask re-issues a permanent
// session; Flask's format and a sealed Codec alike.
func TestBreakUntouchedRevokedAndFallback(t *testing.T) {
	for _, sealedCodec := range []bool{false, true} {
		for _, stale := range []bool{false, true} {
			t.Run(fmt.Sprintf("sealed=%v,stale=%v", sealedCodec, stale), func(t *testing.T) {
				a := newRevocationApp(t, sealedCodec, stale)
				cookie := a.logIn(t, true)
				a.clock.Set(a.clock.Now().Add(time.Second))
				untouched := a.main.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				rec := serve(untouched, "/", cookie)
				fresh, ok := sessionCookie(rec)
				if !ok || fresh == "" {
					t.Errorf("a permanent cookie (stale=%v) on an untouched request: not re-issued (status %d)", stale, rec.Code)
				}
				a.rev.revoke("alice", a.clock.Now())
				a.clock.Set(a.clock.Now().Add(time.Second))
				rec = serve(untouched, "/", cookie)
				if fresh, ok := sessionCookie(rec); ok && fresh != "" && a.whoAmI(fresh) == "alice" {
					t.Errorf("after the revocation an untouched request re-issued a cookie that logs alice in")
				}
			})
		}
	}
}

// TestBreakUntouchedExpired: a validly signed permanent cookie older than
// the lifetime (or signed in the future) is not re-sent on an untouched
// request; one just inside the lifetime is.
func TestBreakUntouchedExpired(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	m := newManager(t, session.Config{Now: func() time.Time { return now }})
	for _, tc := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"inside the lifetime", now.Add(-31*24*time.Hour + time.Second), true},
		{"exactly the lifetime", now.Add(-31 * 24 * time.Hour), true},
		{"a second over", now.Add(-31*24*time.Hour - time.Second), false},
		{"in the future", now.Add(time.Minute), false},
	} {
		at := tc.at
		signer, err := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "session="+signer.Sign([]byte(`{"_permanent":true}`)))
		m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		if got := len(w.Result().Header.Values("Set-Cookie")) > 0; got != tc.want {
			t.Errorf("%s: re-sent %v, want %v", tc.name, got, tc.want)
		}
	}
}
