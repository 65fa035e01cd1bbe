package boltstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/sessionkit/session/store"
)

// logBuffer is a slog text sink safe for bbolt and a test to share.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *logBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: level}))
}

// lines returns the logged lines that contain every one of parts.
func (b *logBuffer) lines(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		match := l != ""
		for _, p := range parts {
			match = match && strings.Contains(l, p)
		}
		if match {
			out = append(out, l)
		}
	}
	return out
}

// What bbolt logs about a database Open opened reaches Options.Logger with
// component=bbolt: here its lines when a write would grow the file past
// MaxSize, at Debug, because the Save returns the error (fails closed) and
// the application reports it once.
func TestBoltErrorsReachTheLogger(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
		var logs logBuffer
		s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Logger: logs.logger(level), SweepInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(s.db.Path())
		if err != nil {
			t.Fatal(err)
		}
		s.db.MaxSize = int(fi.Size()) // no growth allowed: set before any concurrent use
		now := time.Now()
		rec := store.Record{Data: bytes.Repeat([]byte("x"), 1<<20), Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
		if _, err := s.Save(context.Background(), "key", rec); !errors.Is(err, berrors.ErrMaxSizeReached) {
			t.Fatalf("Save past MaxSize: %v, want ErrMaxSizeReached", err)
		}
		s.Close()
		detail := logs.lines("level=DEBUG", "component=bbolt", "maximum db size reached, minSize")
		switch {
		case level == slog.LevelDebug && len(detail) != 1:
			t.Errorf("bbolt's error at DEBUG with component=bbolt: %d lines, want 1; log:\n%s", len(detail), logs.String())
		case level == slog.LevelInfo && logs.String() != "":
			t.Errorf("an Info logger got bbolt's lines:\n%s", logs.String())
		}
		if got := logs.lines("level=ERROR"); len(got) != 0 {
			t.Errorf("bbolt's error logged at ERROR too:\n%s", logs.String())
		}
		if got := logs.lines("Putting key"); len(got) != 0 {
			t.Errorf("bbolt's per-key debug lines were logged:\n%s", strings.Join(got, "\n"))
		}
	}
}

// bbolt's open lines are Debug; a failed open is returned, not logged as
// an error.
func TestBoltOpenLogsAtDebug(t *testing.T) {
	var logs logBuffer
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{Logger: logs.logger(slog.LevelDebug), SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := logs.lines("level=DEBUG", "component=bbolt", "Opening"); len(got) != 2 {
		t.Errorf("bbolt's open lines at DEBUG: %d, want 2; log:\n%s", len(got), logs.String())
	}

	var failed logBuffer
	if _, err := Open(t.TempDir(), Options{Logger: failed.logger(slog.LevelDebug)}); err == nil { // a directory
		t.Fatal("Open of a directory succeeded")
	}
	if got := failed.lines("level=ERROR"); len(got) != 0 {
		t.Errorf("a failed Open also logged an error:\n%s", failed.String())
	}
	if got := failed.lines("level=DEBUG", "component=bbolt", "Opening bbolt db", "failed"); len(got) != 1 {
		t.Errorf("bbolt's open failure at DEBUG: %d lines, want 1; log:\n%s", len(got), failed.String())
	}
}

// Without Options.Logger, bbolt's lines go to slog.Default() as it is when
// they happen; its warnings at Warn.
func TestBoltLoggerDefault(t *testing.T) {
	var logs logBuffer
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	slog.SetDefault(logs.logger(slog.LevelInfo))
	l := &boltLogger{logger: func() *slog.Logger { return slog.Default() }}
	l.Warning("the file", " changed")
	l.Warningf("the file %s", "moved")
	l.Errorf("write %s failed: %v", "page", "EIO")
	l.Infof("opening %s", "x")
	l.Debugf("putting key %q", "k")
	got := logs.String()
	for _, want := range []string{
		`level=WARN msg="the file changed" component=bbolt`,
		`level=WARN msg="the file moved" component=bbolt`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "EIO") || strings.Contains(got, "opening") || strings.Contains(got, "putting") {
		t.Errorf("Error/Info/Debug lines reached an Info logger:\n%s", got)
	}
	func() {
		defer func() {
			if r := recover(); r != "bad page 7" {
				t.Errorf("Panicf recovered %v, want the message", r)
			}
		}()
		l.Panicf("bad page %d", 7)
	}()
	if !strings.Contains(logs.String(), `level=ERROR msg="bad page 7"`) {
		t.Errorf("Panicf did not log:\n%s", logs.String())
	}
}
