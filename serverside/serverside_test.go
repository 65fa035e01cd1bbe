package serverside_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	m     *session.Manager
	iface *serverside.Backend
	store *memstore.Store
	clock *clock
	errs  chan error
}

// testMeta is the tests' Options.Meta: ?meta=K records K=x, a login the
// user agent as "ua", anything else nothing.
func testMeta(r *http.Request) map[string]string {
	if k := r.URL.Query().Get("meta"); k != "" {
		return map[string]string{k: "x"}
	}
	if r.URL.Path == "/login" {
		return map[string]string{"ua": r.UserAgent()}
	}
	return nil
}

// newEnv makes a Manager over a memstore with a test clock. Errors the
// error handler sees are sent to env.errs.
func newEnv(t *testing.T, opts serverside.Options) *env {
	t.Helper()
	clk := &clock{t: time.Now().Truncate(time.Second)}
	st := memstore.New(memstore.Options{Now: clk.Now})
	t.Cleanup(func() { st.Close() })
	if opts.Store == nil {
		opts.Store = st
	}
	if opts.Meta == nil {
		opts.Meta = testMeta
	}
	iface, err := serverside.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{iface: iface, store: st, clock: clk, errs: make(chan error, 100)}
	e.m, err = session.New(session.Config{
		Interface: iface,
		Now:       clk.Now,
		Logger:    slogDiscard(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			e.errs <- err
			http.Error(w, "session error", http.StatusInternalServerError)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) client(routes map[string]http.HandlerFunc) *sessiontest.Client {
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	return sessiontest.NewClient(e.m.Handler(mux))
}

var routes = map[string]http.HandlerFunc{
	"/set": func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for k, v := range r.URL.Query() {
			_ = s.Set(k, v[0])
		}
	},
	"/get": func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Get(r.URL.Query().Get("k")))
	},
	"/nothing": func(w http.ResponseWriter, r *http.Request) {},
	"/login": func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Renew()
		_ = s.Set("user", r.URL.Query().Get("user"))
		_ = s.SetSubject(r.URL.Query().Get("user")) // Options.Meta records the user agent
	},
	"/logout": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Destroy() },
}

func sessionCookie(c *sessiontest.Client) string {
	if ck := c.Cookie("session"); ck != nil {
		return ck.Value
	}
	return ""
}

func TestCookieCarriesOpaqueIDAndStoreSeesOnlyItsHash(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	c := e.client(routes)
	c.Get("/set?secret=value")
	id := sessionCookie(c)
	if len(id) != 43 || strings.ContainsAny(id, "+/=.") {
		t.Fatalf("cookie %q is not a 256-bit base64url ID", id)
	}
	if got := c.Get("/get?k=secret").Body; got != "value" {
		t.Fatalf("read back %q", got)
	}
	if _, ok, _ := e.store.Load(context.Background(), id); ok {
		t.Fatal("the raw ID is a store key")
	}
	if e.store.Len() != 1 {
		t.Fatalf("store holds %d records, want 1", e.store.Len())
	}
}

