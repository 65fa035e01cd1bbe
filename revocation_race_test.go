package session_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
)

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testRevocations is a session.Revocations in memory that can be made to
// fail, and counts its lookups.
type testRevocations struct {
	mu    sync.Mutex
	nb    map[string]time.Time
	err   error
	calls int
}

func (r *testRevocations) NotBefore(_ context.Context, subject string) (time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return time.Time{}, r.err
	}
	return r.nb[subject], nil
}

func (r *testRevocations) revoke(subject string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nb == nil {
		r.nb = map[string]time.Time{}
	}
	r.nb[subject] = at
}

func (r *testRevocations) Revoke(_ context.Context, subject string, at time.Time) error {
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return err
	}
	r.revoke(subject, at)
	return nil
}

func (r *testRevocations) fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
}

func (r *testRevocations) lookups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// serve runs one request through h with the given session cookie value ("" for none).
func serve(h http.Handler, path, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", "session="+cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// sessionCookie returns the value of the "session" cookie a response sets
// and whether it sets one ("" for a deletion).
func sessionCookie(rec *httptest.ResponseRecorder) (string, bool) {
	for _, line := range rec.Result().Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(line, "session="); ok {
			v, _, _ = strings.Cut(v, ";")
			return v, true
		}
	}
	return "", false
}

var (
	oldSealKey = bytes.Repeat([]byte{0x01}, 32)
	newSealKey = bytes.Repeat([]byte{0x02}, 32)
)

// revocationApp is a login handler and a "who am I" handler behind managers
// that share a revocation list: login signs with the old key when stale is
// set (for the key-rotation re-sign path), the app with the new one.
type revocationApp struct {
	clock       *testClock
	rev         *testRevocations
	login, main *session.Manager
}

func newRevocationApp(t *testing.T, sealedCodec, stale bool) *revocationApp {
	t.Helper()
	a := &revocationApp{clock: &testClock{t: time.Unix(1800000000, 0)}, rev: &testRevocations{}}
	loginCfg := session.Config{SecretKey: []byte("new-key"), Now: a.clock.Now, Revocations: a.rev}
	mainCfg := loginCfg
	if stale {
		loginCfg.SecretKey = []byte("old-key")
		mainCfg.SecretKeyFallbacks = [][]byte{[]byte("old-key")}
	}
	if sealedCodec {
		loginKeys := [][]byte{newSealKey}
		if stale {
			loginKeys = [][]byte{oldSealKey}
		}
		lc, err := sealed.New(loginKeys)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := sealed.New([][]byte{newSealKey, oldSealKey})
		if err != nil {
			t.Fatal(err)
		}
		loginCfg.Interface = &session.SecureCookie{Codec: lc}
		mainCfg.Interface = &session.SecureCookie{Codec: mc}
	}
	a.login, a.main = newManager(t, loginCfg), newManager(t, mainCfg)
	return a
}

// logIn logs alice in at the current time and returns her cookie.
func (a *revocationApp) logIn(t *testing.T, permanent bool) string {
	t.Helper()
	h := a.login.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
		_ = s.SetPermanent(permanent)
	}))
	c, ok := sessionCookie(serve(h, "/login", ""))
	if !ok || c == "" {
		t.Fatal("login set no cookie")
	}
	return c
}

// whoAmI returns the user the main app sees with cookie.
func (a *revocationApp) whoAmI(cookie string) string {
	h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
	}))
	return serve(h, "/get", cookie).Body.String()
}

