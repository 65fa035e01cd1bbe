package pgstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/pgstore"
)

// Sessions orders ties on Created by key in byte order, as the contract
// says, even when the key column has a collation that orders otherwise
// (a database created with en_US.UTF-8, or an ICU collation): "B" sorts
// before "a" in bytes but after it in such collations.
func TestSessionsOrderIgnoresCollation(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool), SweepInterval: -1})
	var coll string
	err := pool.QueryRow(ctx, `SELECT collname FROM pg_collation WHERE collname IN ('und-x-icu', 'en_US.utf8', 'en_US') ORDER BY collname LIMIT 1`).Scan(&coll)
	if err != nil {
		t.Skipf("no collation that orders case-insensitively in this server: %v", err)
	}
	if _, err := pool.Exec(ctx, "ALTER TABLE "+s.Table()+" ALTER COLUMN key TYPE text COLLATE "+pgx.Identifier{coll}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	created := time.Now().Truncate(time.Second)
	for _, k := range []string{"b", "a", "B", "A"} {
		r := store.Record{Data: []byte(k), Subject: "alice", Created: created, LastSeen: created, Expires: created.Add(time.Hour)}
		if _, err := s.Save(ctx, k, r); err != nil {
			t.Fatal(err)
		}
	}
	infos, err := s.Sessions(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range infos {
		got = append(got, in.Key)
	}
	if want := []string{"A", "B", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("Sessions with the key column in collation %s: %q, want %q (byte order)", coll, got, want)
	}
}
