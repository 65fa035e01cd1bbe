package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
)

func Example() {
	dir, err := os.MkdirTemp("", "sqlitestore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "app.db"), sqlitestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	now := time.Now()
	rec := store.Record{Data: []byte(`{"cart":3}`), Subject: "user-42", Created: now, LastSeen: now, Expires: now.Add(time.Hour)}
	v, err := st.Save(ctx, "hashed-session-id", rec) // version 0: create
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("saved version", v)

	got, ok, err := st.Load(ctx, "hashed-session-id")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok, string(got.Data), got.Version, got.Subject)

	// A save based on a stale version changes nothing.
	_, err = st.Save(ctx, "hashed-session-id", rec)
	fmt.Println(errors.Is(err, store.ErrConflict))

	infos, err := st.Sessions(ctx, "user-42")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(infos), infos[0].Key)
	// Output:
	// saved version 1
	// true {"cart":3} 1 user-42
	// true
	// 1 hashed-session-id
}
