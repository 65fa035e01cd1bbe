package pgstore_test

import (
	"errors"
	"math"
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

// Versions are a bigint in PostgreSQL: a record may reach version
// math.MaxInt64 and be saved and deleted there; a save that would take it
// further, and any version above math.MaxInt64, is a conflict (no row can
// have it), never a database error.
func TestVersionLimits(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool), SweepInterval: -1})
	r := store.Record{Data: []byte("x"), Created: time.Now(), LastSeen: time.Now(), Expires: time.Now().Add(time.Hour)}
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE "+s.Table()+" SET version = $1 WHERE key = 'k'", int64(math.MaxInt64-1)); err != nil {
		t.Fatal(err)
	}
	r.Version = math.MaxInt64 - 1
	if v, err := s.Save(ctx, "k", r); err != nil || v != math.MaxInt64 {
		t.Fatalf("Save at version MaxInt64-1 = %d, %v; want MaxInt64", v, err)
	}
	for _, v := range []uint64{math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64} {
		r.Version = v
		if _, err := s.Save(ctx, "k", r); !errors.Is(err, store.ErrConflict) {
			t.Errorf("Save at version %d: %v, want ErrConflict", v, err)
		}
		if v > math.MaxInt64 {
			if err := s.CompareAndDelete(ctx, "k", v); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CompareAndDelete(k, %d): %v, want ErrConflict", v, err)
			}
		}
	}
	if got, ok, err := s.Load(ctx, "k"); err != nil || !ok || got.Version != math.MaxInt64 {
		t.Fatalf("after the refused saves: %+v %v %v, want version MaxInt64", got, ok, err)
	}
	if err := s.CompareAndDelete(ctx, "k", math.MaxInt64); err != nil {
		t.Errorf("CompareAndDelete(k, MaxInt64) of a record at that version: %v", err)
	}
	if _, ok, _ := s.Load(ctx, "k"); ok {
		t.Error("the record survived CompareAndDelete at version MaxInt64")
	}
}