func TestIDsAreUniqueAndRandomnessFailureIsAnError(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	seen := map[string]bool{}
	for range 200 {
		c := e.client(routes)
		c.Get("/set?a=1")
		id := sessionCookie(c)
		if seen[id] {
			t.Fatalf("duplicate ID %q", id)
		}
		seen[id] = true
	}
	broken := newEnv(t, serverside.Options{Rand: failingReader{}})
	c := broken.client(routes)
	res := c.Get("/set?a=1")
	if res.StatusCode != 500 || len(res.Header.Values("Set-Cookie")) != 0 || broken.store.Len() != 0 {
		t.Fatalf("failing randomness: status %d, cookies %v, records %d", res.StatusCode, res.Header.Values("Set-Cookie"), broken.store.Len())
	}
	if err := broken.nextError(t); !strings.Contains(err.Error(), "random") {
		t.Errorf("error %v does not name the cause", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("entropy source failed") }

// R2: an ID the server never issued gets a fresh ID; nothing is stored under it.
func TestStrictModeRejectsUnissuedIDs(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	lookups := &countingStore{Store: e.store}
	iface, _ := serverside.New(serverside.Options{Store: lookups})
	m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard()})
	h := m.Handler(http.HandlerFunc(routes["/set"]))
	attacker := strings.Repeat("A", 43)
	for _, bad := range []string{attacker, "short", "../../etc/passwd", "a/b", "x\x00y", strings.Repeat("B", 5000), ""} {
		lookups.loads.Store(0)
		r := httptest.NewRequest("GET", "/set?k=v", nil)
		r.Header.Set("Cookie", "session="+bad)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		cookie := rec.Result().Cookies()
		if len(cookie) != 1 || cookie[0].Value == bad || len(cookie[0].Value) != 43 {
			t.Errorf("cookie %.20q: got %v, want a fresh ID", bad, cookie)
		}
		wantLoads := int32(0)
		if bad == attacker { // well-formed: looked up by its hash, found nothing
			wantLoads = 1
		}
		if got := lookups.loads.Load(); got != wantLoads {
			t.Errorf("cookie %.20q: %d store lookups, want %d", bad, got, wantLoads)
		}
	}
	if _, ok, _ := e.store.Load(context.Background(), attacker); ok {
		t.Error("something was stored under the attacker's ID")
	}
}

type countingStore struct {
	store.Store
	loads atomic.Int32
}

func (c *countingStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	c.loads.Add(1)
	return c.Store.Load(ctx, key)
}

// R10: anonymous traffic stores nothing.
func TestAnonymousTrafficStoresNothing(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Get("user")
		s.Has("x")
		s.Flashes()
	}))
	for range 10000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if len(rec.Result().Header.Values("Set-Cookie")) != 0 {
			t.Fatal("an anonymous read set a cookie")
		}
	}
	if n := e.store.Len(); n != 0 {
		t.Fatalf("10k anonymous requests stored %d records", n)
	}
}

// R3: regenerate keeps data, issues a new ID, deletes the old record.
func TestRegenerate(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	c := e.client(routes)
	c.Get("/set?cart=3")
	before := sessionCookie(c)
	c.Get("/login?user=alice")
	after := sessionCookie(c)
	if after == before || after == "" {
		t.Fatalf("login kept the ID %q", before)
	}
	if got := c.Get("/get?k=cart").Body; got != "3" {
		t.Errorf("data lost across regenerate: cart=%q", got)
	}
	old := e.client(routes)
	old.Jar.SetCookies(old.BaseURL, []*http.Cookie{{Name: "session", Value: before}})
	if got := old.Get("/get?k=cart").Body; got != "<nil>" {
		t.Errorf("the old ID still works after regenerate: %q", got)
	}
	if e.store.Len() != 1 {
		t.Errorf("%d records, want 1", e.store.Len())
	}
}

// R4 and R31: logout destroys the record and clears the cookie; replaying the
// old cookie is anonymous; a slow request finishing after logout does not
// bring the session back.
func TestDestroyAndNoResurrection(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	inSlow, release := make(chan struct{}), make(chan struct{})
	r := map[string]http.HandlerFunc{
		"/slow": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			s.Get("user")
			close(inSlow)
			await(t, release, "the release of the slow request")
			_ = s.Set("late", "write")
		},
	}
	for k, v := range routes {
		r[k] = v
	}
	c := e.client(r)
	c.Get("/login?user=alice")
	id := sessionCookie(c)

	slowDone := make(chan *sessiontest.Response, 1)
	replay := e.client(r)
	replay.Jar.SetCookies(replay.BaseURL, []*http.Cookie{{Name: "session", Value: id}})
	go func() { slowDone <- replay.Get("/slow") }()
	recv(t, inSlow, "the slow request to read the session")
	res := c.Get("/logout")
	ck := res.Cookies()
	if len(ck) != 1 || ck[0].Value != "" || ck[0].MaxAge >= 0 {
		t.Fatalf("logout cookie: %v", res.Header.Values("Set-Cookie"))
	}
	close(release)
	slow := recv(t, slowDone, "the slow request's response")
	if slow.StatusCode != 500 || len(slow.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("late write after logout: status %d, Set-Cookie %v", slow.StatusCode, slow.Header.Values("Set-Cookie"))
	}
	if err := e.nextError(t); !errors.Is(err, serverside.ErrSessionGone) {
		t.Errorf("late write error: %v, want ErrSessionGone", err)
	}
	if e.store.Len() != 0 {
		t.Fatalf("the destroyed session came back: %d records", e.store.Len())
	}
	if got := replay.Get("/get?k=user").Body; got != "<nil>" {
		t.Errorf("replayed cookie after logout sees %q", got)
	}
}

