package flasklogin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/flasklogin"
)

// vectors is testdata/vectors.json, written by testdata/gen_vectors.py from
// the real Flask-Login.
type vectors struct {
	Versions    map[string]string `json:"versions"`
	Secret      string            `json:"secret"`
	Now         string            `json:"now"`
	Identifiers []struct {
		Remote     *string `json:"remote"`
		XFF        *string `json:"xff"`
		UA         *string `json:"ua"`
		Identifier string  `json:"identifier"`
	} `json:"identifiers"`
	Cookies []struct {
		Cookie string  `json:"cookie"`
		ID     *string `json:"id"`
	} `json:"cookies"`
	Scenarios     []scenario `json:"scenarios"`
	CookieHeaders []struct {
		Header string  `json:"header"`
		Value  *string `json:"value"`
	} `json:"cookie_headers"`
}

type vreq struct {
	Remote *string `json:"remote"`
	XFF    *string `json:"xff"`
	UA     *string `json:"ua"`
}

type scenario struct {
	Name           string                     `json:"name"`
	Action         string                     `json:"action"`
	Config         map[string]json.RawMessage `json:"config"`
	Session        json.RawMessage            `json:"session"`
	SessionAfter   json.RawMessage            `json:"session_after"`
	Permanent      bool                       `json:"permanent"`
	Request        vreq                       `json:"request"`
	RememberCookie *string                    `json:"remember_cookie"`
	ID             string                     `json:"id"`
	Remember       bool                       `json:"remember"`
	DurationUS     int64                      `json:"duration_us"`
	Fresh          *bool                      `json:"fresh"`
	SetCookie      []string                   `json:"set_cookie"`
	User           *struct {
		Authenticated bool   `json:"authenticated"`
		ID            string `json:"id"`
		Fresh         bool   `json:"fresh"`
	} `json:"user"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Identifiers) == 0 || len(v.Cookies) == 0 || len(v.Scenarios) == 0 {
		t.Fatal("vectors.json holds no vectors")
	}
	return &v
}

// typedValues decodes the vectors' session JSON: {"$float": repr} is a
// float64, other numbers int64, as the session package decodes Flask's.
func typedValues(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		switch x := v.(type) {
		case json.Number:
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			m[k] = n
		case map[string]any:
			f, err := strconv.ParseFloat(x["$float"].(string), 64)
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			m[k] = f
		}
	}
	return m
}

func buildRequest(q vreq) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/run", nil)
	r.RemoteAddr = ""
	if q.Remote != nil {
		r.RemoteAddr = net.JoinHostPort(*q.Remote, "50000")
	}
	if q.XFF != nil {
		r.Header["X-Forwarded-For"] = []string{latin1(*q.XFF)}
	}
	if q.UA != nil {
		r.Header["User-Agent"] = []string{latin1(*q.UA)}
	}
	return r
}

func TestVectorsIdentifier(t *testing.T) {
	v := loadVectors(t)
	m, err := flasklogin.New(flasklogin.Config{SecretKey: []byte(v.Secret)})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range v.Identifiers {
		r := buildRequest(vreq{c.Remote, c.XFF, c.UA})
		if got := m.Identifier(r); got != c.Identifier {
			t.Errorf("#%d remote=%v xff=%q ua=%q: identifier %s, Flask-Login %s", i, deref(c.Remote), deref(c.XFF), deref(c.UA), got, c.Identifier)
		}
	}
}

func deref(p *string) string {
	if p == nil {
		return "<none>"
	}
	return *p
}

func TestVectorsRememberCookie(t *testing.T) {
	v := loadVectors(t)
	m, err := flasklogin.New(flasklogin.Config{SecretKey: []byte(v.Secret)})
	if err != nil {
		t.Fatal(err)
	}
	valid := 0
	for _, c := range v.Cookies {
		id, ok := m.DecodeCookie(c.Cookie)
		switch {
		case c.ID == nil && ok:
			t.Errorf("DecodeCookie(%q) = %q, Flask-Login refuses it", c.Cookie, id)
		case c.ID != nil && (!ok || id != *c.ID):
			t.Errorf("DecodeCookie(%q) = %q, %v; Flask-Login %q", c.Cookie, id, ok, *c.ID)
		case c.ID != nil:
			valid++
			if enc := m.EncodeCookie(*c.ID); enc != c.Cookie {
				t.Errorf("EncodeCookie(%q) = %q, Flask-Login %q", *c.ID, enc, c.Cookie)
			}
		}
	}
	if valid == 0 || valid == len(v.Cookies) {
		t.Fatalf("vectors need valid and invalid cookies, got %d valid of %d", valid, len(v.Cookies))
	}
}

func scenarioConfig(t *testing.T, v *vectors, sc *scenario) flasklogin.Config {
	t.Helper()
	now, err := time.Parse("2006-01-02T15:04:05.999999Z", v.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg := flasklogin.Config{
		SecretKey:  []byte(v.Secret),
		Now:        func() time.Time { return now },
		UserLoader: func(_ context.Context, id string) (bool, error) { return id != "ghost", nil },
	}
	for k, raw := range sc.Config {
		var val any
		if err := json.Unmarshal(raw, &val); err != nil {
			t.Fatal(err)
		}
		switch k {
		case "SESSION_PROTECTION":
			switch val {
			case "strong":
				cfg.Protection = flasklogin.ProtectionStrong
			case nil:
				cfg.Protection = flasklogin.ProtectionNone
			}
		case "REMEMBER_COOKIE_NAME":
			cfg.Remember.Name = val.(string)
		case "REMEMBER_COOKIE_DOMAIN":
			cfg.Remember.Domain = val.(string)
		case "REMEMBER_COOKIE_PATH":
			cfg.Remember.Path = val.(string)
		case "REMEMBER_COOKIE_SECURE":
			cfg.Remember.Secure = val.(bool)
		case "REMEMBER_COOKIE_HTTPONLY":
			cfg.Remember.DisableHTTPOnly = !val.(bool)
		case "REMEMBER_COOKIE_SAMESITE":
			cfg.Remember.SameSite = map[string]http.SameSite{"Lax": http.SameSiteLaxMode, "Strict": http.SameSiteStrictMode}[val.(string)]
		case "REMEMBER_COOKIE_DURATION":
			cfg.Remember.Duration = time.Duration(val.(float64)) * time.Second
		case "REMEMBER_COOKIE_REFRESH_EACH_REQUEST":
			cfg.Remember.RefreshEachRequest = val.(bool)
		default:
			t.Fatalf("config %s not mapped", k)
		}
	}
	return cfg
}

// TestVectorsScenarios replays every request Flask-Login handled in the
// generator: same session, request, remember cookie and action; the user, the
// session afterwards and the remember Set-Cookie lines must match.
func TestVectorsScenarios(t *testing.T) {
	v := loadVectors(t)
	for _, sc := range v.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			s := newMem(typedValues(t, sc.Session))
			s.permanent = sc.Permanent
			cfg := scenarioConfig(t, v, &sc)
			cfg.Session = func(*http.Request) flasklogin.Session { return s }
			m, err := flasklogin.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := buildRequest(sc.Request)
			name := cfg.Remember.Name
			if name == "" {
				name = flasklogin.DefaultCookieName
			}
			if sc.RememberCookie != nil {
				r.Header.Set("Cookie", name+"="+quoteForTest(*sc.RememberCookie))
			}
			var user flasklogin.User
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var err error
				switch sc.Action {
				case "login":
					opts := flasklogin.LoginOptions{Remember: sc.Remember, Duration: time.Duration(sc.DurationUS) * time.Microsecond}
					opts.NotFresh = sc.Fresh != nil && !*sc.Fresh
					err = m.Login(r, sc.ID, opts)
				case "logout":
					err = m.Logout(r)
				case "confirm":
					err = m.ConfirmLogin(r)
				}
				if err != nil {
					t.Errorf("%s: %v", sc.Action, err)
				}
				if sc.Action != "none" {
					if user, err = m.Current(r); err != nil {
						t.Errorf("Current: %v", err)
					}
				}
				w.Write([]byte("ok"))
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if sc.User != nil {
				want := flasklogin.User{ID: sc.User.ID, Authenticated: sc.User.Authenticated, Fresh: sc.User.Fresh}
				if user != want {
					t.Errorf("user %+v, Flask-Login %+v", user, want)
				}
			}
			if got, want := s.snapshot(), typedValues(t, sc.SessionAfter); !reflect.DeepEqual(got, want) {
				t.Errorf("session after\n got  %v\n want %v", got, want)
			}
			got := setCookies(rec.Header(), name)
			if strings.Join(got, "\n") != strings.Join(sc.SetCookie, "\n") {
				t.Errorf("Set-Cookie\n got  %q\n want %q", got, sc.SetCookie)
			}
		})
	}
}

// quoteForTest quotes a cookie value as Werkzeug's test client does (its
// _cookie_quote), for values with bytes outside the legal set.
func quoteForTest(v string) string {
	const legal = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/=!#$%&'*+-.^_`|~:"
	var b strings.Builder
	quoted := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case strings.IndexByte(legal, c) >= 0:
			b.WriteByte(c)
		case c == '"' || c == '\\':
			quoted = true
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == ',' || c == ';' || c < 32 || c >= 127:
			quoted = true
			b.WriteString("\\" + strconv.FormatInt(int64(c>>6), 8) + strconv.FormatInt(int64(c>>3&7), 8) + strconv.FormatInt(int64(c&7), 8))
		default:
			quoted = true
			b.WriteByte(c)
		}
	}
	if quoted {
		return `"` + b.String() + `"`
	}
	return b.String()
}

// TestVectorsCookieHeader: the remember cookie is read from the Cookie
// header as Werkzeug reads it.
func TestVectorsCookieHeader(t *testing.T) {
	v := loadVectors(t)
	if len(v.CookieHeaders) == 0 {
		t.Fatal("no cookie header vectors")
	}
	for _, c := range v.CookieHeaders {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", c.Header)
		got, ok := flasklogin.RequestCookie(r, "remember_token")
		if ok != (c.Value != nil) || ok && got != *c.Value {
			t.Errorf("Cookie: %s\n got %q, %v; Werkzeug %v", c.Header, got, ok, deref(c.Value))
		}
	}
}
