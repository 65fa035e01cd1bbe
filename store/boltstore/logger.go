package boltstore

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	bolt "go.etcd.io/bbolt"
)

// boltLogger passes what bbolt logs about a database that Open opened to
// the Store's slog.Logger, with component=bbolt. bbolt logs each error
// where it happens and again at every level it passes through (a failed
// commit is four lines), and the Store's methods return every one of them:
// so bbolt's errors, like its Info lines (two at every open, listing the
// options), are Debug, the detail behind an error the application reports
// once. Its warnings (a database file replaced underneath) are not
// returned and stay Warn. Its Debug lines (one per transaction, bucket and
// key written) are dropped.
type boltLogger struct {
	logger func() *slog.Logger // Options.Logger or slog.Default(), resolved at each record
}

var _ bolt.Logger = (*boltLogger)(nil)

func (l *boltLogger) log(level slog.Level, msg string) {
	l.logger().Log(context.Background(), level, msg, slog.String("component", "bbolt"))
}

func (l *boltLogger) enabled(level slog.Level) bool {
	return l.logger().Enabled(context.Background(), level)
}

func (l *boltLogger) Debug(...any)          {}
func (l *boltLogger) Debugf(string, ...any) {}

func (l *boltLogger) Info(v ...any) { l.logv(slog.LevelDebug, v) }
func (l *boltLogger) Infof(format string, v ...any) {
	l.logf(slog.LevelDebug, format, v)
}
func (l *boltLogger) Warning(v ...any) { l.logv(slog.LevelWarn, v) }
func (l *boltLogger) Warningf(format string, v ...any) {
	l.logf(slog.LevelWarn, format, v)
}
func (l *boltLogger) Error(v ...any) { l.logv(slog.LevelDebug, v) }
func (l *boltLogger) Errorf(format string, v ...any) {
	l.logf(slog.LevelDebug, format, v)
}

// Fatal and Panic keep bolt.Logger's contract (bbolt v1.5 calls neither):
// the message is logged at Error, then the process exits or the goroutine
// panics with it.
func (l *boltLogger) Fatal(v ...any) { l.logv(slog.LevelError, v); os.Exit(1) }
func (l *boltLogger) Fatalf(format string, v ...any) {
	l.logf(slog.LevelError, format, v)
	os.Exit(1)
}
func (l *boltLogger) Panic(v ...any) {
	msg := fmt.Sprint(v...)
	l.log(slog.LevelError, msg)
	panic(msg)
}
func (l *boltLogger) Panicf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log(slog.LevelError, msg)
	panic(msg)
}

func (l *boltLogger) logv(level slog.Level, v []any) {
	if l.enabled(level) {
		l.log(level, fmt.Sprint(v...))
	}
}

func (l *boltLogger) logf(level slog.Level, format string, v []any) {
	if l.enabled(level) {
		l.log(level, fmt.Sprintf(format, v...))
	}
}
