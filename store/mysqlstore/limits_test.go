package mysqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/mysqlstore"
)

// Each limit holds exactly at the limit, on every method that takes the
// value, and refuses one byte more with its sentinel before anything
// reaches the server.
func TestLimits(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db), SweepInterval: -1})
	t.Run("Key", func(t *testing.T) {
		at := strings.Repeat("\xff", mysqlstore.MaxKeyLen) // bytes, not characters
		v, err := s.Save(ctx, at, rec("x", time.Hour))
		if err != nil {
			t.Fatalf("Save of a %d-byte key: %v", len(at), err)
		}
		if _, ok, err := s.Load(ctx, at); !ok || err != nil {
			t.Errorf("Load of a %d-byte key: %v %v", len(at), ok, err)
		}
		if err := s.Touch(ctx, at, time.Now(), time.Now().Add(time.Hour)); err != nil {
			t.Error(err)
		}
		if err := s.CompareAndDelete(ctx, at, v); err != nil {
			t.Error(err)
		}
		over := at + "k"
		checks := map[string]error{"Delete": s.Delete(ctx, over), "CompareAndDelete": s.CompareAndDelete(ctx, over, 0),
			"Touch": s.Touch(ctx, over, time.Now(), time.Now())}
		_, checks["Save"] = s.Save(ctx, over, rec("x", time.Hour))
		_, _, checks["Load"] = s.Load(ctx, over)
		for name, err := range checks {
			if !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("%s of a %d-byte key: %v, want ErrInvalidKey", name, len(over), err)
			}
		}
	})
	t.Run("Subject", func(t *testing.T) {
		at := strings.Repeat("s", mysqlstore.MaxSubjectLen)
		r := rec("x", time.Hour)
		r.Subject = at
		if _, err := s.Save(ctx, "subject", r); err != nil {
			t.Fatalf("Save with a %d-byte subject: %v", len(at), err)
		}
		if infos, err := s.Sessions(ctx, at); err != nil || len(infos) != 1 || infos[0].Subject != at {
			t.Errorf("Sessions of a %d-byte subject: %d, %v", len(at), len(infos), err)
		}
		over := at + "s"
		r.Subject = over
		if _, err := s.Save(ctx, "subject-over", r); !errors.Is(err, mysqlstore.ErrTooLarge) {
			t.Errorf("Save with a %d-byte subject: %v, want ErrTooLarge", len(over), err)
		}
		if infos, err := s.Sessions(ctx, over); err != nil || len(infos) != 0 {
			t.Errorf("Sessions of a %d-byte subject: %v, %v; want none (no record can have it)", len(over), infos, err)
		}
		if n, err := s.DeleteSubject(ctx, over, ""); err != nil || n != 0 {
			t.Errorf("DeleteSubject of a %d-byte subject: %d, %v", len(over), n, err)
		}
		if n, err := s.DeleteSubject(ctx, at, ""); err != nil || n != 1 {
			t.Errorf("DeleteSubject of a %d-byte subject: %d, %v; want 1", len(at), n, err)
		}
	})
	t.Run("Meta", func(t *testing.T) {
		// {"a":"…"} is 8 bytes around the value.
		r := rec("x", time.Hour)
		r.Meta = map[string]string{"a": strings.Repeat("m", mysqlstore.MaxMetaLen-8)}
		if _, err := s.Save(ctx, "meta", r); err != nil {
			t.Fatalf("Save with %d bytes of metadata: %v", mysqlstore.MaxMetaLen, err)
		}
		if got, _, err := s.Load(ctx, "meta"); err != nil || got.Meta["a"] != r.Meta["a"] {
			t.Errorf("metadata at the limit changed: %d bytes, %v", len(got.Meta["a"]), err)
		}
		r.Meta["a"] += "m"
		if _, err := s.Save(ctx, "meta-over", r); !errors.Is(err, mysqlstore.ErrTooLarge) {
			t.Errorf("Save with %d bytes of metadata: %v, want ErrTooLarge", mysqlstore.MaxMetaLen+1, err)
		}
	})
	t.Run("DefaultMaxDataSize", func(t *testing.T) {
		r := rec("", time.Hour)
		r.Data = bytes.Repeat([]byte{0, 'x', '\'', '\\', 0xff}, mysqlstore.DefaultMaxDataSize/5+1)[:mysqlstore.DefaultMaxDataSize]
		if _, err := s.Save(ctx, "data", r); err != nil {
			t.Fatalf("Save of %d bytes: %v", len(r.Data), err)
		}
		if got, _, err := s.Load(ctx, "data"); err != nil || !bytes.Equal(got.Data, r.Data) {
			t.Errorf("%d bytes of data changed (%d loaded, %v)", len(r.Data), len(got.Data), err)
		}
		r.Data = append(r.Data, 'x')
		if _, err := s.Save(ctx, "data-over", r); !errors.Is(err, mysqlstore.ErrTooLarge) {
			t.Errorf("Save of %d bytes: %v, want ErrTooLarge", len(r.Data), err)
		}
		r.Version = 1
		if _, err := s.Save(ctx, "data", r); !errors.Is(err, mysqlstore.ErrTooLarge) {
			t.Errorf("an update to %d bytes: %v, want ErrTooLarge", len(r.Data), err)
		}
	})
	t.Run("MaxDataSize", func(t *testing.T) {
		small := newStore(t, db, mysqlstore.Options{Table: testTable(t, db), SweepInterval: -1, MaxDataSize: 100})
		r := rec(strings.Repeat("d", 100), time.Hour)
		if _, err := small.Save(ctx, "k", r); err != nil {
			t.Fatalf("Save of 100 bytes with MaxDataSize 100: %v", err)
		}
		r.Data = append(r.Data, 'd')
		r.Version = 1
		if _, err := small.Save(ctx, "k", r); !errors.Is(err, mysqlstore.ErrTooLarge) {
			t.Errorf("Save of 101 bytes with MaxDataSize 100: %v, want ErrTooLarge", err)
		}
		if got, _, _ := small.Load(ctx, "k"); len(got.Data) != 100 || got.Version != 1 {
			t.Errorf("after the refused save: %d bytes, version %d", len(got.Data), got.Version)
		}
	})
	if n := count(t, db, s); n != 2 {
		t.Errorf("%d rows, want 2 (meta, data): a refused value was written", n)
	}
}

