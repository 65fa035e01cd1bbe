package flasklogin_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/flasklogin"
)

var testNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// newManager returns a Manager over s with a fixed clock and a logger
// writing to the returned buffer.
func newManager(t *testing.T, s flasklogin.Session, mod func(*flasklogin.Config)) (*flasklogin.Manager, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := flasklogin.Config{
		SecretKey: []byte("unit-secret"),
		Session:   func(*http.Request) flasklogin.Session { return s },
		Now:       func() time.Time { return testNow },
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	m, err := flasklogin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, &logs
}

// serve runs h behind m's middleware for r and returns the recorder.
func serve(m *flasklogin.Manager, r *http.Request, h http.HandlerFunc) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	m.Handler(h).ServeHTTP(rec, r)
	return rec
}

func TestNewValidation(t *testing.T) {
	ok := func(c *flasklogin.Config) {}
	for _, tc := range []struct {
		name string
		mod  func(*flasklogin.Config)
		want error
	}{
		{"defaults", ok, nil},
		{"no secret", func(c *flasklogin.Config) { c.SecretKey = nil }, flasklogin.ErrNoSecretKey},
		{"duration at the limit", func(c *flasklogin.Config) { c.Remember.Duration = flasklogin.MaxDuration }, nil},
		{"duration one over", func(c *flasklogin.Config) { c.Remember.Duration = flasklogin.MaxDuration + 1 }, flasklogin.ErrConfig},
		{"negative duration", func(c *flasklogin.Config) { c.Remember.Duration = -time.Second }, flasklogin.ErrConfig},
		{"bad protection", func(c *flasklogin.Config) { c.Protection = 7 }, flasklogin.ErrConfig},
		{"bad name", func(c *flasklogin.Config) { c.Remember.Name = "a b" }, flasklogin.ErrConfig},
		{"bad path", func(c *flasklogin.Config) { c.Remember.Path = "app" }, flasklogin.ErrConfig},
		{"domain without a dot", func(c *flasklogin.Config) { c.Remember.Domain = "localhost" }, flasklogin.ErrConfig},
		{"SameSite None without Secure", func(c *flasklogin.Config) { c.Remember.SameSite = http.SameSiteNoneMode }, flasklogin.ErrConfig},
		{"SameSite None with Secure", func(c *flasklogin.Config) {
			c.Remember.SameSite, c.Remember.Secure = http.SameSiteNoneMode, true
		}, nil},
		{"invalid prefix", func(c *flasklogin.Config) { c.TrustedProxies = []netip.Prefix{{}} }, flasklogin.ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := flasklogin.Config{SecretKey: []byte("k")}
			tc.mod(&cfg)
			_, err := flasklogin.New(cfg)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("New = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestLoginDurationLimits(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want error
	}{
		{flasklogin.MaxDuration, nil},
		{flasklogin.MaxDuration + 1, flasklogin.ErrDuration},
		{time.Microsecond, nil},
		{-1, flasklogin.ErrDuration},
	} {
		s := newMem(nil)
		m, _ := newManager(t, s, nil)
		var err error
		rec := serve(m, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) {
			err = m.Login(r, "alice", flasklogin.LoginOptions{Remember: true, Duration: tc.d})
		})
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Fatalf("Login(Duration %v) = %v, want %v", tc.d, err, tc.want)
		}
		cookies := setCookies(rec.Header(), flasklogin.DefaultCookieName)
		if tc.want != nil {
			if len(cookies) != 0 || s.Len() != 0 {
				t.Errorf("Duration %v refused but cookie %q / session %v written", tc.d, cookies, s.snapshot())
			}
			continue
		}
		want := "Expires=" + testNow.Add(tc.d).Truncate(time.Second).Format(http.TimeFormat)
		if len(cookies) != 1 || !strings.Contains(cookies[0], want) {
			t.Errorf("Duration %v: cookie %q, want %s", tc.d, cookies, want)
		}
	}
}

func TestLoginEmptyID(t *testing.T) {
	m, _ := newManager(t, newMem(nil), nil)
	serve(m, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) {
		if err := m.Login(r, "", flasklogin.LoginOptions{}); !errors.Is(err, flasklogin.ErrEmptyUserID) {
			t.Errorf("Login(\"\") = %v", err)
		}
	})
}

func TestWithoutMiddleware(t *testing.T) {
	m, _ := newManager(t, newMem(map[string]any{"_user_id": "alice"}), nil)
	r := httptest.NewRequest("GET", "/", nil)
	if u, err := m.Current(r); !errors.Is(err, flasklogin.ErrNoMiddleware) || u.Authenticated {
		t.Errorf("Current = %+v, %v", u, err)
	}
	if err := m.Login(r, "bob", flasklogin.LoginOptions{}); !errors.Is(err, flasklogin.ErrNoMiddleware) {
		t.Errorf("Login = %v", err)
	}
	if err := m.Logout(r); !errors.Is(err, flasklogin.ErrNoMiddleware) {
		t.Errorf("Logout = %v", err)
	}
	if err := m.ConfirmLogin(r); !errors.Is(err, flasklogin.ErrNoMiddleware) {
		t.Errorf("ConfirmLogin = %v", err)
	}
}

