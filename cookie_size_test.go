package session_test

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/sealed"
	"github.com/sessionkit/session/signing"
)

// noise returns n incompressible letters (the same for the same seed).
func noise(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, seed))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

// sizeCodecs are the cookie formats the size bound applies to: Flask's
// signed format (zlib-compressed, as Flask does when it helps, which it
// always does at these sizes) and the sealed format.
var sizeCodecs = []struct {
	name  string
	data  func(n int) string // a session value that makes a cookie of about n bytes
	iface func(t *testing.T) session.Interface
}{
	// zlib packs the letters of noise in 6 bits: base64 gives back about n.
	{"signed", func(n int) string { return noise(n, 1) }, func(*testing.T) session.Interface { return nil }},
	{"signed, compressible", func(n int) string { return noise(n, 1) + strings.Repeat("ab", 2*n) }, func(*testing.T) session.Interface { return nil }},
	{"sealed", func(n int) string { return noise(n*3/4, 2) }, func(t *testing.T) session.Interface {
		c, err := sealed.New([][]byte{newSealKey})
		if err != nil {
			t.Fatal(err)
		}
		return &session.SecureCookie{Codec: c}
	}},
}

var sizeClock = time.Unix(1800000000, 0)

// sizeApp serves /set (stores data), /get (answers whether the session
// holds data) under cfg with a fixed clock.
func sizeApp(t *testing.T, cfg session.Config, data string) http.Handler {
	t.Helper()
	cfg.Now = fixedClock(sizeClock)
	cfg.SecretKey = []byte("size-key")
	m := newManager(t, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("data", data) })
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		switch v, _ := session.From(r).Get("data").(string); v {
		case data:
			w.Write([]byte("same"))
		case "":
			w.Write([]byte("empty"))
		default:
			w.Write([]byte("different"))
		}
	})
	return m.Handler(mux)
}

// cookieNamed returns the value of the cookie called name that rec sets.
func cookieNamed(rec *httptest.ResponseRecorder, name string) (value, line string, ok bool) {
	for _, l := range rec.Result().Header.Values("Set-Cookie") {
		if v, found := strings.CutPrefix(l, name+"="); found {
			v, _, _ = strings.Cut(v, ";")
			return v, l, true
		}
	}
	return "", "", false
}

func getWith(h http.Handler, name, value string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/get", nil)
	req.Header.Set("Cookie", name+"="+value)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func setWith(h http.Handler) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/set", nil))
	return rec
}

// Whatever a configuration writes, it reads back: a 5.4 KB session under
// MaxCookieSize 8000, AllowOversizeCookie or MaxCookieSize -1, with every codec.
func TestCookieSizeWrittenIsRead(t *testing.T) {
	for _, codec := range sizeCodecs {
		for _, mode := range []struct {
			name string
			cfg  session.Config
		}{
			{"MaxCookieSize 8000", session.Config{MaxCookieSize: 8000}},
			{"AllowOversizeCookie", session.Config{AllowOversizeCookie: true}},
			{"MaxCookieSize -1", session.Config{MaxCookieSize: -1}},
		} {
			t.Run(codec.name+"/"+mode.name, func(t *testing.T) {
				cfg := mode.cfg
				cfg.Interface = codec.iface(t)
				data := codec.data(5400)
				h := sizeApp(t, cfg, data)
				set := setWith(h)
				v, line, ok := cookieNamed(set, "session")
				if set.Code != http.StatusOK || !ok {
					t.Fatalf("not written: status %d", set.Code)
				}
				if len(line) < 4200 {
					t.Fatalf("the cookie is only %d bytes; the test wants one over 4 KB", len(line))
				}
				if got := getWith(h, "session", v).Body.String(); got != "same" {
					t.Errorf("a %d-byte cookie this configuration wrote is read as %s", len(line), got)
				}
			})
		}
	}
}

