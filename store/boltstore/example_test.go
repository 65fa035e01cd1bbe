package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "boltstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := boltstore.Open(filepath.Join(dir, "sessions.db"), boltstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	now := time.Now()
	rec := store.Record{Data: []byte(`{"cart":3}`), Subject: "user-42", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	v, err := s.Save(ctx, "hashed-session-id", rec) // version 0: create
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved version", v)

	got, ok, err := s.Load(ctx, "hashed-session-id")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok, string(got.Data), got.Version, got.Subject)

	// A save based on a stale version changes nothing.
	_, err = s.Save(ctx, "hashed-session-id", rec)
	fmt.Println(err)
	// Output:
	// saved version 1
	// true {"cart":3} 1 user-42
	// store: version conflict: stored version 1, expected 0
}
