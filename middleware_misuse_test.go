package session_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// logRecords is a slog.Handler that keeps every record.
type logRecords struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r)
	l.mu.Unlock()
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// at returns the messages (with their attributes) logged at level.
func (l *logRecords) at(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level != level {
			continue
		}
		var b strings.Builder
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		out = append(out, b.String())
	}
	return out
}

// A write to the session of a request that never passed through the
// middleware cannot reach an error handler: it fails with ErrNoMiddleware
// and the first such failure of the process is logged at level Error
// through slog.Default.
func TestSetWithoutMiddlewareIsReported(t *testing.T) {
	logs := &logRecords{}
	old := slog.Default()
	slog.SetDefault(slog.New(logs))
	defer slog.SetDefault(old)
	session.ResetNoMiddlewareReport()

	for i := range 3 {
		r := httptest.NewRequest("GET", "/", nil)
		if err := session.From(r).Set("user", "alice"); !errors.Is(err, session.ErrNoMiddleware) {
			t.Fatalf("write %d: %v, want ErrNoMiddleware", i, err)
		}
	}
	s, _ := session.Load(httptest.NewRequest("GET", "/", nil))
	_ = s.Update(map[string]any{"a": 1})
	got := logs.at(slog.LevelError)
	if len(got) != 1 || !strings.Contains(got[0], "Manager.Handler") {
		t.Errorf("logged %q, want one Error record naming Manager.Handler", got)
	}
	// Reads are not misuse.
	session.ResetNoMiddlewareReport()
	session.From(httptest.NewRequest("GET", "/", nil)).Get("user")
	if got := logs.at(slog.LevelError); len(got) > 1 {
		t.Errorf("a read was reported: %q", got)
	}
}

// An empty SecretKey is accepted (Flask's null session) but New says so
// once, at level Warn through Config.Logger; a key or a Codec silences it.
func TestNewWarnsWithoutSecretKey(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg   session.Config
		warns int
	}{
		"no key":    {session.Config{}, 1},
		"empty key": {session.Config{SecretKey: []byte{}}, 1},
		"key":       {session.Config{SecretKey: []byte("k")}, 0},
		"codec":     {session.Config{Interface: &session.SecureCookie{Codec: nopCodec{}}}, 0},
	} {
		t.Run(name, func(t *testing.T) {
			logs := &logRecords{}
			tc.cfg.Logger = slog.New(logs)
			m, err := session.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := logs.at(slog.LevelWarn)
			if len(got) != tc.warns {
				t.Fatalf("New logged %q, want %d Warn records", got, tc.warns)
			}
			if tc.warns > 0 && !strings.Contains(got[0], "SecretKey") {
				t.Errorf("warning %q does not name SecretKey", got[0])
			}
			// Serving requests adds no further warning.
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("x") }))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			if got := logs.at(slog.LevelWarn); len(got) != tc.warns {
				t.Errorf("after a request: %q", got)
			}
		})
	}
}

// nopCodec stores the payload as it is.
type nopCodec struct{}

func (nopCodec) Encode(dst []byte, name string, payload []byte, _ time.Time, _ time.Duration) ([]byte, error) {
	return append(dst, payload...), nil
}
func (nopCodec) Decode(dst []byte, name, value string, _ time.Time, _ time.Duration) ([]byte, time.Time, bool, error) {
	return append(dst, value...), time.Time{}, false, nil
}
