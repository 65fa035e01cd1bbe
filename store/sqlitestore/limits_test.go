package sqlitestore_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
)

// Keys: 1 to store.MaxKeyLen bytes, any bytes (NUL and invalid UTF-8
// included, kept exactly); the empty key and one byte over the limit are
// ErrInvalidKey for every method that takes a key.
func TestKeyLimits(t *testing.T) {
	s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
	now := time.Now()
	atLimit := strings.Repeat("k", store.MaxKeyLen)
	for _, k := range []string{atLimit, "\xff\xfe", "a\x00", "a"} {
		mustSave(t, s, k, rec(now, "value of "+k, time.Hour))
	}
	for _, k := range []string{atLimit, "\xff\xfe", "a\x00", "a"} {
		if got, ok := loaded(t, s, k); !ok || string(got.Data) != "value of "+k {
			t.Errorf("key %q: %q %v", k, got.Data, ok)
		}
	}
	for _, k := range []string{"", atLimit + "k"} {
		checks := map[string]error{}
		_, _, checks["Load"] = s.Load(ctx, k)
		_, checks["Save"] = s.Save(ctx, k, rec(now, "x", time.Hour))
		checks["Delete"] = s.Delete(ctx, k)
		checks["CompareAndDelete"] = s.CompareAndDelete(ctx, k, 0)
		checks["Touch"] = s.Touch(ctx, k, now, now.Add(time.Hour))
		for name, err := range checks {
			if !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("%s with a key of %d bytes: %v, want ErrInvalidKey", name, len(k), err)
			}
		}
	}
}

// Subjects: up to MaxSubjectLen bytes, kept exactly (invalid UTF-8 too);
// one byte more is refused and writes nothing.
func TestSubjectLimit(t *testing.T) {
	s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
	r := rec(time.Now(), "x", time.Hour)
	r.Subject = strings.Repeat("s", sqlitestore.MaxSubjectLen-2) + "\xff\x00"
	mustSave(t, s, "k", r)
	if infos, err := s.Sessions(ctx, r.Subject); err != nil || len(infos) != 1 || infos[0].Subject != r.Subject {
		t.Errorf("Sessions of a %d-byte subject: %+v %v", len(r.Subject), infos, err)
	}
	if got, _ := loaded(t, s, "k"); got.Subject != r.Subject {
		t.Errorf("subject changed: %q", got.Subject)
	}
	over := rec(time.Now(), "y", time.Hour)
	over.Subject = strings.Repeat("s", sqlitestore.MaxSubjectLen+1)
	if _, err := s.Save(ctx, "k2", over); err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("Save with a subject of %d bytes: %v, want an error", len(over.Subject), err)
	}
	if _, ok := loaded(t, s, "k2"); ok {
		t.Error("the refused record was written")
	}
}

// Times are Unix nanoseconds: MinTime and MaxTime round-trip exactly, one
// nanosecond beyond either is ErrTimeRange for Save and Touch, and the zero
// Time is kept (Expires zero: never expires).
func TestTimeLimits(t *testing.T) {
	s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
	r := store.Record{Data: []byte("x"), Created: sqlitestore.MinTime, LastSeen: sqlitestore.MinTime, Expires: sqlitestore.MaxTime}
	v := mustSave(t, s, "edges", r)
	got, ok := loaded(t, s, "edges")
	if !ok || !got.Created.Equal(sqlitestore.MinTime) || !got.LastSeen.Equal(sqlitestore.MinTime) || !got.Expires.Equal(sqlitestore.MaxTime) {
		t.Errorf("the limits came back as %v %v %v (%v)", got.Created, got.LastSeen, got.Expires, ok)
	}
	mustSave(t, s, "zero", store.Record{Data: []byte("z")})
	if got, ok := loaded(t, s, "zero"); !ok || !got.Created.IsZero() || !got.LastSeen.IsZero() || !got.Expires.IsZero() {
		t.Errorf("zero times came back as %v %v %v (%v)", got.Created, got.LastSeen, got.Expires, ok)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep swept %d (%v); a zero Expires never expires", n, err)
	}
	before, after := sqlitestore.MinTime.Add(-1), sqlitestore.MaxTime.Add(1)
	for name, mod := range map[string]func(*store.Record){
		"Created before MinTime":  func(r *store.Record) { r.Created = before },
		"LastSeen before MinTime": func(r *store.Record) { r.LastSeen = before },
		"Expires after MaxTime":   func(r *store.Record) { r.Expires = after },
		"Created after MaxTime":   func(r *store.Record) { r.Created = after },
	} {
		bad := r
		bad.Version = v
		mod(&bad)
		if _, err := s.Save(ctx, "edges", bad); !errors.Is(err, sqlitestore.ErrTimeRange) {
			t.Errorf("Save with %s: %v, want ErrTimeRange", name, err)
		}
	}
	if err := s.Touch(ctx, "edges", before, sqlitestore.MaxTime); !errors.Is(err, sqlitestore.ErrTimeRange) {
		t.Errorf("Touch with LastSeen before MinTime: %v", err)
	}
	if err := s.Touch(ctx, "edges", sqlitestore.MaxTime, after); !errors.Is(err, sqlitestore.ErrTimeRange) {
		t.Errorf("Touch with Expires after MaxTime: %v", err)
	}
	if got, _ := loaded(t, s, "edges"); got.Version != v || !got.Created.Equal(sqlitestore.MinTime) {
		t.Errorf("a refused write changed the record: %+v", got)
	}
}