// TestStoreFailuresFailClosed: every session write that fails leaves the
// request anonymous (or not fresh) and returns an error matching ErrSession.
func TestStoreFailuresFailClosed(t *testing.T) {
	ua := "UA"
	other := httptest.NewRequest("GET", "/", nil)
	other.Header.Set("User-Agent", "other")
	probe, _ := newManager(t, newMem(nil), nil)
	r0 := httptest.NewRequest("GET", "/", nil)
	r0.Header.Set("User-Agent", ua)
	ident := probe.Identifier(r0)
	good := probe.EncodeCookie("alice")

	for _, tc := range []struct {
		name    string
		session map[string]any
		mod     func(*flasklogin.Config)
		cookie  bool
		setErr  bool
		popErr  bool
	}{
		{"basic mismatch cannot mark stale", map[string]any{"_user_id": "alice", "_fresh": true, "_id": "x"}, nil, false, true, false},
		{"strong mismatch cannot log out", map[string]any{"_user_id": "alice", "_fresh": true, "_id": "x"},
			func(c *flasklogin.Config) { c.Protection = flasklogin.ProtectionStrong }, false, false, true},
		{"strong mismatch cannot mark clear", map[string]any{"_user_id": "alice", "_fresh": true, "_id": "x"},
			func(c *flasklogin.Config) { c.Protection = flasklogin.ProtectionStrong }, false, true, false},
		{"remember restore cannot write", nil, nil, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newMem(tc.session)
			if tc.setErr {
				s.setErr = errStore
			}
			if tc.popErr {
				s.popErr = errStore
			}
			m, _ := newManager(t, s, tc.mod)
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("User-Agent", ua)
			if tc.cookie {
				r.Header.Set("Cookie", "remember_token="+good)
			}
			serve(m, r, func(w http.ResponseWriter, r *http.Request) {
				u, err := m.Current(r)
				if !errors.Is(err, flasklogin.ErrSession) || !errors.Is(err, errStore) {
					t.Errorf("Current error %v, want ErrSession wrapping the store's", err)
				}
				if u.Authenticated || u.Fresh {
					t.Errorf("Current = %+v after a failed write, want anonymous", u)
				}
			})
		})
	}
	_ = ident

	t.Run("login", func(t *testing.T) {
		s := newMem(nil)
		s.setErr = errStore
		m, _ := newManager(t, s, nil)
		serve(m, r0.Clone(context.Background()), func(w http.ResponseWriter, r *http.Request) {
			if err := m.Login(r, "alice", flasklogin.LoginOptions{Remember: true}); !errors.Is(err, flasklogin.ErrSession) {
				t.Errorf("Login = %v", err)
			}
			if u, _ := m.Current(r); u.Authenticated {
				t.Errorf("Current after a failed Login = %+v", u)
			}
		})
	})
	t.Run("logout", func(t *testing.T) {
		s := newMem(map[string]any{"_user_id": "alice", "_fresh": true, "_id": ident})
		s.popErr = errStore
		m, _ := newManager(t, s, nil)
		serve(m, r0.Clone(context.Background()), func(w http.ResponseWriter, r *http.Request) {
			if err := m.Logout(r); !errors.Is(err, flasklogin.ErrSession) {
				t.Errorf("Logout = %v", err)
			}
			if u, _ := m.Current(r); u.Authenticated {
				t.Errorf("Current after a failed Logout = %+v, want anonymous", u)
			}
		})
	})
	t.Run("remember step", func(t *testing.T) {
		s := newMem(map[string]any{"_user_id": "alice", "_remember": "set"})
		s.popErr = errStore
		m, logs := newManager(t, s, nil)
		rec := serve(m, r0.Clone(context.Background()), func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
		if c := setCookies(rec.Header(), "remember_token"); len(c) != 0 {
			t.Errorf("cookie %q set although _remember could not be popped", c)
		}
		if !strings.Contains(logs.String(), "store is down") {
			t.Errorf("failure not logged: %q", logs)
		}
	})
}

func TestUserLoader(t *testing.T) {
	probe, _ := newManager(t, newMem(nil), nil)
	cookie := "remember_token=" + probe.EncodeCookie("bob")
	loaderErr := errors.New("db down")
	for _, tc := range []struct {
		name    string
		loader  func(context.Context, string) (bool, error)
		wantID  string
		wantErr error
	}{
		{"known", func(_ context.Context, id string) (bool, error) { return true, nil }, "alice", nil},
		{"unknown falls back to cookie", func(_ context.Context, id string) (bool, error) { return id == "bob", nil }, "bob", nil},
		{"error fails closed", func(_ context.Context, id string) (bool, error) { return false, loaderErr }, "", flasklogin.ErrUserLoader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newMem(map[string]any{"_user_id": "alice"})
			m, _ := newManager(t, s, func(c *flasklogin.Config) {
				c.UserLoader = tc.loader
				c.Protection = flasklogin.ProtectionNone
			})
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", cookie)
			serve(m, r, func(w http.ResponseWriter, r *http.Request) {
				u, err := m.Current(r)
				if tc.wantErr == nil && err != nil || tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || !errors.Is(err, loaderErr)) {
					t.Fatalf("Current error %v, want %v", err, tc.wantErr)
				}
				if u.ID != tc.wantID || u.Authenticated != (tc.wantID != "") {
					t.Errorf("Current = %+v, want %q", u, tc.wantID)
				}
			})
		})
	}
}

