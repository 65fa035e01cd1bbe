package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// Logger passes go-redis's log lines to a [*slog.Logger]. go-redis has one
// logger for the whole process, set with [redis.SetLogger], and by default
// it prints to standard error (during a Redis outage, a few lines per
// request: "connection pool: failed to dial after 5 attempts: ..."). A
// library should not replace a process-wide setting behind the
// application's back, so redisstore never installs a Logger itself: the
// application does, once, before it creates its clients:
//
//	redis.SetLogger(redisstore.NewLogger(logger, slog.LevelWarn))
//
// Each line becomes one record at the level given, with the attribute
// component=go-redis, the line's own "redis: " prefix removed, and the
// context go-redis passes, so a handler can read its attributes (go-redis
// dials with a context of its own: a pool line carries no request's
// values). A Logger is safe for concurrent use.
type Logger struct {
	logger *slog.Logger
	level  slog.Level
}

// NewLogger returns a Logger that writes go-redis's lines to logger (nil
// means [slog.Default] at each line) at level. go-redis's lines carry no
// level of their own: most report failures it also returns to the caller
// (a dial or a command that failed), so slog.LevelWarn suits most
// applications; slog.LevelDebug keeps them out of a production log.
func NewLogger(logger *slog.Logger, level slog.Level) *Logger {
	return &Logger{logger: logger, level: level}
}

// Printf implements go-redis's logging interface (redis.SetLogger's
// argument).
func (l *Logger) Printf(ctx context.Context, format string, v ...any) {
	lg := l.logger
	if lg == nil {
		lg = slog.Default()
	}
	if !lg.Enabled(ctx, l.level) {
		return
	}
	msg := strings.TrimSuffix(fmt.Sprintf(format, v...), "\n")
	msg = strings.TrimPrefix(msg, "redis: ")
	lg.Log(ctx, l.level, msg, slog.String("component", "go-redis"))
}