// The LostUpdate workload: N goroutines × M requests on one session, each
// writing its own key, with overlapping load/save. Nothing may be lost.
func TestLostUpdate(t *testing.T) {
	e := newEnv(t, serverside.Options{MaxRetries: 1000})
	c := e.client(routes)
	c.Get("/set?start=1")
	id := sessionCookie(c)
	const n, m = 8, 25
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Get("start")
		time.Sleep(time.Millisecond) // keep requests overlapping between load and save
		_ = s.Set(r.URL.Query().Get("k"), true)
	}))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range m {
				r := httptest.NewRequest("GET", fmt.Sprintf("/?k=g%d-%d", g, i), nil)
				r.Header.Set("Cookie", "session="+id)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	testwait.Wait(t, &wg, 3*time.Minute, "the overlapping requests")
	lost := 0
	final := e.client(routes)
	final.Jar.SetCookies(final.BaseURL, []*http.Cookie{{Name: "session", Value: id}})
	for g := range n {
		for i := range m {
			if final.Get(fmt.Sprintf("/get?k=g%d-%d", g, i)).Body != "true" {
				lost++
			}
		}
	}
	t.Logf("%d goroutines × %d requests: %d lost writes, %d failed requests", n, m, lost, failed.Load())
	if lost != 0 || failed.Load() != 0 {
		t.Fatalf("lost %d writes, %d requests failed", lost, failed.Load())
	}
}

// Same key: the last commit wins; Clear replaces everything.
func TestSameKeyLastCommitWinsAndClear(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	c := e.client(routes)
	c.Get("/set?k=1&other=x")
	c.Get("/set?k=2")
	if got := c.Get("/get?k=k").Body; got != "2" {
		t.Errorf("k = %q", got)
	}
	clearSet := e.client(map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Clear()
		_ = s.Set("fresh", "yes")
	}})
	clearSet.Jar = c.Jar
	clearSet.Get("/")
	if c.Get("/get?k=other").Body != "<nil>" || c.Get("/get?k=fresh").Body != "yes" {
		t.Error("Clear then Set did not replace the values")
	}
}

// R7, R8, R9: idle and absolute timeouts, enforced on read with a fake clock.
func TestTimeouts(t *testing.T) {
	e := newEnv(t, serverside.Options{IdleTimeout: 10 * time.Minute, AbsoluteTimeout: time.Hour})
	c := e.client(routes)
	c.Get("/set?a=1")
	e.clock.Add(10*time.Minute + time.Second)
	if got := c.Get("/get?k=a").Body; got != "<nil>" {
		t.Errorf("idle+1s: session still alive (%q)", got)
	}

	c = e.client(routes)
	c.Get("/set?a=1")
	for range 11 { // active every 5 minutes for 55 minutes: idle never triggers
		e.clock.Add(5 * time.Minute)
		if got := c.Get("/get?k=a").Body; got != "1" {
			t.Fatalf("active session ended early (%q)", got)
		}
	}
	e.clock.Add(5 * time.Minute) // 60 minutes after creation, though active
	if got := c.Get("/get?k=a").Body; got != "<nil>" {
		t.Errorf("absolute timeout not enforced: %q", got)
	}
}

// Touch is throttled and never rewrites data.
type spyStore struct {
	*memstore.Store
	saves, touches atomic.Int32
}

func (s *spyStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	s.saves.Add(1)
	return s.Store.Save(ctx, key, rec)
}

func (s *spyStore) Touch(ctx context.Context, key string, seen, exp time.Time) error {
	s.touches.Add(1)
	return s.Store.Touch(ctx, key, seen, exp)
}