func TestRequireLogin(t *testing.T) {
	probe, _ := newManager(t, newMem(nil), nil)
	r0 := httptest.NewRequest("GET", "/", nil)
	ident := probe.Identifier(r0)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	for _, tc := range []struct {
		name    string
		session map[string]any
		method  string
		fresh   bool
		want    int
	}{
		{"anonymous", nil, "GET", false, 401},
		{"anonymous OPTIONS", nil, "OPTIONS", false, 200},
		{"logged in", map[string]any{"_user_id": "a", "_fresh": true, "_id": ident}, "GET", false, 200},
		{"fresh required, fresh", map[string]any{"_user_id": "a", "_fresh": true, "_id": ident}, "GET", true, 200},
		{"fresh required, stale", map[string]any{"_user_id": "a", "_fresh": false, "_id": ident}, "GET", true, 401},
		{"fresh required, anonymous", nil, "GET", true, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newManager(t, newMem(tc.session), nil)
			h := m.RequireLogin(ok)
			if tc.fresh {
				h = m.RequireFreshLogin(ok)
			}
			rec := serve(m, httptest.NewRequest(tc.method, "/", nil), h.ServeHTTP)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		name, remote string
		xff          *string
		trusted      []netip.Prefix
		want         string
		wantOK       bool
	}{
		{"default trusts anyone", "198.51.100.1:1", ptr("1.2.3.4, 5.6.7.8"), nil, "1.2.3.4", true},
		{"default empty header", "198.51.100.1:1", ptr(""), nil, "", true},
		{"default no header", "198.51.100.1:1", nil, nil, "198.51.100.1", true},
		{"default no address", "", nil, nil, "", false},
		{"untrusted peer ignores header", "198.51.100.1:1", ptr("1.2.3.4"), proxies, "198.51.100.1", true},
		{"trusted peer, client appended", "10.1.1.1:1", ptr("1.2.3.4"), proxies, "1.2.3.4", true},
		{"trusted peer, forged entry skipped", "10.1.1.1:1", ptr("6.6.6.6, 1.2.3.4"), proxies, "1.2.3.4", true},
		{"chain of trusted proxies", "10.1.1.1:1", ptr("1.2.3.4, 10.2.2.2 , 2001:db8::9"), proxies, "1.2.3.4", true},
		{"all trusted: leftmost", "10.1.1.1:1", ptr("10.3.3.3, 10.2.2.2"), proxies, "10.3.3.3", true},
		{"garbage entry is the client", "10.1.1.1:1", ptr("1.2.3.4, bogus"), proxies, "bogus", true},
		{"IPv6 peer", "[2001:db8::1]:443", ptr("203.0.113.5"), proxies, "203.0.113.5", true},
		{"empty list trusts nobody", "10.1.1.1:1", ptr("1.2.3.4"), []netip.Prefix{}, "10.1.1.1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newManager(t, newMem(nil), func(c *flasklogin.Config) { c.TrustedProxies = tc.trusted })
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != nil {
				r.Header["X-Forwarded-For"] = []string{*tc.xff}
			}
			got, ok := m.ClientAddress(r)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("ClientAddress = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestBadRememberSeconds(t *testing.T) {
	for _, v := range []any{"60", 1e300, map[string]any{}} {
		s := newMem(map[string]any{"_user_id": "a", "_remember": "set", "_remember_seconds": v})
		m, logs := newManager(t, s, nil)
		rec := serve(m, httptest.NewRequest("GET", "/", nil), func(w http.ResponseWriter, r *http.Request) {})
		if c := setCookies(rec.Header(), "remember_token"); len(c) != 0 {
			t.Errorf("_remember_seconds %v: cookie %q", v, c)
		}
		if !strings.Contains(logs.String(), "_remember_seconds") {
			t.Errorf("_remember_seconds %v: not logged: %q", v, logs)
		}
	}
}

func TestProtectionString(t *testing.T) {
	for p, want := range map[flasklogin.Protection]string{
		flasklogin.ProtectionBasic: "basic", flasklogin.ProtectionStrong: "strong",
		flasklogin.ProtectionNone: "None", 9: "Protection(9)",
	} {
		if p.String() != want {
			t.Errorf("%d: %q", int(p), p.String())
		}
	}
}
