package main

import (
	"errors"
	"log/slog"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
)

// openBolt opens the embedded bbolt store at path.
func openBolt(path string, logger *slog.Logger) (store.Store, error) {
	if path == "" {
		return nil, errors.New("-store bolt:PATH needs a file path")
	}
	return boltstore.Open(path, boltstore.Options{Logger: logger})
}