// The writer's bound, at exactly the limit and one over, for every codec:
// MaxCookieSize bounds the Set-Cookie header value; the hard bound
// (AllowOversizeCookie, negative MaxCookieSize) bounds name=value.
func TestCookieSizeWriteLimit(t *testing.T) {
	for _, codec := range sizeCodecs {
		t.Run(codec.name+"/MaxCookieSize", func(t *testing.T) {
			data := codec.data(3000)
			measure := setWith(sizeApp(t, session.Config{MaxCookieSize: -1, Interface: codec.iface(t)}, data))
			_, line, ok := cookieNamed(measure, "session")
			if !ok {
				t.Fatal("nothing written")
			}
			for _, limit := range []int{len(line), len(line) - 1} {
				h := sizeApp(t, session.Config{MaxCookieSize: limit, Interface: codec.iface(t)}, data)
				set := setWith(h)
				v, got, ok := cookieNamed(set, "session")
				if limit == len(line) {
					if set.Code != http.StatusOK || !ok || len(got) != limit {
						t.Fatalf("a %d-byte cookie at MaxCookieSize %d: status %d, written %v (%d bytes)", len(line), limit, set.Code, ok, len(got))
					}
					if r := getWith(h, "session", v).Body.String(); r != "same" {
						t.Errorf("the cookie written at exactly the limit is read as %s", r)
					}
					continue
				}
				if set.Code != http.StatusInternalServerError || ok {
					t.Errorf("a %d-byte cookie at MaxCookieSize %d: status %d, written %v", len(line), limit, set.Code, ok)
				}
			}
		})
		for _, mode := range []struct {
			name string
			cfg  session.Config
		}{
			{"AllowOversizeCookie", session.Config{AllowOversizeCookie: true}},
			{"MaxCookieSize -1", session.Config{MaxCookieSize: -1}},
		} {
			t.Run(codec.name+"/hard bound with "+mode.name, func(t *testing.T) {
				data := codec.data(6000)
				measure := setWith(sizeApp(t, session.Config{MaxCookieSize: -1, Interface: codec.iface(t)}, data))
				v, _, ok := cookieNamed(measure, "session")
				if !ok {
					t.Fatal("nothing written")
				}
				// The name fills name=value up to the bound exactly, then one over.
				exact := strings.Repeat("n", session.HardMaxCookieSize-1-len(v))
				for _, name := range []string{exact, exact + "n"} {
					cfg := mode.cfg
					cfg.CookieName = name
					cfg.Interface = codec.iface(t)
					h := sizeApp(t, cfg, data)
					set := setWith(h)
					got, _, ok := cookieNamed(set, name)
					if len(name)+1+len(v) == session.HardMaxCookieSize {
						if set.Code != http.StatusOK || !ok || len(name)+1+len(got) != session.HardMaxCookieSize {
							t.Fatalf("name=value of exactly the hard bound: status %d, written %v", set.Code, ok)
						}
						if r := getWith(h, name, got).Body.String(); r != "same" {
							t.Errorf("the cookie written at exactly the hard bound is read as %s", r)
						}
						continue
					}
					if set.Code != http.StatusInternalServerError || ok {
						t.Errorf("name=value one over the hard bound: status %d, written %v", set.Code, ok)
					}
				}
			})
		}
	}
}

// The reader's bound, at exactly the limit and one over, for every codec:
// a cookie whose name=value is over the bound is a new, empty session, even
// when it is otherwise valid.
func TestCookieSizeReadLimit(t *testing.T) {
	for _, codec := range sizeCodecs {
		t.Run(codec.name+"/MaxCookieSize", func(t *testing.T) {
			data := codec.data(3000)
			v, _, ok := cookieNamed(setWith(sizeApp(t, session.Config{MaxCookieSize: -1, Interface: codec.iface(t)}, data)), "session")
			if !ok {
				t.Fatal("nothing written")
			}
			size := len("session=") + len(v)
			for limit, want := range map[int]string{size: "same", size - 1: "empty"} {
				h := sizeApp(t, session.Config{MaxCookieSize: limit, Interface: codec.iface(t)}, data)
				if got := getWith(h, "session", v); got.Code != http.StatusOK || got.Body.String() != want {
					t.Errorf("a %d-byte name=value under MaxCookieSize %d: %d %s, want %s", size, limit, got.Code, got.Body.String(), want)
				}
			}
		})
		for _, mode := range []struct {
			name string
			cfg  session.Config
		}{
			{"AllowOversizeCookie", session.Config{AllowOversizeCookie: true}},
			{"MaxCookieSize -1", session.Config{MaxCookieSize: -1}},
		} {
			t.Run(codec.name+"/hard bound with "+mode.name, func(t *testing.T) {
				data := codec.data(6000)
				probe, _, _ := cookieNamed(setWith(sizeApp(t, session.Config{MaxCookieSize: -1, Interface: codec.iface(t)}, data)), "session")
				exact := strings.Repeat("n", session.HardMaxCookieSize-1-len(probe))
				for _, name := range []string{exact, exact + "n"} {
					// A valid cookie for this name, written without any bound.
					writer := session.Config{MaxCookieSize: -1, CookieName: name, Interface: codec.iface(t)}
					set := setWith(sizeApp(t, writer, data))
					v, _, ok := cookieNamed(set, name)
					if !ok {
						// Past the hard bound the writer refuses it: make it by hand.
						v = forgeValue(t, codec.name, name, data)
					}
					cfg := mode.cfg
					cfg.CookieName = name
					cfg.Interface = codec.iface(t)
					want := "same"
					if len(name)+1+len(v) > session.HardMaxCookieSize {
						want = "empty"
					}
					if got := getWith(sizeApp(t, cfg, data), name, v); got.Code != http.StatusOK || got.Body.String() != want {
						t.Errorf("name=value of %d bytes: %d %s, want %s", len(name)+1+len(v), got.Code, got.Body.String(), want)
					}
				}
			})
		}
	}
}

