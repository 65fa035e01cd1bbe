package boltstore_test

// Server-side sessions (package serverside, through the real middleware)
// over boltstore. These lived in serverside's own tests until boltstore
// became a module of its own: the root module requires nothing outside the
// standard library, so its tests cannot import bbolt.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/storetest"
)

// The model-based concurrency test (storetest.RunModel) on boltstore.
func TestModelBoltstore(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T) store.Store {
		// No fsync: the model checks what the sessions hold, not
		// durability across a crash (the other tests here use the
		// default options), and a synced commit per store operation made
		// this the slowest test.
		db, err := bolt.Open(filepath.Join(t.TempDir(), "model.db"), 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true})
		if err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.New(db, boltstore.Options{})
		if err != nil {
			db.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			db.Close()
		})
		return s
	})
}

// serveWith runs h for one GET of path carrying the session cookie id (none
// when id is "").
func serveWith(h http.Handler, path, id string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if id != "" {
		r.AddCookie(&http.Cookie{Name: "session", Value: id})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// 48 writers of different keys overlapping on one session: no request fails
// and no key is lost (serverside's compare-and-swap retries over boltstore's
// versions). serverside runs the same test over memstore with a network's
// latency added.
func TestManyOverlappingWritersNoFailureNoLoss(t *testing.T) {
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "s.db"), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	// The guarantee is "no failure before the deadline": give the retries a
	// deadline a loaded CI machine cannot spend (the default 5 s can be,
	// with 48 fsyncing writers under -race).
	iface, err := serverside.New(serverside.Options{Store: st, RetryTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 100)
	m, err := session.New(session.Config{
		Interface: iface,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			select {
			case errs <- err:
			default:
			}
			http.Error(w, "session error", http.StatusInternalServerError)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	get := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := session.From(r).Get(r.URL.Query().Get("k"))
		fmt.Fprint(w, v)
	}))

	w := serveWith(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("start", "1")
	})), "/", "")
	cookies := w.Result().Cookies()
	if w.Code != 200 || len(cookies) != 1 || cookies[0].Value == "" {
		t.Fatalf("setup: status %d, cookies %v", w.Code, cookies)
	}
	id := cookies[0].Value

	const n = 48
	var loaded sync.WaitGroup
	loaded.Add(n)
	all := make(chan struct{})
	go func() { loaded.Wait(); close(all) }()
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Get("start")
		loaded.Done()
		select { // all saves overlap their loads
		case <-all:
		case <-time.After(testwait.Timeout):
			t.Errorf("timed out waiting for every writer to load")
		}
		_ = s.Set(r.URL.Query().Get("k"), "v")
	}))
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := range n {
		wg.Go(func() {
			if w := serveWith(h, fmt.Sprintf("/?k=w%d", g), id); w.Code != 200 {
				failed.Add(1)
			}
		})
	}
	testwait.Wait(t, &wg, 3*time.Minute, "48 overlapping writers")
	lost := 0
	for g := range n {
		if got := serveWith(get, fmt.Sprintf("/?k=w%d", g), id).Body.String(); got != "v" {
			lost++
		}
	}
	if failed.Load() != 0 || lost != 0 {
		select {
		case err := <-errs:
			t.Errorf("first error: %v", err)
		default:
		}
		t.Errorf("%d writers: %d failed requests, %d lost keys", n, failed.Load(), lost)
	}
}

// BenchmarkMiddleware compares a read+write request of a 3-key session in
// the signed cookie, in memstore and in boltstore (its fsync per commit
// dominates).
func BenchmarkMiddleware(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_, _ = session.Get[string](s, "name")
		_ = s.Set("role", "user")
		w.WriteHeader(200)
	})
	seed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Update(map[string]any{"user_id": 42, "name": "alice", "role": "admin"})
	})
	mem := memstore.New(memstore.Options{})
	defer mem.Close()
	memIface, err := serverside.New(serverside.Options{Store: mem})
	if err != nil {
		b.Fatal(err)
	}
	bs, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bs.Close()
	boltIface, err := serverside.New(serverside.Options{Store: bs})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  session.Config
	}{
		{"cookie", session.Config{SecretKey: []byte("bench key")}},
		{"memstore", session.Config{Interface: memIface}},
		{"boltstore", session.Config{Interface: boltIface}},
	} {
		m, err := session.New(tc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		m.Handler(seed).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		cookie := rec.Result().Cookies()[0]
		h := m.Handler(handler)
		b.Run("readwrite/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("GET", "/", nil)
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
