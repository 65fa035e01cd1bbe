package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/sessions"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/deflate"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/signing"
	"github.com/sessionkit/session/store/memstore"
)

// cookieName is the cookie every implementation keeps its session (scs: its
// token) in.
const cookieName = "session"

var (
	// hashKey signs; blockKey encrypts (gorilla-aes only). Fixed, so that
	// runs are repeatable; 32 bytes each as gorilla/securecookie recommends.
	hashKey  = []byte("0123456789abcdef0123456789abcdef")
	blockKey = []byte("fedcba9876543210fedcba9876543210")
)

// kv is one session entry. Values are strings and ints only, which every
// implementation stores without registration (gob) or tags (tagged JSON).
type kv struct {
	key   string
	value any
}

// smallSession is the 3-key session of every case but readwrite-2KB:
// Flask's compact JSON of it is {"name":"alice","role":"admin","user_id":42}.
var smallSession = []kv{{"user_id", 42}, {"name", "alice"}, {"role", "admin"}}

// largeSession is the ~2 KB session of readwrite-2KB: the same three keys
// plus 8 strings of ~200 characters and 8 ints, 1,882 bytes as Flask's
// compact JSON. It is about as large as gorilla can hold: its cookie is gob,
// base64'd twice, and securecookie refuses values over 4096 bytes (browsers
// drop longer cookies anyway). This session makes a 3,984-byte gorilla-aes
// cookie value; the same keys with 215-character strings (2,002 bytes of JSON)
// already fail with "securecookie: the value is too long: 4204", and a 2 KB
// session of ~50 short entries with 4,656.
var largeSession = func() []kv {
	const text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
		"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
		"exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure " +
		"dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."
	s := append([]kv(nil), smallSession...)
	for i := range 8 {
		off := i * 16
		s = append(s,
			kv{fmt.Sprintf("note_%d", i), fmt.Sprintf("%d %s", i, text[off:off+200])},
			kv{fmt.Sprintf("count_%d", i), 1000 + i*7919},
		)
	}
	return s
}()

// The cases. Every handler answers 200 only when the session read back what
// it should ("name" is "alice"), so each benchmark iteration checks itself.
const (
	readName  = "name"
	wantName  = "alice"
	writeRole = "role"
	newRole   = "user" // constant: sessionkit, Flask, scs and gorilla all count any write as a change
)

// impl is one session implementation wired for the three cases.
type impl struct {
	name string
	// untouched never touches the session; readonly reads "name";
	// readwrite reads "name" and sets "role".
	untouched, readonly, readwrite http.Handler
	// seed stores the given entries in a new session and answers with its cookie.
	seed http.Handler
	// probe writes the value of the key given in the "k" query parameter to
	// the body (tests only).
	probe http.Handler
	// hasSession reports whether the impl keeps a session at all (false for baseline).
	hasSession bool
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })

// seedKey is the context key under which seedCookie hands the seed
// handlers the entries to store.
type seedKey struct{}

// newBaseline is the request without any session middleware. Its requests
// carry sessionkit's cookie for the same session (its seed is sessionkit's),
// so that every row pays for the same Cookie header — a client sends it
// whatever the server does with it — and net overhead counts only what the
// session library does.
func newBaseline(tb testing.TB) *impl {
	return &impl{
		name:      "baseline",
		untouched: okHandler, readonly: okHandler, readwrite: okHandler,
		seed: newSessionkit(tb).seed, probe: okHandler,
	}
}

// newSessionkit is session.New with a secret key and nothing else: the
// default Flask-compatible signed cookie through m.Handler.
func newSessionkit(tb testing.TB) *impl {
	return newSessionkitWith(tb, "sessionkit", session.Config{SecretKey: hashKey})
}

// newSessionkitDeflate is newSessionkit with the faster compressor of module
// deflate (klauspost/compress/flate) in place of the built-in level-6
// compress/flate writer; reading still uses compress/flate.
func newSessionkitDeflate(tb testing.TB) *impl {
	c, err := deflate.New(deflate.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return newSessionkitWith(tb, "sessionkit-deflate", session.Config{SecretKey: hashKey, Signing: signing.Options{Compressor: c}})
}

// newSessionkitMem is sessionkit's server-side interface over its memstore:
// the cookie holds a 256-bit ID, the data stays in memory (the row to read
// beside scs, whose default is also an in-memory store).
func newSessionkitMem(tb testing.TB) *impl {
	iface, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		tb.Fatal(err)
	}
	return newSessionkitWith(tb, "sessionkit-mem", session.Config{Interface: iface})
}