// Versions are BIGINT UNSIGNED: a record may reach version
// math.MaxUint64-1 and be saved once more, to math.MaxUint64, and deleted
// there; a save from math.MaxUint64 has no next version and is a conflict,
// never a database error.
func TestVersionLimits(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db), SweepInterval: -1})
	r := rec("x", time.Hour)
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE "+s.Table()+" SET version = ? WHERE k = 'k'", uint64(math.MaxUint64-1)); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.Load(ctx, "k"); err != nil || got.Version != math.MaxUint64-1 {
		t.Fatalf("Load at version MaxUint64-1: %d, %v", got.Version, err)
	}
	r.Version = math.MaxUint64 - 1
	if v, err := s.Save(ctx, "k", r); err != nil || v != math.MaxUint64 {
		t.Fatalf("Save at version MaxUint64-1 = %d, %v; want MaxUint64", v, err)
	}
	r.Version = math.MaxUint64
	if _, err := s.Save(ctx, "k", r); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Save at version MaxUint64: %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "k", math.MaxUint64-1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(k, MaxUint64-1): %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "k", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(k, 0) of a record at MaxUint64: %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "k", math.MaxUint64); err != nil {
		t.Errorf("CompareAndDelete(k, MaxUint64) of a record at that version: %v", err)
	}
	if _, ok, _ := s.Load(ctx, "k"); ok {
		t.Error("the record survived CompareAndDelete at version MaxUint64")
	}
}

// A canceled context comes first: every method returns the context's
// error, even for arguments it would refuse or answer without the server
// (an empty or oversized key or subject, data over the limit).
func TestCanceledContextComesFirst(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db), SweepInterval: -1, MaxDataSize: 10})
	c, cancel := context.WithCancel(ctx)
	cancel()
	long := strings.Repeat("x", mysqlstore.MaxSubjectLen+1)
	checks := map[string]error{"Delete": s.Delete(c, ""), "CompareAndDelete": s.CompareAndDelete(c, "", 0),
		"Touch": s.Touch(c, "", time.Now(), time.Now()), "Migrate": s.Migrate(c)}
	_, _, checks["Load"] = s.Load(c, "")
	_, checks["Save"] = s.Save(c, "k", rec(strings.Repeat("d", 11), time.Hour))
	_, checks["Sessions"] = s.Sessions(c, "")
	_, checks["Sessions(long)"] = s.Sessions(c, long)
	_, checks["DeleteSubject"] = s.DeleteSubject(c, "", "")
	_, checks["DeleteSubject(long)"] = s.DeleteSubject(c, long, "")
	_, checks["Sweep"] = s.Sweep(c)
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: %v, want context.Canceled", name, err)
		}
	}
}