// Request A opens alice's session, request B revokes alice while A runs,
// then A finishes: by refreshing the cookie (read-only, permanent), by
// writing, by re-signing a cookie made with an old key, or without ever
// touching the session. Whatever A sends back, no cookie of the session
// established before the revocation is accepted after it.
func TestRevocationRacingARequest(t *testing.T) {
	type action int
	const (
		touch     action = iota // read the session before the revocation
		write                   // read before, write after the revocation
		untouched               // never use the session (the refresh path)
	)
	cases := []struct {
		name      string
		permanent bool
		stale     bool
		act       action
		reissued  bool // without the revocation, A re-issues the cookie (sealed: always when stale)
	}{
		{"refresh of a permanent session", true, false, touch, true},
		{"refresh of an untouched permanent session", true, false, untouched, true},
		{"write to a permanent session", true, false, write, true},
		{"write to a browser session", false, false, write, true},
		{"re-sign of a browser session under a new key", false, true, touch, false},
		{"re-sign of a permanent session under a new key", true, true, touch, true},
		{"re-sign of an untouched browser session under a new key", false, true, untouched, false},
		{"write to a browser session made with an old key", false, true, write, true},
	}
	for _, codec := range []string{"signed", "sealed"} {
		for _, tc := range cases {
			for _, revoke := range []bool{false, true} {
				name := codec + "/" + tc.name
				if !revoke {
					name += "/control without revocation"
				}
				t.Run(name, func(t *testing.T) {
					a := newRevocationApp(t, codec == "sealed", tc.stale)
					base := a.clock.Now()
					a.clock.Set(base.Add(time.Second))
					cookie := a.logIn(t, tc.permanent)

					opened, proceed := make(chan struct{}), make(chan struct{})
					h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if tc.act != untouched {
							session.From(r).Get("user")
						}
						close(opened)
						select {
						case <-proceed:
						case <-time.After(10 * time.Second):
							t.Error("request A was never let go")
						}
						if tc.act == write {
							_ = session.From(r).Set("n", 1)
						}
					}))
					done := make(chan *httptest.ResponseRecorder, 1)
					a.clock.Set(base.Add(2 * time.Second))
					go func() { done <- serve(h, "/a", cookie) }()
					select {
					case <-opened:
					case <-time.After(10 * time.Second):
						t.Fatal("request A did not start")
					}
					if revoke {
						a.clock.Set(base.Add(3 * time.Second))
						a.rev.revoke("alice", a.clock.Now()) // request B: log out everywhere
					}
					a.clock.Set(base.Add(4 * time.Second))
					close(proceed)
					var res *httptest.ResponseRecorder
					select {
					case res = <-done:
					case <-time.After(10 * time.Second):
						t.Fatal("request A did not finish")
					}
					a.clock.Set(base.Add(5 * time.Second))
					reissued, ok := sessionCookie(res)
					if !revoke {
						if tc.reissued || (tc.stale && codec == "sealed") {
							if !ok || reissued == "" {
								t.Fatalf("control: A re-issued no cookie (status %d, headers %v)", res.Code, res.Header())
							}
						} else if ok {
							t.Fatalf("control: A re-issued the cookie: %v", res.Header())
						} else {
							reissued = cookie
						}
						if got := a.whoAmI(reissued); got != "alice" {
							t.Fatalf("control: A's cookie is not alice's session: %q", got)
						}
						return
					}
					if ok && reissued != "" {
						if got := a.whoAmI(reissued); got != "-" {
							t.Errorf("the cookie A sent after the revocation is accepted: %q", got)
						}
						t.Errorf("A re-issued a revoked session (status %d)", res.Code)
					}
					if got := a.whoAmI(cookie); got != "-" {
						t.Errorf("the cookie from before the revocation is accepted: %q", got)
					}
					if tc.act == write && res.Code != http.StatusInternalServerError {
						t.Errorf("A's write after the revocation was dropped silently: status %d", res.Code)
					}
					if tc.act == touch && tc.reissued && (!ok || reissued != "") {
						t.Errorf("A's refresh of a revoked session did not clear the cookie: %v", res.Header())
					}
				})
			}
		}
	}
}

// A cookie without EstablishedKey (made before the key existed, or by a
// Flask app that set the subject itself) counts as established when it was
// issued, and a refresh does not move that time.
func TestRevocationLegacyCookieRefreshed(t *testing.T) {
	for _, revoke := range []bool{false, true} {
		a := newRevocationApp(t, false, false)
		base := a.clock.Now()
		a.clock.Set(base.Add(time.Second))
		legacy := newManager(t, session.Config{SecretKey: []byte("new-key"), Now: a.clock.Now})
		h := legacy.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("_subject", "alice")
			_ = s.Set("user", "alice")
			_ = s.SetPermanent(true)
		}))
		cookie, _ := sessionCookie(serve(h, "/login", ""))
		a.clock.Set(base.Add(2 * time.Second))
		opened, proceed := make(chan struct{}), make(chan struct{})
		mainH := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			session.From(r).Get("user")
			close(opened)
			select {
			case <-proceed:
			case <-time.After(10 * time.Second):
				t.Error("request A was never let go")
			}
		}))
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() { done <- serve(mainH, "/a", cookie) }()
		select {
		case <-opened:
		case <-time.After(10 * time.Second):
			t.Fatal("request A did not start")
		}
		if revoke {
			a.clock.Set(base.Add(3 * time.Second))
			a.rev.revoke("alice", a.clock.Now())
		}
		a.clock.Set(base.Add(4 * time.Second))
		close(proceed)
		var res *httptest.ResponseRecorder
		select {
		case res = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("request A did not finish")
		}
		a.clock.Set(base.Add(5 * time.Second))
		reissued, ok := sessionCookie(res)
		want := "-"
		if !revoke {
			want = "alice"
			if !ok || reissued == "" {
				t.Fatalf("control: no refresh (headers %v)", res.Header())
			}
		}
		if ok && reissued != "" {
			if got := a.whoAmI(reissued); got != want {
				t.Errorf("revoked %v: A's refreshed legacy cookie reads %q, want %q", revoke, got, want)
			}
		}
	}
}

