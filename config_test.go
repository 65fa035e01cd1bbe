package session_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

func TestConfigValidate(t *testing.T) {
	long := "/" + strings.Repeat("a", 1100)
	tests := []struct {
		name    string
		cfg     session.Config
		wantErr string // substring; "" means valid
	}{
		{"zero config is Flask's default", session.Config{}, ""},
		{"samesite lowercase", session.Config{CookieSameSite: "lax"}, ""},
		{"samesite strict", session.Config{CookieSameSite: "Strict"}, ""},
		{"samesite none with secure", session.Config{CookieSameSite: "None", CookieSecure: true}, ""},
		{"samesite invalid", session.Config{CookieSameSite: "invalid"}, "must be Strict, Lax, None"},
		{"samesite none without secure", session.Config{CookieSameSite: "None"}, "SameSite=None cookies without Secure"},
		{"partitioned implies secure", session.Config{CookiePartitioned: true}, ""},
		{"__Secure- without secure", session.Config{CookieName: "__Secure-s"}, "requires CookieSecure"},
		{"__Secure- with secure", session.Config{CookieName: "__Secure-s", CookieSecure: true}, ""},
		{"__Host- without secure", session.Config{CookieName: "__Host-s"}, "requires CookieSecure"},
		{"__HOST- prefix is case-insensitive", session.Config{CookieName: "__HOST-s"}, "requires CookieSecure"},
		{"__Host- with domain", session.Config{CookieName: "__Host-s", CookieSecure: true, CookieDomain: "example.com"}, "forbids CookieDomain"},
		{"__Host- with path", session.Config{CookieName: "__Host-s", CookieSecure: true, CookiePath: "/app"}, `requires the path "/"`},
		{"__Host- valid", session.Config{CookieName: "__Host-s", CookieSecure: true}, ""},
		{"path over 1024 bytes", session.Config{CookiePath: long}, "over 1024 bytes"},
		{"domain over 1024 bytes", session.Config{CookieDomain: strings.Repeat("a", 1030) + ".com"}, "over 1024 bytes"},
		{"lifetime over 400 days", session.Config{PermanentLifetime: 401 * 24 * time.Hour}, "over 400 days"},
		{"lifetime exactly 400 days", session.Config{PermanentLifetime: 400 * 24 * time.Hour}, ""},
		{"negative lifetime", session.Config{PermanentLifetime: -time.Hour}, "shorter than one second"},
		{"bad cookie name", session.Config{CookieName: "a b"}, "not a valid cookie name"},
		{"cookie name with ;", session.Config{CookieName: "a;b"}, "not a valid cookie name"},
		{"bad domain", session.Config{CookieDomain: "exa mple.com"}, "not a valid domain"},
		{"all-digit domain", session.Config{CookieDomain: "0"}, "not a valid domain"},
		{"domain with empty label", session.Config{CookieDomain: "a..b"}, "not a valid domain"},
		{"IPv4 domain", session.Config{CookieDomain: "192.0.2.1"}, ""},
		{"empty fallback key", session.Config{SecretKey: []byte("k"), SecretKeyFallbacks: [][]byte{nil}}, "SecretKeyFallbacks[0] is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if _, err := session.New(tt.cfg); err != nil {
					t.Fatalf("New() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
			if !errors.Is(err, session.ErrInvalidConfig) {
				t.Errorf("error does not wrap ErrInvalidConfig: %v", err)
			}
			if _, err := session.New(tt.cfg); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	err := (&session.Config{CookieSameSite: "bogus", PermanentLifetime: 500 * 24 * time.Hour}).Validate()
	if err == nil || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "400 days") {
		t.Fatalf("want both problems reported, got %v", err)
	}
}

// The seed's helpers with Flask's defaults.
func TestDefaultHelpers(t *testing.T) {
	var d session.Defaults
	cfg := &session.Config{}
	if got := d.CookieName(cfg, nil); got != "session" {
		t.Errorf("CookieName = %q", got)
	}
	if got := d.CookiePath(cfg); got != "/" {
		t.Errorf("CookiePath = %q", got)
	}
	if got := d.CookiePath(&session.Config{ApplicationRoot: "/root"}); got != "/root" {
		t.Errorf("CookiePath from ApplicationRoot = %q", got)
	}
	if got := d.CookiePath(&session.Config{CookiePath: "/a b", ApplicationRoot: "/root"}); got != "/a%20b" {
		t.Errorf("CookiePath percent-encoding = %q", got)
	}
	if got := d.CookieDomain(&session.Config{CookieDomain: ".example.com"}); got != "example.com" {
		t.Errorf("CookieDomain strips the leading dot like Werkzeug 2.3+: %q", got)
	}
	if !d.CookieHTTPOnly(cfg) || d.CookieHTTPOnly(&session.Config{DisableHTTPOnly: true}) {
		t.Error("CookieHTTPOnly defaults wrong")
	}
	if d.CookieSecure(cfg) || !d.CookieSecure(&session.Config{CookiePartitioned: true}) {
		t.Error("CookieSecure: default false, forced by Partitioned")
	}
	if d.CookieSameSite(cfg) != 0 {
		t.Error("CookieSameSite default should omit the attribute")
	}
	now := time.Unix(1700000000, 0)
	cfgNow := &session.Config{Now: fixedClock(now)}
	perm := session.NewValues(map[string]any{"_permanent": true})
	if got := d.ExpirationTime(cfgNow, perm); !got.Equal(now.Add(31 * 24 * time.Hour)) {
		t.Errorf("ExpirationTime(permanent) = %v", got)
	}
	if got := d.ExpirationTime(cfgNow, session.NewValues(nil)); !got.IsZero() {
		t.Errorf("ExpirationTime(non-permanent) = %v, want zero", got)
	}
	if d.ShouldSetCookie(cfg, session.NewValues(nil)) {
		t.Error("ShouldSetCookie for an unmodified, non-permanent session")
	}
	if !d.ShouldSetCookie(cfg, perm) {
		t.Error("ShouldSetCookie false for a permanent session with refresh on")
	}
	if d.ShouldSetCookie(&session.Config{DisableRefreshEachRequest: true}, session.NewValues(map[string]any{"_permanent": true})) {
		t.Error("ShouldSetCookie true for permanent session with refresh off")
	}
}
