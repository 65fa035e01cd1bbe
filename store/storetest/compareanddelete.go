package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// raceRounds is how many rounds CompareAndDeleteRacesSave runs.
const raceRounds = 60

// raceDeadline bounds one round of CompareAndDeleteRacesSave: far above what
// two store calls take on a loaded machine, so that only a hung store fails.
const raceDeadline = 30 * time.Second

var compareAndDeleteCases = []testCase{
	{
		name: "CompareAndDelete",
		explanation: "CompareAndDelete with the stored version removes the record, its subject index entry " +
			"included (Sessions no longer lists it); the key is then free for a new record (version 0).",
		f: func(t *testing.T, s store.Store) {
			r := record("v1")
			r.Subject = "alice"
			v := mustSave(t, s, "k", r)
			other := record("other")
			other.Subject = "alice"
			mustSave(t, s, "other", other)
			r.Version, r.Data = v, []byte("v2")
			v = mustSave(t, s, "k", r)
			if err := s.CompareAndDelete(ctx, "k", v); err != nil {
				t.Fatalf("CompareAndDelete(k, %d) with the stored version: %v", v, err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Fatal("the record loads after CompareAndDelete")
			}
			if got, ok := mustLoad(t, s, "other"); !ok || string(got.Data) != "other" {
				t.Errorf("CompareAndDelete of k changed another record: %+v %v", got, ok)
			}
			if ss, ok := s.(store.SubjectStore); ok {
				infos, err := ss.Sessions(ctx, "alice")
				if err != nil {
					t.Fatal(err)
				}
				if len(infos) != 1 || infos[0].Key != "other" {
					t.Errorf("Sessions(alice) after CompareAndDelete of k = %+v, want only other", infos)
				}
			}
			// Gone is version 0: the old version conflicts, 0 is a no-op, and
			// a new record starts again at version 1.
			if err := s.CompareAndDelete(ctx, "k", v); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CompareAndDelete(k, %d) a second time: %v, want ErrConflict", v, err)
			}
			if err := s.CompareAndDelete(ctx, "k", 0); err != nil {
				t.Errorf("CompareAndDelete(k, 0) after the delete: %v", err)
			}
			late := record("late")
			late.Version = v
			if _, err := s.Save(ctx, "k", late); !errors.Is(err, store.ErrConflict) {
				t.Errorf("a save based on the deleted version: %v, want ErrConflict", err)
			}
			mustSave(t, s, "k", record("new"))
			if got, ok := mustLoad(t, s, "k"); !ok || string(got.Data) != "new" || got.Version != 1 {
				t.Errorf("re-created record: %+v %v", got, ok)
			}
		},
	},
	{
		name: "CompareAndDeleteConflict",
		explanation: "CompareAndDelete with any other version (stale, future, 0) fails with ErrConflict and " +
			"deletes nothing: a request that read an old version must not drop a newer acknowledged write.",
		f: func(t *testing.T, s store.Store) {
			r := record("v1")
			r.Subject = "alice"
			r.Meta = map[string]string{"device": "phone"}
			r.Version = mustSave(t, s, "k", r)
			r.Data = []byte("v2")
			mustSave(t, s, "k", r) // version 2
			for _, v := range []uint64{1, 3, 0, math.MaxUint64} {
				if err := s.CompareAndDelete(ctx, "k", v); !errors.Is(err, store.ErrConflict) {
					t.Errorf("CompareAndDelete(k, %d) with version 2 stored: %v, want ErrConflict", v, err)
				}
			}
			got, ok := mustLoad(t, s, "k")
			if !ok || string(got.Data) != "v2" || got.Version != 2 || got.Subject != "alice" || got.Meta["device"] != "phone" {
				t.Fatalf("after refused deletes: %+v %v, want v2 at version 2", got, ok)
			}
			if ss, ok := s.(store.SubjectStore); ok {
				if infos, err := ss.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "k" {
					t.Errorf("Sessions(alice) after refused deletes = %+v, %v; want k", infos, err)
				}
			}
			// The record is still usable: the right version saves.
			r.Version, r.Data = 2, []byte("v3")
			mustSave(t, s, "k", r)
		},
	},
	{
		name: "CompareAndDeleteMissing",
		explanation: "a missing record has version 0: CompareAndDelete(key, 0) succeeds and creates nothing; " +
			"any other version is ErrConflict.",
		f: func(t *testing.T, s store.Store) {
			if err := s.CompareAndDelete(ctx, "missing", 0); err != nil {
				t.Errorf("CompareAndDelete(missing, 0): %v, want nil", err)
			}
			for _, v := range []uint64{1, 2, math.MaxUint64} {
				if err := s.CompareAndDelete(ctx, "missing", v); !errors.Is(err, store.ErrConflict) {
					t.Errorf("CompareAndDelete(missing, %d): %v, want ErrConflict", v, err)
				}
			}
			if _, ok := mustLoad(t, s, "missing"); ok {
				t.Error("CompareAndDelete created a record")
			}
			mustSave(t, s, "missing", record("first")) // version 0 is still free
			// A record deleted by Delete is missing too.
			mustSave(t, s, "d", record("x"))
			if err := s.Delete(ctx, "d"); err != nil {
				t.Fatal(err)
			}
			if err := s.CompareAndDelete(ctx, "d", 1); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CompareAndDelete(d, 1) after Delete: %v, want ErrConflict", err)
			}
			if err := s.CompareAndDelete(ctx, "d", 0); err != nil {
				t.Errorf("CompareAndDelete(d, 0) after Delete: %v", err)
			}
		},
	},
	{
		name: "ContextCanceledChangesNothing",
		explanation: "with a canceled context every method, CompareAndDelete and the optional ones included, " +
			"fails with the context's error and changes nothing, even when the call would otherwise succeed.",
		f: func(t *testing.T, s store.Store) {
			r := record("keep")
			r.Subject = "alice"
			v := mustSave(t, s, "k", r)
			c, cancel := context.WithCancel(context.Background())
			cancel()
			if err := s.CompareAndDelete(c, "k", v); !isCtxErr(err) {
				t.Errorf("CompareAndDelete(k, %d): %v, want the context's error", v, err)
			}
			if err := s.CompareAndDelete(c, "missing", 0); !isCtxErr(err) {
				t.Errorf("CompareAndDelete(missing, 0): %v, want the context's error", err)
			}
			if err := s.Delete(c, "k"); !isCtxErr(err) {
				t.Errorf("Delete: %v", err)
			}
			next := r
			next.Version, next.Data = v, []byte("changed")
			if _, err := s.Save(c, "k", next); !isCtxErr(err) {
				t.Errorf("Save: %v", err)
			}
			if tt, ok := s.(store.Toucher); ok {
				if err := tt.Touch(c, "k", now(), now().Add(2*time.Hour)); !isCtxErr(err) {
					t.Errorf("Touch: %v", err)
				}
			}
			if ss, ok := s.(store.SubjectStore); ok {
				if _, err := ss.Sessions(c, "alice"); !isCtxErr(err) {
					t.Errorf("Sessions: %v", err)
				}
				if _, err := ss.DeleteSubject(c, "alice", ""); !isCtxErr(err) {
					t.Errorf("DeleteSubject: %v", err)
				}
			}
			if sw, ok := s.(store.Sweeper); ok {
				if _, err := sw.Sweep(c); !isCtxErr(err) {
					t.Errorf("Sweep: %v", err)
				}
			}
			got, ok := mustLoad(t, s, "k")
			if !ok || string(got.Data) != "keep" || got.Version != v || !sameTime(got.Expires, r.Expires) {
				t.Errorf("after calls with a canceled context: %+v %v, want the record unchanged", got, ok)
			}
		},
	},
	{
		name: "InvalidKeys",
		explanation: "the empty key is refused with ErrInvalidKey by every method; a key of MaxKeyLen bytes " +
			"works with every method; one byte longer is refused or held, the same way by every method.",
		f: func(t *testing.T, s store.Store) {
			checks := map[string]error{"CompareAndDelete": s.CompareAndDelete(ctx, "", 0), "Delete": s.Delete(ctx, "")}
			_, _, checks["Load"] = s.Load(ctx, "")
			_, checks["Save"] = s.Save(ctx, "", record("x"))
			if tt, ok := s.(store.Toucher); ok {
				checks["Touch"] = tt.Touch(ctx, "", now(), now().Add(time.Hour))
			}
			for name, err := range checks {
				if !errors.Is(err, store.ErrInvalidKey) {
					t.Errorf("%s of the empty key: %v, want ErrInvalidKey", name, err)
				}
			}
			atLimit := strings.Repeat("k", store.MaxKeyLen)
			v := mustSave(t, s, atLimit, record("at the limit"))
			if err := s.CompareAndDelete(ctx, atLimit, v+1); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CompareAndDelete of a %d-byte key with a wrong version: %v, want ErrConflict", len(atLimit), err)
			}
			if err := s.CompareAndDelete(ctx, atLimit, v); err != nil {
				t.Errorf("CompareAndDelete of a %d-byte key: %v", len(atLimit), err)
			}
			if _, ok := mustLoad(t, s, atLimit); ok {
				t.Errorf("a %d-byte key survived CompareAndDelete", len(atLimit))
			}
			over := atLimit + "k"
			_, err := s.Save(ctx, over, record("over"))
			switch {
			case errors.Is(err, store.ErrInvalidKey):
				if err := s.CompareAndDelete(ctx, over, 0); !errors.Is(err, store.ErrInvalidKey) {
					t.Errorf("Save refuses a %d-byte key but CompareAndDelete says %v", len(over), err)
				}
				if _, _, err := s.Load(ctx, over); !errors.Is(err, store.ErrInvalidKey) {
					t.Errorf("Save refuses a %d-byte key but Load says %v", len(over), err)
				}
			case err == nil:
				if err := s.CompareAndDelete(ctx, over, 1); err != nil {
					t.Errorf("Save holds a %d-byte key but CompareAndDelete says %v", len(over), err)
				}
				if _, ok := mustLoad(t, s, over); ok {
					t.Errorf("a %d-byte key survived CompareAndDelete", len(over))
				}
			default:
				t.Errorf("Save of a %d-byte key: %v, want nil or ErrInvalidKey", len(over), err)
			}
		},
	},
	{
		name: "CompareAndDeleteRacesSave",
		explanation: "a CompareAndDelete and a Save based on the same version, run at once, never both " +
			"succeed: exactly one wins and the store shows its outcome (run under -race).",
		f: func(t *testing.T, s store.Store) {
			_, subjects := s.(store.SubjectStore)
			survivors := map[string]bool{}
			stats := map[string]int{}
			for round := range raceRounds {
				key := fmt.Sprintf("race-%d", round)
				r := record("base")
				r.Subject = "racer"
				v := mustSave(t, s, key, r)
				next := r
				next.Version, next.Data = v, []byte("saved")
				start := make(chan struct{})
				type result struct {
					op  string
					err error
				}
				results := make(chan result, 2) // buffered: a late goroutine never blocks
				go func() {
					<-start
					results <- result{"CompareAndDelete", s.CompareAndDelete(ctx, key, v)}
				}()
				go func() {
					<-start
					_, err := s.Save(ctx, key, next)
					results <- result{"Save", err}
				}()
				close(start)
				won := map[string]bool{}
				timeout := time.After(raceDeadline)
				for range 2 {
					select {
					case res := <-results:
						switch {
						case res.err == nil:
							won[res.op] = true
						case !errors.Is(res.err, store.ErrConflict):
							t.Fatalf("round %d: %s: %v, want nil or ErrConflict", round, res.op, res.err)
						}
					case <-timeout:
						t.Fatalf("round %d: CompareAndDelete and Save did not both return within %v", round, raceDeadline)
					}
				}
				got, ok := mustLoad(t, s, key)
				switch {
				case len(won) != 1:
					t.Fatalf("round %d: winners %v, want exactly one of CompareAndDelete and Save", round, won)
				case won["Save"] && (!ok || string(got.Data) != "saved" || got.Version != v+1):
					t.Fatalf("round %d: Save won but the store holds %+v (ok=%v)", round, got, ok)
				case won["CompareAndDelete"] && ok:
					t.Fatalf("round %d: CompareAndDelete won but the store holds %+v", round, got)
				}
				survivors[key] = ok
				for op := range won {
					stats[op]++
				}
			}
			t.Logf("winners over %d rounds: %v", raceRounds, stats)
			if !subjects {
				return
			}
			infos, err := s.(store.SubjectStore).Sessions(ctx, "racer")
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, in := range infos {
				listed[in.Key] = true
			}
			for key, alive := range survivors {
				if listed[key] != alive {
					t.Errorf("Sessions(racer) lists %s: %v, but the record exists: %v", key, listed[key], alive)
				}
			}
		},
	},
}