// A login after a revocation is accepted even with the same clock reading
// in whole seconds, and a second SetSubject after revoking through
// Manager.Revoke in the same request keeps the current session ("log out
// other devices"; a revocation from elsewhere is covered by
// TestRenewDoesNotReviveRevokedCookie).
func TestRevocationLoginAfterRevoke(t *testing.T) {
	for _, codec := range []string{"signed", "sealed"} {
		a := newRevocationApp(t, codec == "sealed", false)
		base := a.clock.Now()
		a.clock.Set(base.Add(100 * time.Millisecond))
		early := a.logIn(t, true)
		a.clock.Set(base.Add(200 * time.Millisecond))
		a.rev.revoke("alice", a.clock.Now())
		a.clock.Set(base.Add(300 * time.Millisecond))
		late := a.logIn(t, true)
		a.clock.Set(base.Add(400 * time.Millisecond))
		if got := a.whoAmI(late); got != "alice" {
			t.Errorf("%s: login after the revocation in the same second refused: %q", codec, got)
		}
		if got := a.whoAmI(early); got != "-" {
			t.Errorf("%s: login before the revocation in the same second accepted: %q", codec, got)
		}

		// Log out other devices: revoke, then re-establish this session.
		var other string
		h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			user := session.GetOr(s, "user", "")
			if err := a.main.Revoke(r.Context(), user, nil); err != nil {
				t.Error(err)
			}
			_ = s.SetSubject(user) // this request revoked: a login again
			_ = s.Set("flash", "others logged out")
		}))
		other = late
		a.clock.Set(base.Add(2 * time.Second))
		res := serve(h, "/others", late)
		mine, ok := sessionCookie(res)
		if res.Code != http.StatusOK || !ok || mine == "" {
			t.Fatalf("%s: log out other devices: status %d, cookie %v", codec, res.Code, ok)
		}
		a.clock.Set(base.Add(3 * time.Second))
		if got := a.whoAmI(mine); got != "alice" {
			t.Errorf("%s: the device that logged out the others is logged out: %q", codec, got)
		}
		if got := a.whoAmI(other); got != "-" {
			t.Errorf("%s: the other device is still logged in: %q", codec, got)
		}
	}
}

// A revocation lookup that fails answers the request with 500 and no
// Set-Cookie on every path that consults it: opening a touched session,
// refreshing an untouched one, and saving (a login, or a session opened
// before the store went down).
func TestRevocationLookupFailsClosed(t *testing.T) {
	errDown := errors.New("revocation store down")
	for _, codec := range []string{"signed", "sealed"} {
		for _, tc := range []struct {
			name       string
			permanent  bool
			failBefore bool // fail from the start; otherwise after the session is opened
			handler    func(s *session.Session, cfg *session.Config)
		}{
			{"open", false, true, func(s *session.Session, _ *session.Config) { s.Get("user") }},
			{"refresh of an untouched session", true, true, nil},
			{"save of a write", false, false, func(s *session.Session, _ *session.Config) { _ = s.Set("n", 1) }},
			{"save of a refresh", true, false, func(s *session.Session, _ *session.Config) {}},
			{"save of a login", false, true, func(s *session.Session, cfg *session.Config) {
				_ = s.Clear()
				_ = s.SetSubject("bob")
			}},
		} {
			t.Run(codec+"/"+tc.name, func(t *testing.T) {
				a := newRevocationApp(t, codec == "sealed", false)
				cookie := a.logIn(t, tc.permanent)
				if tc.name == "save of a login" {
					cookie = ""
				}
				if tc.failBefore {
					a.rev.fail(errDown)
				}
				var handlerErr error
				h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if tc.handler == nil {
						return
					}
					s, err := session.Load(r)
					handlerErr = err
					a.rev.fail(errDown)
					tc.handler(s, a.main.Config())
				}))
				before := a.rev.lookups()
				res := serve(h, "/", cookie)
				// A revocation store outage: 503 with Retry-After (issue 11).
				if res.Code != http.StatusServiceUnavailable || res.Result().Header.Get("Retry-After") == "" {
					t.Errorf("status %d, Retry-After %q; want 503 and one (open error %v)", res.Code, res.Result().Header.Get("Retry-After"), handlerErr)
				}
				if sc := res.Result().Header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("Set-Cookie %q on a failed revocation lookup", sc)
				}
				if a.rev.lookups() == before {
					t.Error("the revocation list was never consulted")
				}
			})
		}
	}
}