// forgeValue makes a valid cookie value for the session {"data": data}
// without the session interface's bound.
func forgeValue(t *testing.T, codec, name, data string) string {
	t.Helper()
	payload := []byte(`{"data":"` + data + `"}`)
	if codec == "sealed" {
		c, err := sealed.New([][]byte{newSealKey})
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Encode(nil, name, payload, sizeClock, session.DefaultPermanentLifetime)
		if err != nil {
			t.Fatal(err)
		}
		return string(v)
	}
	s, err := signing.New([]byte("size-key"), nil, signing.Options{MaxLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	return string(s.AppendSign(nil, payload, sizeClock.Unix()))
}

// countingCodec records whether Decode was reached.
type countingCodec struct {
	session.Codec
	decodes int
}

func (c *countingCodec) Decode(dst []byte, name, value string, now time.Time, lifetime time.Duration) ([]byte, time.Time, bool, error) {
	c.decodes++
	return c.Codec.Decode(dst, name, value, now, lifetime)
}

// The reader caps the cookie before decoding it, in every mode: a 100 KB
// garbage cookie never reaches the codec, and the signed format's own cap
// refuses it without reading it.
func TestCookieSizeGarbageStaysCheap(t *testing.T) {
	garbage := noise(100<<10, 4)
	for _, cfg := range []session.Config{{}, {MaxCookieSize: 8000}, {AllowOversizeCookie: true}, {MaxCookieSize: -1}} {
		inner, err := sealed.New([][]byte{newSealKey})
		if err != nil {
			t.Fatal(err)
		}
		cc := &countingCodec{Codec: inner}
		cfg.Interface = &session.SecureCookie{Codec: cc}
		h := sizeApp(t, cfg, "x")
		if got := getWith(h, "session", garbage); got.Code != http.StatusOK || got.Body.String() != "empty" {
			t.Errorf("MaxCookieSize %d: %d %s", cfg.MaxCookieSize, got.Code, got.Body.String())
		}
		if cc.decodes != 0 {
			t.Errorf("MaxCookieSize %d, AllowOversizeCookie %v: a 100 KB cookie reached the codec", cfg.MaxCookieSize, cfg.AllowOversizeCookie)
		}
		if raceEnabled {
			continue // the race detector makes allocation counts meaningless
		}
		signed := sizeApp(t, session.Config{MaxCookieSize: cfg.MaxCookieSize, AllowOversizeCookie: cfg.AllowOversizeCookie}, "x")
		allocs := testing.AllocsPerRun(20, func() { getWith(signed, "session", garbage) })
		base := testing.AllocsPerRun(20, func() { getWith(signed, "session", "x") })
		if allocs > base+2 {
			t.Errorf("MaxCookieSize %d: a 100 KB cookie costs %v allocations, a short one %v", cfg.MaxCookieSize, allocs, base)
		}
	}
}

// An explicit Signing.MaxLength bounds what is written as well as what is
// read: exactly at it the cookie is written and read, one over it is an
// error, never a cookie the next request ignores.
func TestCookieSizeSigningMaxLength(t *testing.T) {
	data := noise(2000, 5)
	v, _, _ := cookieNamed(setWith(sizeApp(t, session.Config{}, data)), "session")
	for _, max := range []int{len(v), len(v) - 1} {
		h := sizeApp(t, session.Config{Signing: signing.Options{MaxLength: max}}, data)
		set := setWith(h)
		got, _, ok := cookieNamed(set, "session")
		if max == len(v) {
			if !ok || getWith(h, "session", got).Body.String() != "same" {
				t.Errorf("Signing.MaxLength %d: a %d-byte value is not written and read (status %d)", max, len(v), set.Code)
			}
			continue
		}
		if ok || set.Code != http.StatusInternalServerError {
			t.Errorf("Signing.MaxLength %d: a %d-byte value was written (status %d)", max, len(v), set.Code)
		}
	}
}

// The writer's refusal is a *CookieTooLargeError matching ErrCookieTooLarge.
func TestCookieSizeErrorType(t *testing.T) {
	var got error
	cfg := session.Config{MaxCookieSize: -1, SecretKey: []byte("k"), Logger: discardLogger(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { got = err; w.WriteHeader(500) }}
	m := newManager(t, cfg)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("data", noise(2*session.HardMaxCookieSize, 6))
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	var tooLarge *session.CookieTooLargeError
	if !errors.Is(got, session.ErrCookieTooLarge) || !errors.As(got, &tooLarge) || tooLarge.Limit != session.HardMaxCookieSize {
		t.Errorf("error %v, want a CookieTooLargeError with the hard bound", got)
	}
}

// Flask with MAX_COOKIE_SIZE = 8000 and Go with MaxCookieSize 8000 read
// each other's 5.4 KB session cookie.
func TestCookieSizeFlask8000(t *testing.T) {
	const secret = "size-interop-secret"
	flask := flasktest.StartPeer(t, secret, nil, map[string]string{"MAX_COOKIE_SIZE": "8000"})
	data := noise(5400, 7)
	m := newManager(t, session.Config{SecretKey: []byte(secret), MaxCookieSize: 8000})
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("data", data) })
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		if session.GetOr(session.From(r), "data", "") == data {
			w.Write([]byte("same"))
		}
	})
	h := m.Handler(mux)

	goCookie, line, ok := cookieNamed(setWith(h), "session")
	if !ok || len(line) < 5400 {
		t.Fatalf("Go wrote no 5.4 KB cookie (%d bytes)", len(line))
	}
	req, err := http.NewRequest(http.MethodGet, flask.URL+"/get", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", "session="+goCookie)
	if _, body := flask.Do(t, nil, req); !strings.Contains(body, data) {
		t.Errorf("Flask did not read Go's %d-byte cookie: %.200s", len(line), body)
	}

	res, _ := flask.Get(t, nil, "/set?data="+data)
	var flaskCookie string
	for _, c := range res.Cookies() {
		if c.Name == "session" {
			flaskCookie = c.Value
		}
	}
	if len(flaskCookie) < 4096 {
		t.Fatalf("Flask wrote no cookie over 4 KB (%d bytes)", len(flaskCookie))
	}
	if got := getWith(h, "session", flaskCookie).Body.String(); got != "same" {
		t.Errorf("Go did not read Flask's %d-byte cookie: %q", len(flaskCookie), got)
	}
}

// With AllowOversizeCookie and a MaxCookieSize above the hard bound, the
// larger one bounds both sides: allowing oversize never makes it stricter.
func TestCookieSizeAllowAboveHardBound(t *testing.T) {
	data := noise(70000, 8)
	for _, allow := range []bool{false, true} {
		h := sizeApp(t, session.Config{MaxCookieSize: 100000, AllowOversizeCookie: allow}, data)
		set := setWith(h)
		v, line, ok := cookieNamed(set, "session")
		if !ok || len(line) <= session.HardMaxCookieSize {
			t.Fatalf("allow %v: status %d, %d-byte cookie; want one over the hard bound written", allow, set.Code, len(line))
		}
		if got := getWith(h, "session", v).Body.String(); got != "same" {
			t.Errorf("allow %v: the %d-byte cookie is read as %s", allow, len(line), got)
		}
	}
}
