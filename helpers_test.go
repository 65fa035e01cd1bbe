package session_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
)

// t0 is the frozen clock of the Flask vectors.
var t0 = time.Unix(1700000000, 0).UTC()

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// newManager returns a Manager with the vectors' key unless cfg sets one. The
// clock is real unless cfg sets Now: a cookie jar drops cookies whose Expires
// lies in the past of the real clock.
func newManager(t testing.TB, cfg session.Config) *session.Manager {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = []byte("dev-secret-key-1")
	}
	if cfg.Logger == nil {
		cfg.Logger = discardLogger()
	}
	m, err := session.New(cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return m
}

// client serves mux behind m's middleware.
func client(m *session.Manager, routes map[string]http.HandlerFunc) *sessiontest.Client {
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	return sessiontest.NewClient(m.Handler(mux))
}

// cookieAttrs parses a Set-Cookie header into name=value and its attributes
// (lower-cased names), so tests compare attributes without caring for order.
func cookieAttrs(header string) (nameValue string, attrs map[string]string) {
	parts := strings.Split(header, ";")
	attrs = map[string]string{}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		k, v, _ := strings.Cut(p, "=")
		attrs[strings.ToLower(k)] = v
	}
	return strings.TrimSpace(parts[0]), attrs
}

func sameCookie(t *testing.T, got, want string) {
	t.Helper()
	gnv, ga := cookieAttrs(got)
	wnv, wa := cookieAttrs(want)
	if gnv != wnv {
		t.Errorf("cookie value:\n got %s\nwant %s", gnv, wnv)
	}
	if len(ga) != len(wa) {
		t.Errorf("attributes: got %v, want %v", ga, wa)
	}
	for k, v := range wa {
		if gv, ok := ga[k]; !ok || gv != v {
			t.Errorf("attribute %s: got %q (present %v), want %q", k, gv, ok, v)
		}
	}
}

func setCookies(res *sessiontest.Response) []string { return res.Header.Values("Set-Cookie") }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
