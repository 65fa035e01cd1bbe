package main

import (
	"errors"
	"log/slog"

	"github.com/sessionkit/session/store"
)

// openBolt opens the embedded bbolt store at path.
func openBolt(path string, logger *slog.Logger) (store.Store, error) {
	if path == "" {
		return nil, errors.New("-store bolt:PATH needs a file path")
	}
	return nil, errors.New("bolt store not built yet")
}
