// Package storetest is the conformance suite every session store runs:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := mystore.New(...) // fresh and isolated for each subtest
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Like testing/slogtest, each case is a subtest with a fresh store and a
// comment saying what it requires and why. Optional capabilities
// (store.SubjectStore, store.Toucher, store.Sweeper) are exercised when the
// store has them. Run it under -race: several cases are concurrent.
//
// Expiry is tested against the store's own clock, which may be a server's
// (Redis, PostgreSQL): the suite lets records expire a second after it
// saves them and waits a quarter of a second past Expires before it
// requires them gone, so the clocks of the test and the store must agree
// to well within that. The cases that need records to expire run under the
// subtest Expiring and share one such wait (each still with a fresh store
// of its own, newStore being called for all of them before the wait), so
// the suite takes about two seconds per store. Exact boundaries (a record is gone at its Expires,
// live a nanosecond before) need a settable clock, which only the store's
// own tests have.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

type testCase struct {
	name string
	// explanation says what is required and why.
	explanation string
	f           func(t *testing.T, s store.Store)
}

// Run runs every case against stores made by newStore, one fresh store per
// case. The cases that need records to expire run under the subtest
// Expiring, whose t newStore receives for each of them: their stores are
// made one after the other, then the cases wait for expiry together.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	for _, c := range slices.Concat(cases, sessionsCases, compareAndDeleteCases, expiryCases, closedCases) {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("requirement: %s", c.explanation)
			c.f(t, newStore(t))
		})
	}
	t.Run("Expiring", func(t *testing.T) {
		runExpiring(t, newStore, slices.Concat(expiringCases, compareAndDeleteExpiring))
	})
}

// times are whole seconds so that every store can keep them exactly.
func now() time.Time { return time.Now().Truncate(time.Second) }

func record(data string) store.Record {
	n := now()
	return store.Record{Data: []byte(data), Created: n, LastSeen: n, Expires: n.Add(time.Hour)}
}

var ctx = context.Background()

func mustSave(t *testing.T, s store.Store, key string, rec store.Record) uint64 {
	t.Helper()
	v, err := s.Save(ctx, key, rec)
	if err != nil {
		t.Fatalf("Save(%q, version %d): %v", key, rec.Version, err)
	}
	if v != rec.Version+1 {
		t.Fatalf("Save(%q, version %d) returned version %d, want %d", key, rec.Version, v, rec.Version+1)
	}
	return v
}