func TestReadOnlyRequestsTouchThrottledWithoutRewriting(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	spy := &spyStore{Store: e.store}
	iface, _ := serverside.New(serverside.Options{Store: spy, IdleTimeout: time.Hour, TouchInterval: time.Minute})
	e.m, _ = session.New(session.Config{Interface: iface, Now: e.clock.Now, Logger: slogDiscard()})
	c := e.client(routes)
	c.Get("/set?a=1")
	spy.saves.Store(0)
	for range 10 {
		c.Get("/get?k=a")
	}
	if spy.saves.Load() != 0 || spy.touches.Load() != 0 {
		t.Errorf("read-only requests within the interval: %d saves, %d touches", spy.saves.Load(), spy.touches.Load())
	}
	e.clock.Add(2 * time.Minute)
	c.Get("/get?k=a")
	c.Get("/nothing")
	if spy.saves.Load() != 0 || spy.touches.Load() != 1 {
		t.Errorf("after the interval: %d saves, %d touches; want 0 and 1", spy.saves.Load(), spy.touches.Load())
	}
	// A changed request writes once: one Save, one transaction in a store like bolt.
	c.Get("/set?b=2")
	if spy.saves.Load() != 1 {
		t.Errorf("a changed request made %d saves, want 1", spy.saves.Load())
	}
}

// R34: a store outage fails closed: 500, no Set-Cookie, error visible.
type brokenStore struct{ store.Store }

var errDown = errors.New("store unreachable")

func (brokenStore) Load(context.Context, string) (store.Record, bool, error) {
	return store.Record{}, false, errDown
}
func (brokenStore) Save(context.Context, string, store.Record) (uint64, error) { return 0, errDown }

func TestStoreOutageFailsClosed(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	c := e.client(routes)
	c.Get("/set?a=1")
	iface, _ := serverside.New(serverside.Options{Store: brokenStore{e.store}})
	var got error
	m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(), ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(503)
	}})
	mux := http.NewServeMux()
	mux.HandleFunc("/get", routes["/get"])
	mux.HandleFunc("/set", routes["/set"])
	c.Handler = m.Handler(mux)
	for _, path := range []string{"/get?k=a", "/set?b=2"} {
		got = nil
		res := c.Get(path)
		if res.StatusCode != 503 || len(res.Header.Values("Set-Cookie")) != 0 || !errors.Is(got, errDown) {
			t.Errorf("%s: status %d, Set-Cookie %v, error %v", path, res.StatusCode, res.Header.Values("Set-Cookie"), got)
		}
	}
	// Anonymous new sessions that are never written need no store.
	res := sessiontest.NewClient(m.Handler(http.HandlerFunc(routes["/nothing"]))).Get("/")
	if res.StatusCode != 200 {
		t.Errorf("untouched anonymous request during outage: %d", res.StatusCode)
	}
}

// R35: the request's deadline reaches the store.
type slowStore struct{ store.Store }

func (slowStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	select {
	case <-ctx.Done():
		return store.Record{}, false, ctx.Err()
	case <-time.After(10 * time.Second):
		return store.Record{}, false, errors.New("not canceled")
	}
}

func TestRequestDeadlineReachesStore(t *testing.T) {
	iface, _ := serverside.New(serverside.Options{Store: slowStore{memstore.New(memstore.Options{})}})
	var got error
	m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(), ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(504)
	}})
	h := m.Handler(http.HandlerFunc(routes["/get"]))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "/get?k=a", nil)
	r.Header.Set("Cookie", "session="+strings.Repeat("A", 43))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 504 || !errors.Is(got, context.DeadlineExceeded) {
		t.Errorf("status %d, err %v", rec.Code, got)
	}
}

