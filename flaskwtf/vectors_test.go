package flaskwtf_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/flaskwtf"
)

// vectors is testdata/vectors.json, written by testdata/gen_vectors.py from
// the real Flask-WTF.
type vectors struct {
	Secret string `json:"secret"`
	Tokens []struct {
		Raw   string `json:"raw"`
		Unix  int64  `json:"unix"`
		Token string `json:"token"`
	} `json:"tokens"`
	Validations []struct {
		Name      string  `json:"name"`
		Raw       *string `json:"raw"`
		Token     string  `json:"token"`
		Now       int64   `json:"now"`
		TimeLimit any     `json:"time_limit"`
		Reason    string  `json:"reason"`
	} `json:"validations"`
	Protect []struct {
		Name    string            `json:"name"`
		Method  string            `json:"method"`
		Form    map[string]string `json:"form"`
		Headers map[string]string `json:"headers"`
		HTTPS   bool              `json:"https"`
		Host    string            `json:"host"`
		Config  map[string]any    `json:"config"`
		Raw     string            `json:"raw"`
		Now     int64             `json:"now"`
		Status  int               `json:"status"`
		Reason  string            `json:"reason"`
	} `json:"protect"`
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
	if len(v.Tokens) == 0 || len(v.Validations) == 0 || len(v.Protect) == 0 {
		t.Fatal("vectors.json holds no vectors")
	}
	return &v
}

func at(unix int64) func() time.Time { return func() time.Time { return time.Unix(unix, 0) } }

func request(s *memSession) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/form", nil)
}

// TestVectorsTokens: Go signs each raw token at the vector's time exactly as
// Flask-WTF did (byte for byte unless itsdangerous compressed it, which
// compress/flate does differently), and validates Flask-WTF's token.
func TestVectorsTokens(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Tokens {
		s := newMem(map[string]any{"csrf_token": tc.Raw})
		c, err := flaskwtf.New(flaskwtf.Config{SecretKey: []byte(v.Secret), Now: at(tc.Unix),
			Session: func(*http.Request) flaskwtf.Session { return s }})
		if err != nil {
			t.Fatal(err)
		}
		r := request(s)
		got, err := c.Token(r)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tc.Token, ".") && got != tc.Token {
			t.Errorf("Token(raw %q) = %s, Flask-WTF %s", tc.Raw, got, tc.Token)
		}
		if tc.Raw != "" && !isASCII(tc.Raw) {
			continue // Flask-WTF cannot compare these (TypeError); Validate refuses them
		}
		for _, tok := range []string{got, tc.Token} {
			if err := c.Validate(r, tok); err != nil {
				t.Errorf("Validate(%s) for raw %q: %v", tok, tc.Raw, err)
			}
		}
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

var reasonErr = map[string]error{
	"":                                      nil,
	"The CSRF token is missing.":            flaskwtf.ErrTokenMissing,
	"The CSRF session token is missing.":    flaskwtf.ErrSessionTokenMissing,
	"The CSRF token has expired.":           flaskwtf.ErrTokenExpired,
	"The CSRF token is invalid.":            flaskwtf.ErrTokenInvalid,
	"The CSRF tokens do not match.":         flaskwtf.ErrTokensMismatch,
	"TypeError":                             flaskwtf.ErrTokensMismatch, // Flask: HTTP 500; Go fails closed
	"The referrer header is missing.":       flaskwtf.ErrRefererMissing,
	"The referrer does not match the host.": flaskwtf.ErrRefererMismatch,
}

func TestVectorsValidate(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Validations {
		t.Run(tc.Name, func(t *testing.T) {
			want, ok := reasonErr[tc.Reason]
			if !ok {
				t.Fatalf("unknown reason %q", tc.Reason)
			}
			s := newMem(nil)
			if tc.Raw != nil {
				s.values["csrf_token"] = *tc.Raw
			}
			cfg := flaskwtf.Config{SecretKey: []byte(v.Secret), Now: at(tc.Now),
				Session: func(*http.Request) flaskwtf.Session { return s }}
			switch l := tc.TimeLimit.(type) {
			case float64:
				cfg.TimeLimit = time.Duration(l) * time.Second
			case string:
				cfg.TimeLimit = -1
			}
			c, err := flaskwtf.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate(request(s), tc.Token)
			if want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Fatalf("Validate = %v, Flask-WTF %q", err, tc.Reason)
			}
			if want != nil && flaskwtf.Reason(err) != tc.Reason && tc.Reason != "TypeError" {
				t.Errorf("Reason = %q, Flask-WTF %q", flaskwtf.Reason(err), tc.Reason)
			}
		})
	}
}

// TestVectorsProtect replays CSRFProtect's decisions through Handler.
func TestVectorsProtect(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Protect {
		t.Run(tc.Name, func(t *testing.T) {
			s := newMem(nil)
			cfg := flaskwtf.Config{SecretKey: []byte(v.Secret), Now: at(tc.Now),
				Session: func(*http.Request) flaskwtf.Session { return s }}
			for k, val := range tc.Config {
				switch k {
				case "WTF_CSRF_SSL_STRICT":
					cfg.DisableSSLStrict = !val.(bool)
				case "WTF_CSRF_FIELD_NAME":
					cfg.FieldName = val.(string)
				case "WTF_CSRF_METHODS":
					cfg.Methods = nil
					for _, m := range val.([]any) {
						cfg.Methods = append(cfg.Methods, m.(string))
					}
				default:
					t.Fatalf("config %s not mapped", k)
				}
			}
			field := cfg.FieldName
			if field == "" {
				field = flaskwtf.DefaultFieldName
			}
			s.values[field] = tc.Raw
			c, err := flaskwtf.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			form := url.Values{}
			for k, val := range tc.Form {
				form.Set(k, val)
			}
			scheme := "http://"
			if tc.HTTPS {
				scheme = "https://"
			}
			r := httptest.NewRequest(tc.Method, scheme+tc.Host+"/form", strings.NewReader(form.Encode()))
			if tc.HTTPS {
				r.TLS = &tls.ConnectionState{}
			}
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, val := range tc.Headers {
				r.Header.Set(k, val)
			}
			rec := httptest.NewRecorder()
			c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })).ServeHTTP(rec, r)
			if rec.Code != tc.Status {
				t.Fatalf("status %d (%s), Flask-WTF %d %q", rec.Code, rec.Body, tc.Status, tc.Reason)
			}
			if tc.Status != http.StatusOK && !strings.Contains(rec.Body.String(), tc.Reason) {
				t.Errorf("body %q lacks Flask-WTF's reason %q", rec.Body, tc.Reason)
			}
		})
	}
}