func mustLoad(t *testing.T, s store.Store, key string) (store.Record, bool) {
	t.Helper()
	rec, ok, err := s.Load(ctx, key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return rec, ok
}

func sameTime(a, b time.Time) bool { return a.Equal(b) || a.Sub(b).Abs() < time.Millisecond }

var cases = []testCase{
	{
		name:        "LoadMissing",
		explanation: `"not found" is not an error: Load of an unknown key returns ok=false and a nil error.`,
		f: func(t *testing.T, s store.Store) {
			if rec, ok := mustLoad(t, s, "missing"); ok || rec.Data != nil {
				t.Errorf("Load of a missing key = %+v, %v", rec, ok)
			}
		},
	},
	{
		name:        "SaveAndLoad",
		explanation: "a saved record loads back with its data, version 1, subject, times and metadata.",
		f: func(t *testing.T, s store.Store) {
			rec := record("hello")
			rec.Subject = "user-1"
			rec.Meta = map[string]string{"ua": "Firefox", "ip": "192.0.2.0/24"}
			mustSave(t, s, "k1", rec)
			got, ok := mustLoad(t, s, "k1")
			if !ok {
				t.Fatal("saved record not found")
			}
			if string(got.Data) != "hello" || got.Version != 1 || got.Subject != "user-1" || !maps.Equal(got.Meta, rec.Meta) {
				t.Errorf("loaded %+v", got)
			}
			if !sameTime(got.Created, rec.Created) || !sameTime(got.LastSeen, rec.LastSeen) || !sameTime(got.Expires, rec.Expires) {
				t.Errorf("times changed: created %v/%v last seen %v/%v expires %v/%v",
					got.Created, rec.Created, got.LastSeen, rec.LastSeen, got.Expires, rec.Expires)
			}
		},
	},
	{
		name: "VersionCompareAndSwap",
		explanation: "Save is a compare-and-swap on the version: version 0 creates only if absent; a stale " +
			"version is ErrConflict and writes nothing. This is what prevents lost updates.",
		f: func(t *testing.T, s store.Store) {
			mustSave(t, s, "k", record("v1"))
			if _, err := s.Save(ctx, "k", record("again")); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("second create: err = %v, want ErrConflict", err)
			}
			r := record("v2")
			r.Version = 1
			mustSave(t, s, "k", r)
			r = record("stale")
			r.Version = 1
			if _, err := s.Save(ctx, "k", r); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("stale save: err = %v, want ErrConflict", err)
			}
			r.Version = 7
			if _, err := s.Save(ctx, "k", r); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("future version: err = %v, want ErrConflict", err)
			}
			if got, _ := mustLoad(t, s, "k"); string(got.Data) != "v2" || got.Version != 2 {
				t.Errorf("after conflicts: %q version %d, want v2 version 2", got.Data, got.Version)
			}
		},
	},
	{
		name:        "Delete",
		explanation: "Delete removes the record; deleting a missing key is not an error.",
		f: func(t *testing.T, s store.Store) {
			mustSave(t, s, "k", record("x"))
			if err := s.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Error("deleted record still loads")
			}
			if err := s.Delete(ctx, "k"); err != nil {
				t.Errorf("deleting a missing key: %v", err)
			}
		},
	},
	{
		name: "DestroyedStaysDestroyed",
		explanation: "a save based on a version read before a Delete fails with ErrConflict: a slow request " +
			"must never bring back a session that was logged out meanwhile.",
		f: func(t *testing.T, s store.Store) {
			v := mustSave(t, s, "k", record("alive"))
			if err := s.Delete(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			late := record("resurrected")
			late.Version = v
			if _, err := s.Save(ctx, "k", late); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("late save after delete: err = %v, want ErrConflict", err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Error("the deleted session came back")
			}
		},
	},
	{
		name:        "ReturnsCopies",
		explanation: "callers may modify what Load returns and what they passed to Save without changing the store.",
		f: func(t *testing.T, s store.Store) {
			r := record("abc")
			r.Meta = map[string]string{"a": "1"}
			mustSave(t, s, "k", r)
			r.Data[0], r.Meta["a"] = 'X', "changed"
			got, _ := mustLoad(t, s, "k")
			got.Data[1] = 'Y'
			got.Meta["a"] = "also changed"
			again, _ := mustLoad(t, s, "k")
			if string(again.Data) != "abc" || again.Meta["a"] != "1" {
				t.Errorf("store shares memory with callers: %q %v", again.Data, again.Meta)
			}
		},
	},
	{
		name: "ConcurrentWriters",
		explanation: "concurrent read-modify-CAS loops on one key lose nothing: every successful Save is " +
			"based on the latest version (run under -race).",
		f: func(t *testing.T, s store.Store) {
			mustSave(t, s, "k", record(""))
			const writers, each = 6, 15
			var wg sync.WaitGroup
			errc := make(chan error, writers)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						for attempt := 0; ; attempt++ {
							if attempt > 1000 {
								errc <- fmt.Errorf("writer %d: no progress", w)
								return
							}
							cur, ok, err := s.Load(ctx, "k")
							if err != nil || !ok {
								errc <- fmt.Errorf("load: %v %v", ok, err)
								return
							}
							next := record(string(cur.Data) + fmt.Sprintf("[%d.%d]", w, i))
							next.Version = cur.Version
							_, err = s.Save(ctx, "k", next)
							if err == nil {
								break
							}
							if !errors.Is(err, store.ErrConflict) {
								errc <- err
								return
							}
						}
					}
				}()
			}
			waitGroup(t, &wg, time.Minute)
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			got, _ := mustLoad(t, s, "k")
			for w := range writers {
				for i := range each {
					if !strings.Contains(string(got.Data), fmt.Sprintf("[%d.%d]", w, i)) {
						t.Errorf("lost write %d.%d", w, i)
					}
				}
			}
			if got.Version != writers*each+1 {
				t.Errorf("version %d, want %d", got.Version, writers*each+1)
			}
		},
	},
	{
		name:        "LargeValue",
		explanation: "a 1 MiB record round-trips unchanged (server-side sessions exist for data over 4 KB).",
		f: func(t *testing.T, s store.Store) {
			data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
			data[12345] = 0
			data[len(data)-1] = 0xff
			r := record("")
			r.Data = data
			mustSave(t, s, "big", r)
			got, ok := mustLoad(t, s, "big")
			if !ok || !bytes.Equal(got.Data, data) {
				t.Errorf("1 MiB record changed (ok=%v, len %d)", ok, len(got.Data))
			}
		},
	},
	{
		name: "HostileKeys",
		explanation: "keys with path separators, NUL, spaces, non-ASCII or at the length limit are either held " +
			"exactly, distinct from similar keys (CompareAndDelete of one leaves the others), or refused with " +
			"ErrInvalidKey; the empty key is refused.",
		f: func(t *testing.T, s store.Store) {
			if _, err := s.Save(ctx, "", record("x")); !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("empty key: err = %v, want ErrInvalidKey", err)
			}
			keys := []string{"../x", "a/b", "a_b", "a\\b", "x\x00y", "x", " ", "ключ", "*", "k:*", strings.Repeat("k", store.MaxKeyLen)}
			held := map[string]bool{}
			for _, k := range keys {
				_, err := s.Save(ctx, k, record("value of "+k))
				switch {
				case err == nil:
					held[k] = true
				case errors.Is(err, store.ErrInvalidKey):
				default:
					t.Errorf("Save(%q): %v", k, err)
				}
			}
			for k := range held {
				got, ok := mustLoad(t, s, k)
				if !ok || string(got.Data) != "value of "+k {
					t.Errorf("key %q: loaded %q ok=%v", k, got.Data, ok)
				}
			}
			if !held[strings.Repeat("k", store.MaxKeyLen)] {
				t.Errorf("a key of %d bytes was refused", store.MaxKeyLen)
			}
			// CompareAndDelete of each removes exactly that one.
			for _, k := range keys {
				if !held[k] {
					continue
				}
				if err := s.CompareAndDelete(ctx, k, 1); err != nil {
					t.Errorf("CompareAndDelete(%q, 1): %v", k, err)
				}
				delete(held, k)
				if _, ok := mustLoad(t, s, k); ok {
					t.Errorf("key %q survived CompareAndDelete", k)
				}
				for other := range held {
					if got, ok := mustLoad(t, s, other); !ok || string(got.Data) != "value of "+other {
						t.Errorf("CompareAndDelete(%q) changed key %q: %q ok=%v", k, other, got.Data, ok)
					}
				}
			}
		},
	},
	{
		name:        "ContextCanceled",
		explanation: "a canceled context reaches the store: calls fail with the context's error instead of running.",
		f: func(t *testing.T, s store.Store) {
			c, cancel := context.WithCancel(context.Background())
			cancel()
			if _, _, err := s.Load(c, "k"); !isCtxErr(err) {
				t.Errorf("Load: %v", err)
			}
			if _, err := s.Save(c, "k", record("x")); !isCtxErr(err) {
				t.Errorf("Save: %v", err)
			}
			if err := s.Delete(c, "k"); !isCtxErr(err) {
				t.Errorf("Delete: %v", err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Error("a Save with a canceled context wrote the record")
			}
		},
	},
	{
		name: "Subjects",
		explanation: "a SubjectStore lists a subject's live sessions with metadata but no data, and " +
			"DeleteSubject revokes all of them or all but one.",
		f: func(t *testing.T, s store.Store) {
			ss, ok := s.(store.SubjectStore)
			if !ok {
				t.Skip("not a store.SubjectStore")
			}
			for i, k := range []string{"a1", "a2", "a3"} {
				r := record("data " + k)
				r.Subject = "alice"
				r.Created = r.Created.Add(time.Duration(i) * time.Second)
				r.Meta = map[string]string{"device": k}
				mustSave(t, s, k, r)
			}
			b := record("bob's")
			b.Subject = "bob"
			mustSave(t, s, "b1", b)
			gone := record("expired")
			gone.Subject = "alice"
			gone.Expires = time.Now().Add(-time.Second)
			if _, err := s.Save(ctx, "a-old", gone); err != nil {
				t.Fatal(err)
			}
			infos, err := ss.Sessions(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if len(infos) != 3 {
				t.Fatalf("Sessions(alice) = %d sessions, want 3: %+v", len(infos), infos)
			}
			seen := map[string]bool{}
			for _, in := range infos {
				seen[in.Key] = true
				if in.Subject != "alice" || in.Meta["device"] != in.Key || in.Created.IsZero() {
					t.Errorf("info %+v", in)
				}
			}
			if !seen["a1"] || !seen["a2"] || !seen["a3"] {
				t.Errorf("listed %v", seen)
			}
			n, err := ss.DeleteSubject(ctx, "alice", "a2")
			if err != nil || n < 2 {
				t.Fatalf("DeleteSubject(alice, keep a2) = %d, %v; want at least 2", n, err)
			}
			for k, want := range map[string]bool{"a1": false, "a2": true, "a3": false, "b1": true} {
				if _, ok := mustLoad(t, s, k); ok != want {
					t.Errorf("after revoking alice's other sessions: %s present=%v, want %v", k, ok, want)
				}
			}
			if _, err := ss.DeleteSubject(ctx, "alice", ""); err != nil {
				t.Fatal(err)
			}
			if _, ok := mustLoad(t, s, "a2"); ok {
				t.Error("DeleteSubject with keep \"\" kept a session")
			}
			if infos, _ := ss.Sessions(ctx, "alice"); len(infos) != 0 {
				t.Errorf("sessions left: %+v", infos)
			}
			// Moving a session to another subject moves it in the index.
			r, _ := mustLoad(t, s, "b1")
			r.Subject = "carol"
			mustSave(t, s, "b1", r)
			if infos, _ := ss.Sessions(ctx, "bob"); len(infos) != 0 {
				t.Errorf("bob still lists a session moved to carol: %+v", infos)
			}
			if infos, _ := ss.Sessions(ctx, "carol"); len(infos) != 1 {
				t.Errorf("carol lists %d sessions, want 1", len(infos))
			}
		},
	},
	{
		name:        "Touch",
		explanation: "a Toucher extends LastSeen and Expires without changing data or version, and never creates a record.",
		f: func(t *testing.T, s store.Store) {
			tt, ok := s.(store.Toucher)
			if !ok {
				t.Skip("not a store.Toucher")
			}
			r := record("data")
			r.Expires = now().Add(time.Minute)
			mustSave(t, s, "k", r)
			seen, exp := now().Add(time.Second), now().Add(2*time.Hour)
			if err := tt.Touch(ctx, "k", seen, exp); err != nil {
				t.Fatal(err)
			}
			got, _ := mustLoad(t, s, "k")
			if string(got.Data) != "data" || got.Version != 1 || !sameTime(got.Expires, exp) || !sameTime(got.LastSeen, seen) {
				t.Errorf("after Touch: %+v", got)
			}
			if err := tt.Touch(ctx, "missing", seen, exp); err != nil {
				t.Errorf("Touch of a missing key: %v", err)
			}
			if _, ok := mustLoad(t, s, "missing"); ok {
				t.Error("Touch created a record")
			}
		},
	},
}

// waitGroup waits for wg, failing the test if that takes longer than d.
func waitGroup(t *testing.T, wg *sync.WaitGroup, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("goroutines still running after %v", d)
	}
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
