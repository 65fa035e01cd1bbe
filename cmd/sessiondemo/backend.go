package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// backend is where the demo keeps sessions: nil iface means the signed cookie.
type backend struct {
	iface *serverside.Interface
	st    store.Store
}

func (b *backend) close() {
	if c, ok := b.st.(io.Closer); ok {
		_ = c.Close()
	}
}

// openBackend parses -store: cookie, memory, or bolt:PATH.
func openBackend(spec string, logger *slog.Logger) (*backend, error) {
	var st store.Store
	switch {
	case spec == "cookie":
		return &backend{}, nil
	case spec == "memory":
		st = memstore.New(memstore.Options{SweepInterval: time.Minute})
	case strings.HasPrefix(spec, "bolt:"):
		s, err := openBolt(strings.TrimPrefix(spec, "bolt:"), logger)
		if err != nil {
			return nil, err
		}
		st = s
	default:
		return nil, fmt.Errorf("-store %q: want cookie, memory or bolt:PATH", spec)
	}
	iface, err := serverside.New(serverside.Options{Store: st, IdleTimeout: 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	return &backend{iface: iface, st: st}, nil
}