// Versions are SQLite integers: a record reaches math.MaxInt64 and can be
// deleted there; a Save that would go beyond, and any version above it,
// is ErrConflict (no row can have it), never a database error.
func TestVersionLimits(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	r := rec(time.Now(), "x", time.Hour)
	mustSave(t, s, "k", r)
	if _, err := rawDB(t, path).ExecContext(ctx, "UPDATE "+s.Table()+" SET version = ? WHERE key = 'k'", int64(math.MaxInt64-1)); err != nil {
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
	if got, _ := loaded(t, s, "k"); got.Version != math.MaxInt64 {
		t.Fatalf("after the refused saves: version %d, want MaxInt64", got.Version)
	}
	if err := s.CompareAndDelete(ctx, "k", math.MaxInt64); err != nil {
		t.Errorf("CompareAndDelete(k, MaxInt64): %v", err)
	}
	if _, ok := loaded(t, s, "k"); ok {
		t.Error("the record survived CompareAndDelete at version MaxInt64")
	}
}

// Metadata is a JSON object of strings: any valid UTF-8 (NUL, quotes,
// non-ASCII) round-trips; invalid UTF-8, which encoding/json would
// silently replace, is refused and writes nothing.
func TestMetadata(t *testing.T) {
	s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
	r := rec(time.Now(), "x", time.Hour)
	r.Subject = "alice"
	r.Meta = map[string]string{"ua": "Mozilla/5.0 \"quoted\" \x00 ключ", "": "empty key"}
	mustSave(t, s, "k", r)
	got, _ := loaded(t, s, "k")
	if len(got.Meta) != 2 || got.Meta["ua"] != r.Meta["ua"] || got.Meta[""] != "empty key" {
		t.Errorf("metadata came back as %q", got.Meta)
	}
	if infos, _ := s.Sessions(ctx, "alice"); len(infos) != 1 || infos[0].Meta["ua"] != r.Meta["ua"] {
		t.Errorf("Sessions metadata: %+v", infos)
	}
	mustSave(t, s, "empty", store.Record{Data: []byte("e"), Meta: map[string]string{}})
	if got, _ := loaded(t, s, "empty"); got.Meta == nil || len(got.Meta) != 0 {
		t.Errorf("empty metadata came back as %#v", got.Meta)
	}
	mustSave(t, s, "nil", store.Record{Data: []byte("n")})
	if got, _ := loaded(t, s, "nil"); got.Meta != nil {
		t.Errorf("nil metadata came back as %#v", got.Meta)
	}
	for _, m := range []map[string]string{{"ua": "caf\xe9"}, {"caf\xe9": "x"}} {
		bad := rec(time.Now(), "bad", time.Hour)
		bad.Meta = m
		if _, err := s.Save(ctx, "bad", bad); err == nil || errors.Is(err, store.ErrConflict) {
			t.Errorf("Save with metadata %q: %v, want an error", m, err)
		}
	}
	if _, ok := loaded(t, s, "bad"); ok {
		t.Error("a record with refused metadata was written")
	}
}

// BusyTimeout: MaxBusyTimeout is accepted, a millisecond more refused.
func TestBusyTimeoutLimit(t *testing.T) {
	open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: sqlitestore.MaxBusyTimeout})
	s, err := sqlitestore.Open(ctx, t.TempDir()+"/s.db", sqlitestore.Options{BusyTimeout: sqlitestore.MaxBusyTimeout + time.Nanosecond})
	if err == nil {
		s.Close()
		t.Error("Open with BusyTimeout over MaxBusyTimeout succeeded")
	}
	for _, o := range []sqlitestore.Options{{ReadConns: -1}, {SweepBatch: -1}} {
		if s, err := sqlitestore.Open(ctx, t.TempDir()+"/s.db", o); err == nil {
			s.Close()
			t.Errorf("Open with %+v succeeded", o)
		}
	}
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if s, err := sqlitestore.Open(ctx, p, sqlitestore.Options{}); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; want a file path", p)
		}
	}
}
