package mysqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/mysqlstore"
)

// clockDB is a *sql.DB of one connection whose clock the test sets: the
// session variable timestamp fixes what UTC_TIMESTAMP returns, which is
// the clock the store reads in every statement.
type clockDB struct {
	*sql.DB
	t *testing.T
}

func newClockDB(t *testing.T) clockDB {
	db := newDB(t)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	return clockDB{db, t}
}

// set makes the database's now tm, to the microsecond.
func (c clockDB) set(tm time.Time) {
	c.t.Helper()
	us := tm.UnixMicro()
	if _, err := c.ExecContext(ctx, fmt.Sprintf("SET timestamp = %d.%06d", us/1e6, us%1e6)); err != nil {
		c.t.Fatal(err)
	}
	var now int64
	if err := c.QueryRowContext(ctx, "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))").Scan(&now); err != nil || now != us {
		c.t.Fatalf("the database clock reads %d, %v; want %d", now, err, us)
	}
}

// The database clock is the truth, to the microsecond: a record is live
// until the database's now reaches its Expires and gone from that instant
// (Load, Sessions, Save, CompareAndDelete, Touch and Sweep agree), whatever
// the app server's clock says. An Expires between two microseconds is
// kept truncated: a record never lives past its Expires.
func TestExpiryBoundariesOnTheDatabaseClock(t *testing.T) {
	db := newClockDB(t)
	s := newStore(t, db.DB, mysqlstore.Options{Table: testTable(t, db.DB), SweepInterval: -1})
	// Far from the app's clock on purpose: only the database's counts.
	T := time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)
	r := store.Record{Data: []byte("edge"), Subject: "alice", Created: T.Add(-time.Hour), LastSeen: T.Add(-time.Hour), Expires: T.Add(time.Microsecond)}
	save := func(key string, r store.Record) {
		t.Helper()
		if _, err := s.Save(ctx, key, r); err != nil {
			t.Fatalf("Save(%s): %v", key, err)
		}
	}
	loads := func(key string) bool {
		t.Helper()
		_, ok, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	db.set(T.Add(-time.Hour))
	save("edge", r)
	at := r
	at.Expires = T
	save("at", at)
	sub := r
	sub.Expires = T.Add(999 * time.Nanosecond)
	save("sub", sub)

	db.set(T.Add(-time.Microsecond))
	if !loads("at") {
		t.Error("a record expiring at T is gone at T-1µs")
	}
	db.set(T)
	for key, want := range map[string]bool{"edge": true, "at": false, "sub": false} {
		if got := loads(key); got != want {
			t.Errorf("at T: %s loads %v, want %v", key, got, want)
		}
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "edge" {
		t.Errorf("Sessions at T = %+v, %v; want edge only", infos, err)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 2 {
		t.Errorf("Sweep at T = %d, %v; want 2 (at and sub, not edge, which expires 1µs later)", n, err)
	}
	if !loads("edge") {
		t.Fatal("Sweep at T deleted a record live until T+1µs")
	}
	if err := s.Touch(ctx, "edge", T, T.Add(time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndDelete(ctx, "edge", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(edge, 0) at T: %v, want ErrConflict (it is live)", err)
	}

	db.set(T.Add(time.Microsecond))
	if loads("edge") {
		t.Error("a record expiring at T+1µs loads at T+1µs")
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 0 {
		t.Errorf("Sessions at T+1µs = %+v, %v; want none", infos, err)
	}
	if err := s.Touch(ctx, "edge", T, T.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if loads("edge") {
		t.Error("Touch at the instant of expiry revived the record")
	}
	if err := s.CompareAndDelete(ctx, "edge", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(edge, 1) at its expiry: %v, want ErrConflict (it counts as version 0)", err)
	}
	if err := s.CompareAndDelete(ctx, "edge", 0); err != nil {
		t.Errorf("CompareAndDelete(edge, 0) at its expiry: %v", err)
	}
	late := r
	late.Version = 1
	if _, err := s.Save(ctx, "edge", late); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Save(edge, version 1) at its expiry: %v, want ErrConflict", err)
	}
	fresh := r
	fresh.Data, fresh.Expires = []byte("fresh"), T.Add(time.Hour)
	save("edge", fresh)
	if got, ok, err := s.Load(ctx, "edge"); err != nil || !ok || string(got.Data) != "fresh" || got.Version != 1 {
		t.Errorf("the key of an expired record re-created: %+v %v %v", got, ok, err)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep after the re-creation = %d, %v; want 0", n, err)
	}
}

// Times are kept to the microsecond; the years 1 to 9999 are accepted,
// others refused with an error before anything is written.
func TestTimeRange(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db), SweepInterval: -1})
	now := time.Now()
	r := store.Record{Data: []byte("x"), Created: time.Time{}, LastSeen: now, Expires: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Load(ctx, "k")
	if err != nil || !ok || !got.Created.IsZero() || !got.LastSeen.Equal(now.Truncate(time.Microsecond)) ||
		!got.Expires.Equal(time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)) {
		t.Errorf("Load = %+v %v %v", got, ok, err)
	}
	for _, bad := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}.Add(-time.Nanosecond)} {
		b := r
		b.LastSeen = bad
		if _, err := s.Save(ctx, "bad", b); err == nil {
			t.Errorf("Save with LastSeen %v succeeded", bad)
		}
		b = r
		b.Expires = bad
		if _, err := s.Save(ctx, "bad", b); err == nil {
			t.Errorf("Save with Expires %v succeeded", bad)
		}
		if err := s.Touch(ctx, "k", bad, now.Add(time.Hour)); err == nil {
			t.Errorf("Touch with LastSeen %v succeeded", bad)
		}
	}
	if _, ok, _ := s.Load(ctx, "bad"); ok {
		t.Error("a refused save wrote a record")
	}
}