// compareAndDeleteExpiring are the CompareAndDelete cases that need a record to expire.
var compareAndDeleteExpiring = []expiringCase{
	{
		name: "CompareAndDeleteExpired",
		explanation: "a record past its Expires that no sweeper removed counts as version 0: CompareAndDelete " +
			"with its old version is ErrConflict, with 0 succeeds, and the key is free for a new record.",
		before: func(t *testing.T, s store.Store, exp time.Time) {
			r := record("short")
			r.Subject = "alice"
			r.Expires = exp
			mustSave(t, s, "k", r)
		},
		after: func(t *testing.T, s store.Store, exp time.Time) {
			if err := s.CompareAndDelete(ctx, "k", 1); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CompareAndDelete(k, 1) of an expired record: %v, want ErrConflict (it counts as version 0)", err)
			}
			if err := s.CompareAndDelete(ctx, "k", 0); err != nil {
				t.Errorf("CompareAndDelete(k, 0) of an expired record: %v, want nil", err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Error("an expired record loads")
			}
			fresh := record("fresh")
			fresh.Subject = "alice"
			mustSave(t, s, "k", fresh)
			if got, ok := mustLoad(t, s, "k"); !ok || string(got.Data) != "fresh" || got.Version != 1 {
				t.Errorf("new record over the expired key: %+v %v", got, ok)
			}
			if ss, ok := s.(store.SubjectStore); ok {
				if infos, err := ss.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "k" {
					t.Errorf("Sessions(alice) = %+v, %v; want the new k once", infos, err)
				}
			}
		},
	},
}
