package redisstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/store/redisstore"
)

// lockedBuffer is a log sink safe for go-redis's goroutines and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type traceKey struct{}

// traceHandler adds the context's trace value to each record, as a
// handler that reads request attributes from the context would.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if v, ok := ctx.Value(traceKey{}).(string); ok {
		r.AddAttrs(slog.String("trace", v))
	}
	return h.Handler.Handle(ctx, r)
}

// A real go-redis pool line (dialing a port nobody listens on) reaches the
// application's slog through redis.SetLogger(NewLogger(...)): once, at the
// level given, with component=go-redis.
func TestLoggerReceivesGoRedisLines(t *testing.T) {
	var logs lockedBuffer
	h := traceHandler{slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})}
	redis.SetLogger(redisstore.NewLogger(slog.New(h), slog.LevelWarn))
	t.Cleanup(func() { redis.SetLogger(quiet{}) }) // as TestMain set it

	// A port that was free a moment ago: dialing it is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, ContextTimeoutEnabled: true})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err == nil {
		t.Fatal("Ping of a closed port succeeded")
	}

	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, "failed to dial") && strings.Contains(l, addr) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d dial-failure lines, want 1; log:\n%s", len(lines), logs.String())
	}
	l := lines[0]
	for _, want := range []string{"level=WARN", `msg="connection pool: failed to dial`, "component=go-redis"} {
		if !strings.Contains(l, want) {
			t.Errorf("log line lacks %q: %s", want, l)
		}
	}
	if strings.Contains(l, `msg="redis: `) {
		t.Errorf("go-redis's prefix kept: %s", l)
	}
}

// The level is the one given; a level the handler drops is never written;
// the context reaches the handler; nil means slog.Default().
func TestLoggerLevelAndDefault(t *testing.T) {
	var logs lockedBuffer
	info := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))

	redisstore.NewLogger(info, slog.LevelDebug).Printf(context.Background(), "redis: dropped %d", 1)
	if logs.String() != "" {
		t.Errorf("a Debug line reached an Info handler: %s", logs.String())
	}
	traced := slog.New(traceHandler{slog.NewTextHandler(&logs, nil)})
	ctx := context.WithValue(context.Background(), traceKey{}, "req-42")
	redisstore.NewLogger(traced, slog.LevelError).Printf(ctx, "sentinel: new master=%q\n", "m")
	if got := logs.String(); !strings.Contains(got, `level=ERROR msg="sentinel: new master=\"m\"" component=go-redis trace=req-42`+"\n") {
		t.Errorf("log: %s", got)
	}

	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	var def lockedBuffer
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	redisstore.NewLogger(nil, slog.LevelWarn).Printf(context.Background(), "redis: to the default")
	if got := def.String(); !strings.Contains(got, `level=WARN msg="to the default" component=go-redis`) {
		t.Errorf("default logger got: %q", got)
	}
}