// A session whose subject the application set itself, without SetSubject,
// is established when it is first saved, to the nanosecond.
func TestRevocationSubjectSetDirectly(t *testing.T) {
	a := newRevocationApp(t, false, false)
	base := a.clock.Now()
	a.clock.Set(base.Add(200 * time.Millisecond))
	a.rev.revoke("alice", a.clock.Now())
	a.clock.Set(base.Add(300 * time.Millisecond))
	h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set("_subject", "alice")
		_ = s.Set("user", "alice")
	}))
	cookie, ok := sessionCookie(serve(h, "/login", ""))
	if !ok || cookie == "" {
		t.Fatal("no cookie")
	}
	a.clock.Set(base.Add(400 * time.Millisecond))
	if got := a.whoAmI(cookie); got != "alice" {
		t.Errorf("a login after the revocation in the same second, subject set directly, is refused: %q", got)
	}
}

// EstablishedKey values a cookie may carry: a valid one is used; one that
// is not an integer counts as established at the beginning of time; one
// more than a second after the cookie was signed counts as the signing time.
func TestRevocationEstablishedValues(t *testing.T) {
	const secret = "established-values"
	issued := time.Unix(1800000000, 0)
	for _, tc := range []struct {
		name        string
		established string // JSON
		notBefore   time.Time
		want        string
	}{
		{"valid, before the revocation", "1800000000500000000", issued.Add(600 * time.Millisecond), "-"},
		{"valid, after the revocation", "1800000000500000000", issued.Add(400 * time.Millisecond), "alice"},
		{"exactly at the revocation", "1800000000500000000", issued.Add(500 * time.Millisecond), "alice"},
		{"not an integer", `"1800000000500000000"`, issued.Add(-time.Hour), "-"},
		{"a float", "1.8e18", issued.Add(-time.Hour), "-"},
		{"not a number", "null", issued.Add(-time.Hour), "-"},
		{"over int64", "18000000005000000000000", issued.Add(-time.Hour), "-"},
		{"in the future, capped at the signing time", "1800000100000000000", issued.Add(time.Millisecond), "-"},
		{"1.5 s after signing, capped at the signing time", "1800000001500000000", issued.Add(1200 * time.Millisecond), "-"},
		{"absent: the issue time, revoked before", "", issued.Add(-time.Hour), "alice"},
		{"absent: the issue time, revoked after", "", issued.Add(time.Millisecond), "-"},
		{"one second after signing, kept", "1800000001000000000", issued.Add(999 * time.Millisecond), "alice"},
		{"no revocation", `"garbage"`, time.Time{}, "alice"},
	} {
		rev := &testRevocations{}
		if !tc.notBefore.IsZero() {
			rev.revoke("alice", tc.notBefore)
		}
		m := newManager(t, session.Config{SecretKey: []byte(secret), Revocations: rev, Now: fixedClock(issued.Add(2 * time.Second))})
		payload := `{"_established_ns":` + tc.established + `,"_subject":"alice","user":"alice"}`
		if tc.established == "" {
			payload = `{"_subject":"alice","user":"alice"}`
		}
		cookie := flaskSign(secret, b64(payload), issued.Unix())
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
		}))
		if got := serve(h, "/", cookie).Body.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