func newSessionkitWith(tb testing.TB, name string, cfg session.Config) *impl {
	m, err := session.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &impl{
		name:       name,
		hasSession: true,
		untouched:  m.Handler(okHandler),
		readonly: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name, _ := session.Get[string](session.From(r), readName); name != wantName {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		})),
		readwrite: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			if name, _ := session.Get[string](s, readName); name != wantName {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			if err := s.Set(writeRole, newRole); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		})),
		seed: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			for _, e := range r.Context().Value(seedKey{}).([]kv) {
				if err := s.Set(e.key, e.value); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			w.WriteHeader(http.StatusOK)
		})),
		probe: m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, session.From(r).Get(r.URL.Query().Get("k")))
		})),
	}
}

// newGorilla is a gorilla/sessions CookieStore used as its README shows:
// store.Get, read or write session.Values, session.Save. Gorilla has no
// middleware, so its untouched case is the baseline handler itself: a
// gorilla app pays nothing on a request that does not call store.Get. The
// row is still reported, as a check that the two measure the same.
//
// With a blockKey the cookie is also encrypted (AES-256-CTR), the
// gorilla-aes row.
func newGorilla(name string, keys ...[]byte) func(testing.TB) *impl {
	return func(tb testing.TB) *impl {
		store := sessions.NewCookieStore(keys...)
		get := func(w http.ResponseWriter, r *http.Request) *sessions.Session {
			sess, err := store.Get(r, cookieName)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return nil
			}
			return sess
		}
		return &impl{
			name:       name,
			hasSession: true,
			untouched:  okHandler, // no middleware: see above
			readonly: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sess := get(w, r)
				if sess == nil {
					return
				}
				if name, _ := sess.Values[readName].(string); name != wantName {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			}),
			readwrite: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sess := get(w, r)
				if sess == nil {
					return
				}
				if name, _ := sess.Values[readName].(string); name != wantName {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				sess.Values[writeRole] = newRole
				if err := sess.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			}),
			seed: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sess := get(w, r)
				if sess == nil {
					return
				}
				for _, e := range r.Context().Value(seedKey{}).([]kv) {
					sess.Values[e.key] = e.value
				}
				if err := sess.Save(r, w); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			}),
			probe: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if sess := get(w, r); sess != nil {
					fmt.Fprint(w, sess.Values[r.URL.Query().Get("k")])
				}
			}),
		}
	}
}

// newSCS is scs.New() — its default in-memory store, gob codec and cookie —
// with the LoadAndSave middleware, as scs's README shows.
func newSCS(tb testing.TB) *impl {
	sm := scs.New()
	return &impl{
		name:       "scs",
		hasSession: true,
		untouched:  sm.LoadAndSave(okHandler),
		readonly: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sm.GetString(r.Context(), readName) != wantName {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		})),
		readwrite: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if sm.GetString(r.Context(), readName) != wantName {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			sm.Put(r.Context(), writeRole, newRole)
			w.WriteHeader(http.StatusOK)
		})),
		seed: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, e := range r.Context().Value(seedKey{}).([]kv) {
				sm.Put(r.Context(), e.key, e.value)
			}
			w.WriteHeader(http.StatusOK)
		})),
		probe: sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, sm.Get(r.Context(), r.URL.Query().Get("k")))
		})),
	}
}

// impls lists the implementations in the order of the table.
var impls = []struct {
	name string
	make func(testing.TB) *impl
}{
	{"baseline", newBaseline},
	{"sessionkit", newSessionkit},
	{"sessionkit-deflate", newSessionkitDeflate},
	{"sessionkit-mem", newSessionkitMem},
	{"gorilla", newGorilla("gorilla", hashKey)},
	{"gorilla-aes", newGorilla("gorilla-aes", hashKey, blockKey)},
	{"scs", newSCS},
}

// serve sends one GET request carrying cookie (a Cookie header value, or "")
// through h, on the same path as the benchmarks.
func serve(h http.Handler, target, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// responseCookie returns the session cookie a response set, as a Cookie
// header value, or "" if it set none.
func responseCookie(w *httptest.ResponseRecorder) string {
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return cookieName + "=" + c.Value
		}
	}
	return ""
}

// seedCookie stores entries in a new session of im and returns the Cookie
// header value a client then holds.
func seedCookie(tb testing.TB, im *impl, entries []kv) string {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), seedKey{}, entries))
	w := httptest.NewRecorder()
	im.seed.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("%s: seeding the session: HTTP %d %s", im.name, w.Code, w.Body)
	}
	c := responseCookie(w)
	if c == "" {
		tb.Fatalf("%s: seeding the session set no cookie (headers %v)", im.name, w.Header())
	}
	return c
}