// Subjects: list a user's sessions with metadata, log out other devices, log out everywhere.
func TestSubjectsListAndRevoke(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	var devices []*sessiontest.Client
	for i := range 3 {
		c := e.client(routes)
		req := c.NewRequest("GET", "/login?user=alice", nil)
		req.Header.Set("User-Agent", fmt.Sprintf("device-%d", i))
		c.Do(req)
		devices = append(devices, c)
	}
	bob := e.client(routes)
	bob.Get("/login?user=bob")
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil || len(infos) != 3 {
		t.Fatalf("Sessions(alice) = %d, %v", len(infos), err)
	}
	for _, in := range infos {
		if !strings.HasPrefix(in.Meta["ua"], "device-") || in.Created.IsZero() {
			t.Errorf("info %+v", in)
		}
	}
	// "Log out other devices" from device 0.
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := e.m.Revoke(r.Context(), s.Subject(), s); err != nil {
			t.Errorf("Revoke = %v", err)
		}
	}))
	devices[0].Handler = h
	devices[0].Get("/")
	for i, c := range devices {
		c.Handler = e.m.Handler(http.HandlerFunc(routes["/get"]))
		want := "<nil>"
		if i == 0 {
			want = "alice"
		}
		if got := c.Get("/get?k=user").Body; got != want {
			t.Errorf("device %d after log-out-others: user=%q, want %q", i, got, want)
		}
	}
	// Log out everywhere.
	if infos, err := e.m.Sessions(context.Background(), "alice"); err != nil || len(infos) != 1 {
		t.Errorf("sessions after log-out-others: %d, %v; want 1", len(infos), err)
	}
	if err := e.m.Revoke(context.Background(), "alice", nil); err != nil {
		t.Errorf("log out everywhere: %v", err)
	}
	if infos, err := e.m.Sessions(context.Background(), "alice"); err != nil || len(infos) != 0 {
		t.Errorf("sessions after log out everywhere: %d, %v; want 0", len(infos), err)
	}
	if got := devices[0].Get("/get?k=user").Body; got != "<nil>" {
		t.Errorf("device 0 after log out everywhere: %q", got)
	}
	bob.Handler = e.m.Handler(http.HandlerFunc(routes["/get"]))
	if got := bob.Get("/get?k=user").Body; got != "bob" {
		t.Errorf("bob was logged out too: %q", got)
	}
}

// R36: raw tokens never reach the logs.
func TestRawIDNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	iface, _ := serverside.New(serverside.Options{Store: brokenStore{memstore.New(memstore.Options{})}})
	m, _ := session.New(session.Config{Interface: iface, Logger: slogTo(&logs)})
	id := strings.Repeat("Z", 43)
	r := httptest.NewRequest("GET", "/?token="+id, nil)
	r.Header.Set("Cookie", "session="+id)
	m.Handler(http.HandlerFunc(routes["/get"])).ServeHTTP(httptest.NewRecorder(), r)
	if logs.Len() == 0 || strings.Contains(logs.String(), id) {
		t.Errorf("logs (%d bytes) contain the raw ID or nothing at all:\n%s", logs.Len(), logs.String())
	}
}

// R36: an ID is never taken from the URL.
func TestIDNeverReadFromURL(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	c := e.client(routes)
	c.Get("/set?user=alice")
	id := sessionCookie(c)
	h := e.m.Handler(http.HandlerFunc(routes["/get"]))
	for _, u := range []string{"/get?k=user&session=" + id, "/get;session=" + id + "?k=user"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
		if rec.Body.String() != "<nil>" {
			t.Errorf("%s: the session was found from the URL: %q", u, rec.Body.String())
		}
	}
}

// Issue 12 item 5: serverside reads the clock, serializer and lifetime of
// the Config session.New normalised; given one that did not go through New
// it fails rather than re-deriving defaults.
func TestConfigNormalisedByNew(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	cfg := e.m.Config()
	if cfg.Now == nil || cfg.Serializer == nil || cfg.PermanentLifetime != 31*24*time.Hour || cfg.CookieName != "session" {
		t.Errorf("New did not normalise the Config: Now %v, Serializer %v, PermanentLifetime %v, CookieName %q",
			cfg.Now != nil, cfg.Serializer != nil, cfg.PermanentLifetime, cfg.CookieName)
	}
	if _, err := e.iface.Open(&session.Config{}, httptest.NewRequest("GET", "/", nil)); err == nil {
		t.Error("Open with a Config that did not go through session.New: no error")
	}
}
