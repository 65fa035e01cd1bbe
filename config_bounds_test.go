package session_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
)

// domainOfLen returns a syntactically plain domain name of exactly n bytes.
func domainOfLen(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strings.Repeat("a", min(63, max(1, n-b.Len()))))
	}
	return b.String()[:n]
}

// The bounds New checks, at exactly the bound and one past it.
func TestConfigBounds(t *testing.T) {
	tests := []struct {
		name    string
		cfg     session.Config
		wantErr string // "" means this problem is not reported
		problem string // the message of the bound checked
	}{
		{"lifetime exactly one second", session.Config{PermanentLifetime: time.Second}, "", "shorter than one second"},
		{"lifetime just under one second", session.Config{PermanentLifetime: time.Second - 1}, "shorter than one second", ""},
		{"lifetime 400 days and 1ns", session.Config{PermanentLifetime: session.MaxLifetime + 1}, "over 400 days", ""},
		{"path of exactly 1024 bytes", session.Config{CookiePath: "/" + strings.Repeat("a", 1023)}, "", "over 1024 bytes"},
		{"path of 1025 bytes", session.Config{CookiePath: "/" + strings.Repeat("a", 1024)}, "over 1024 bytes", ""},
		{"path that quoting makes 1025 bytes", session.Config{CookiePath: "/ " + strings.Repeat("a", 1021)}, "over 1024 bytes", ""},
		{"domain of exactly 1024 bytes", session.Config{CookieDomain: domainOfLen(1024)}, "not a valid domain", "over 1024 bytes"},
		{"domain of 1025 bytes", session.Config{CookieDomain: domainOfLen(1025)}, "over 1024 bytes", ""},
		{"cookie name with DEL", session.Config{CookieName: "a\x7fb"}, "not a valid cookie name", ""},
		{"cookie name with ~ (0x7e)", session.Config{CookieName: "a~b!"}, "", "not a valid cookie name"},
		{"negative MaxInflate", session.Config{MaxInflate: -1}, "MaxInflate -1 is negative", ""},
		{"signing options the signer refuses", session.Config{SecretKey: []byte("k"), Signing: signing.Options{KeyDerivation: "bogus"}}, "bogus", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.problem != "" && err != nil && strings.Contains(err.Error(), tt.problem) {
				t.Errorf("Validate() = %v: reports %q at the bound", err, tt.problem)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, session.ErrInvalidConfig) {
				t.Errorf("Validate() = %v, want ErrInvalidConfig containing %q", err, tt.wantErr)
			}
			if _, err := session.New(tt.cfg); err == nil {
				t.Error("New accepted the config")
			}
		})
	}
}

// Config.Signer: nil without a key, the Config's error for an invalid one,
// and a signer honouring MaxInflate otherwise.
func TestConfigSigner(t *testing.T) {
	if s, err := (&session.Config{}).Signer(); s != nil || err != nil {
		t.Errorf("Signer() without a key = %v, %v; want nil, nil", s, err)
	}
	if s, err := (&session.Config{SecretKey: []byte("k"), CookieName: "a b"}).Signer(); s != nil || !errors.Is(err, session.ErrInvalidConfig) {
		t.Errorf("Signer() of an invalid config = %v, %v; want ErrInvalidConfig", s, err)
	}

	payload := []byte(`{"a":"` + strings.Repeat("x", 300) + `"}`)
	key := []byte("dev-secret-key-1")
	cookie := func() string {
		s, err := (&session.Config{SecretKey: key}).Signer()
		if err != nil || s == nil {
			t.Fatalf("Signer() = %v, %v", s, err)
		}
		return s.Sign(payload)
	}()
	if !strings.HasPrefix(cookie, ".") {
		t.Fatalf("the payload was not compressed: %q", cookie)
	}
	for _, tc := range []struct {
		maxInflate int
		ok         bool
	}{{0, true}, {len(payload), true}, {len(payload) - 1, false}} {
		s, err := (&session.Config{SecretKey: key, MaxInflate: tc.maxInflate}).Signer()
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := s.Verify(cookie, 0)
		if ok := err == nil && string(got) == string(payload); ok != tc.ok {
			t.Errorf("MaxInflate %d: Verify = %d bytes, %v; want ok=%v", tc.maxInflate, len(got), err, tc.ok)
		}
	}
}

// Issue 12 item 5: no silent fallback. The helpers given a Config that
// never went through New read its own values — an invalid one is not
// silently replaced by Flask's defaults (New rejects it, naming each
// problem) — and Flask's defaults only for its zero fields.
func TestDefaultHelpersInvalidConfig(t *testing.T) {
	var d session.Defaults
	cfg := &session.Config{CookieName: "a b", CookiePath: "/x", CookieDomain: "example.com", CookieSecure: true,
		CookieSameSite: "bogus", PermanentLifetime: time.Hour}
	if _, err := session.New(*cfg); !errors.Is(err, session.ErrInvalidConfig) {
		t.Fatalf("New accepted the invalid Config: %v", err)
	}
	if got := d.CookieName(cfg, httptest.NewRequest("GET", "/", nil)); got != "a b" {
		t.Errorf("CookieName = %q, want the Config's own", got)
	}
	if got := d.CookiePath(cfg); got != "/x" {
		t.Errorf("CookiePath = %q, want /x", got)
	}
	if got := d.CookieDomain(cfg); got != "example.com" {
		t.Errorf("CookieDomain = %q, want example.com", got)
	}
	if !d.CookieSecure(cfg) || d.CookieSameSite(cfg) != 0 {
		t.Errorf("CookieSecure = %v, CookieSameSite = %v; want true and none", d.CookieSecure(cfg), d.CookieSameSite(cfg))
	}
	now := time.Unix(1700000000, 0)
	cfg.Now = fixedClock(now)
	perm := session.NewValues(map[string]any{"_permanent": true})
	if got := d.ExpirationTime(cfg, perm); !got.Equal(now.Add(time.Hour)) {
		t.Errorf("ExpirationTime = %v, want the Config's lifetime", got)
	}
	if got := d.CookieName(&session.Config{}, httptest.NewRequest("GET", "/", nil)); got != "session" {
		t.Errorf("CookieName of the zero Config = %q, want Flask's default", got)
	}
}
