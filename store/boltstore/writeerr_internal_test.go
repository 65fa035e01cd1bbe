package boltstore

import (
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/sessionkit/session/store"
)

// plant puts a nested bucket under key in the store's bucket name, in place
// of the entry there if any: bbolt's Put and Delete of that key then fail
// (ErrIncompatibleValue). It stands for any write error inside a
// transaction, which the store must return, its transaction rolled back.
func plant(t *testing.T, s *Store, name, key []byte) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(name)
		if err := b.Delete(key); err != nil {
			return err
		}
		_, err := b.CreateBucket(key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every write error inside a transaction fails the call, and the
// transaction rolls back: nothing the call did is kept, whichever index
// entry, in whichever position, could not be written.
func TestWriteErrorsFailClosed(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := base.Add(time.Hour)
	later := base.Add(2 * time.Hour)
	k := []byte("k")
	type setup struct {
		s   *Store
		now *time.Time
	}
	// fresh returns a store holding alice's k (version 1, expiring at exp)
	// and, for DeleteSubject, alice's k2 saved after it.
	fresh := func(t *testing.T) setup {
		now := base
		s := openT(t, Options{SweepInterval: -1, Now: func() time.Time { return now }})
		for _, key := range []string{"k", "k2"} {
			r := store.Record{Data: []byte("before"), Subject: "alice", Created: base, LastSeen: base, Expires: exp}
			if _, err := s.Save(ctx, key, r); err != nil {
				t.Fatal(err)
			}
		}
		return setup{s, &now}
	}
	for _, c := range []struct {
		name  string
		plant func(t *testing.T, s *Store)
		call  func(su setup) error
	}{
		{"Delete/subject entry", func(t *testing.T, s *Store) { plant(t, s, bucketSubjects, subjectKey(k, []byte("alice"))) },
			func(su setup) error { return su.s.Delete(ctx, "k") }},
		{"Delete/expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, exp)) },
			func(su setup) error { return su.s.Delete(ctx, "k") }},
		{"CompareAndDelete/subject entry", func(t *testing.T, s *Store) { plant(t, s, bucketSubjects, subjectKey(k, []byte("alice"))) },
			func(su setup) error { return su.s.CompareAndDelete(ctx, "k", 1) }},
		{"CompareAndDelete/expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, exp)) },
			func(su setup) error { return su.s.CompareAndDelete(ctx, "k", 1) }},
		{"Save/old subject entry", func(t *testing.T, s *Store) { plant(t, s, bucketSubjects, subjectKey(k, []byte("alice"))) },
			func(su setup) error {
				_, err := su.s.Save(ctx, "k", store.Record{Data: []byte("after"), Version: 1, Subject: "bob", Expires: exp})
				return err
			}},
		{"Save/new subject entry", func(t *testing.T, s *Store) { plant(t, s, bucketSubjects, subjectKey(k, []byte("bob"))) },
			func(su setup) error {
				_, err := su.s.Save(ctx, "k", store.Record{Data: []byte("after"), Version: 1, Subject: "bob", Expires: exp})
				return err
			}},
		{"Save/old expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, exp)) },
			func(su setup) error {
				_, err := su.s.Save(ctx, "k", store.Record{Data: []byte("after"), Version: 1, Subject: "alice", Expires: later})
				return err
			}},
		{"Save/new expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, later)) },
			func(su setup) error {
				_, err := su.s.Save(ctx, "k", store.Record{Data: []byte("after"), Version: 1, Subject: "alice", Expires: later})
				return err
			}},
		{"Touch/old expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, exp)) },
			func(su setup) error { return su.s.Touch(ctx, "k", base, later) }},
		{"Touch/new expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey(k, later)) },
			func(su setup) error { return su.s.Touch(ctx, "k", base, later) }},
		{"DeleteSubject/subject entry", func(t *testing.T, s *Store) { plant(t, s, bucketSubjects, subjectKey([]byte("k2"), []byte("alice"))) },
			func(su setup) error { _, err := su.s.DeleteSubject(ctx, "alice", ""); return err }},
		{"DeleteSubject/expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey([]byte("k2"), exp)) },
			func(su setup) error { _, err := su.s.DeleteSubject(ctx, "alice", ""); return err }},
		{"Sweep/expiry entry", func(t *testing.T, s *Store) { plant(t, s, bucketExpiry, expiryKey([]byte("k2"), exp)) },
			func(su setup) error { *su.now = exp; _, err := su.s.Sweep(ctx); *su.now = base; return err }},
	} {
		t.Run(c.name, func(t *testing.T) {
			su := fresh(t)
			c.plant(t, su.s)
			err := c.call(su)
			if !errors.Is(err, berrors.ErrIncompatibleValue) {
				t.Errorf("error %v, want the write error (bbolt's ErrIncompatibleValue)", err)
			}
			for _, key := range []string{"k", "k2"} {
				got, ok, err := su.s.Load(ctx, key)
				if err != nil || !ok || string(got.Data) != "before" || got.Version != 1 || got.Subject != "alice" || !got.Expires.Equal(exp) {
					t.Errorf("%s after the failed call: %+v, %v, %v; want it unchanged", key, got, ok, err)
				}
			}
		})
	}
}
