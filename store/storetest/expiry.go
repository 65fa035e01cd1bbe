package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// clockMargin is how far past a record's Expires the suite waits before it
// requires the record to be gone, and how far before Expires a record must
// still be live. It covers a store whose clock is a server's (Redis,
// PostgreSQL on this host read the same system clock, but a call reaches
// them later than the test read its own), and Expires rounded to the
// store's precision (milliseconds for Redis, microseconds for PostgreSQL).
const clockMargin = 250 * time.Millisecond

// shortLife is the lifetime of the records the suite lets expire: long
// enough that a save on a loaded machine lands before the record expires,
// short enough to keep the suite quick.
const shortLife = time.Second

// soonLife is the lifetime of a record that must survive a Sweep: a couple
// of seconds, so that a store that sweeps records expiring "soon" is caught.
const soonLife = 2 * time.Second

// waitPast sleeps until exp is clockMargin behind. Every wait of the suite
// is bounded: exp is at most a few seconds ahead.
func waitPast(t *testing.T, exp time.Time) {
	t.Helper()
	d := time.Until(exp.Add(clockMargin))
	if d > 10*time.Second {
		t.Fatalf("waitPast: %v is too far ahead", exp)
	}
	if d > 0 {
		time.Sleep(d)
	}
}

// liveAt reports whether a store must still hold a record expiring at exp
// for a call started at start, whatever the store's clock.
func liveAt(start, exp time.Time) bool { return start.Before(exp.Add(-clockMargin)) }

// expiringCase is a case whose records must expire: before saves them,
// expiring at exp, and checks what holds while they are live; after runs
// once they have expired. Every case still gets a fresh store of its own,
// but runExpiring waits for expiry once for all of them, not once per case:
// the wait is most of the suite's time.
type expiringCase struct {
	name string
	// explanation says what is required and why.
	explanation string
	before      func(t *testing.T, s store.Store, exp time.Time)
	after       func(t *testing.T, s store.Store, exp time.Time)
}

// runExpiring makes a store for each expiring case, runs every before
// (as the subtest <name>_BeforeExpiry), waits until exp is clockMargin
// behind, then runs every after (as the subtest <name>). An after whose
// before failed is skipped.
func runExpiring(t *testing.T, newStore func(t *testing.T) store.Store, cases []expiringCase) {
	stores := make([]store.Store, len(cases))
	for i := range cases {
		stores[i] = newStore(t)
	}
	exp := time.Now().Add(shortLife)
	ready := make([]bool, len(cases))
	for i, c := range cases {
		ready[i] = t.Run(c.name+"_BeforeExpiry", func(t *testing.T) {
			t.Logf("requirement: %s", c.explanation)
			c.before(t, stores[i], exp)
		})
	}
	waitPast(t, exp)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("requirement: %s", c.explanation)
			if !ready[i] {
				t.Skipf("%s_BeforeExpiry failed", c.name)
			}
			c.after(t, stores[i], exp)
		})
	}
}

var expiryCases = []testCase{
	{
		name: "ExpiredOnArrival",
		explanation: "a record saved with an Expires in the past, or equal to the store's now, is not " +
			"returned: a record is gone at its Expires, not after it.",
		f: func(t *testing.T, s store.Store) {
			r := record("old")
			r.Expires = time.Now().Add(-time.Second)
			if _, err := s.Save(ctx, "k", r); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Error("record that expired before it was saved was returned")
			}
			// Expires is the test's now: by the time the store looks, its now
			// is at or past it. Whole milliseconds, so that a store keeping
			// milliseconds holds it exactly.
			r.Expires = time.Now().Truncate(time.Millisecond)
			if _, err := s.Save(ctx, "at", r); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if _, ok := mustLoad(t, s, "at"); ok {
				t.Error("a record whose Expires is now was returned")
			}
		},
	},
}

var expiringCases = []expiringCase{
	{
		name: "ExpiryOnRead",
		explanation: "a record past its Expires is never returned, even if no sweeper ran, and counts as " +
			"absent for a new save (version 0).",
		before: func(t *testing.T, s store.Store, exp time.Time) {
			r := record("short")
			r.Expires = exp
			mustSave(t, s, "k", r)
			start := time.Now()
			if _, ok := mustLoad(t, s, "k"); !ok && liveAt(start, exp) {
				t.Fatalf("a record expiring in %v is not found", time.Until(exp))
			}
		},
		after: func(t *testing.T, s store.Store, exp time.Time) {
			if _, ok := mustLoad(t, s, "k"); ok {
				t.Fatalf("a record %v past its Expires was returned", time.Since(exp))
			}
			mustSave(t, s, "k", record("new"))
			if got, ok := mustLoad(t, s, "k"); !ok || string(got.Data) != "new" || got.Version != 1 {
				t.Errorf("after re-creating an expired key: %+v %v", got, ok)
			}
		},
	},
	{
		name: "TouchExpiredDoesNotRevive",
		explanation: "Touch of a record past its Expires that no sweeper removed leaves it expired: Load still " +
			"misses and the key is free for a new record (version 0); a logged-out or timed-out session " +
			"must not come back because a request touched it.",
		before: func(t *testing.T, s store.Store, exp time.Time) {
			if _, ok := s.(store.Toucher); !ok {
				t.Skip("not a store.Toucher")
			}
			r := record("stale")
			r.Subject = "alice"
			r.Expires = exp
			mustSave(t, s, "k", r)
		},
		after: func(t *testing.T, s store.Store, exp time.Time) {
			tt, ok := s.(store.Toucher)
			if !ok {
				t.Skip("not a store.Toucher")
			}
			if err := tt.Touch(ctx, "k", now(), now().Add(time.Hour)); err != nil {
				t.Fatalf("Touch of an expired record: %v, want nil (it is missing)", err)
			}
			if got, ok := mustLoad(t, s, "k"); ok {
				t.Fatalf("Touch revived an expired record: %+v", got)
			}
			if ss, ok := s.(store.SubjectStore); ok {
				if infos, err := ss.Sessions(ctx, "alice"); err != nil || len(infos) != 0 {
					t.Errorf("Sessions(alice) after touching an expired record = %+v, %v", infos, err)
				}
			}
			late := record("late")
			late.Version = 1
			if _, err := s.Save(ctx, "k", late); !errors.Is(err, store.ErrConflict) {
				t.Errorf("a save based on the expired version: %v, want ErrConflict", err)
			}
			mustSave(t, s, "k", record("new"))
			if got, ok := mustLoad(t, s, "k"); !ok || string(got.Data) != "new" || got.Version != 1 {
				t.Errorf("new record over the touched expired key: %+v %v", got, ok)
			}
		},
	},
	{
		name: "Sweep",
		explanation: "a Sweeper deletes expired records, and keeps live ones, including one that expires in " +
			"a couple of seconds; it counts only what it deleted.",
		before: func(t *testing.T, s store.Store, exp time.Time) {
			if _, ok := s.(store.Sweeper); !ok {
				t.Skip("not a store.Sweeper")
			}
			old := record("old")
			old.Subject = "alice"
			old.Expires = exp
			mustSave(t, s, "old", old)
			arrived := record("arrived expired")
			arrived.Expires = time.Now().Add(-time.Second)
			if _, err := s.Save(ctx, "arrived", arrived); err != nil {
				t.Fatal(err)
			}
			live := record("live")
			live.Subject = "alice"
			mustSave(t, s, "live", live)
		},
		after: func(t *testing.T, s store.Store, exp time.Time) {
			sw, ok := s.(store.Sweeper)
			if !ok {
				t.Skip("not a store.Sweeper")
			}
			soon := record("soon")
			soonExp := time.Now().Add(soonLife)
			soon.Expires = soonExp
			mustSave(t, s, "soon", soon)

			start := time.Now()
			n, err := sw.Sweep(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n < 0 || n > 2 {
				t.Errorf("Sweep = %d, but only 2 records had expired", n)
			}
			if _, ok := mustLoad(t, s, "live"); !ok {
				t.Error("Sweep deleted a live record")
			}
			if _, ok := mustLoad(t, s, "soon"); !ok {
				if liveAt(start, soonExp) {
					t.Errorf("Sweep deleted a record that expires in %v", soonExp.Sub(start))
				} else {
					t.Logf("too slow to judge the record expiring in %v", soonLife)
				}
			}
			for _, k := range []string{"old", "arrived"} {
				if _, ok := mustLoad(t, s, k); ok {
					t.Errorf("expired record %s survived Sweep", k)
				}
			}
			if ss, ok := s.(store.SubjectStore); ok {
				if infos, err := ss.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "live" {
					t.Errorf("Sessions(alice) after Sweep = %+v, %v; want live only", infos, err)
				}
			}
			// What was deleted is gone: a second Sweep finds nothing (unless
			// the machine was so slow that "soon" expired meanwhile).
			start = time.Now()
			n, err = sw.Sweep(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 0 && liveAt(start, soonExp) {
				t.Errorf("a second Sweep deleted %d records; the first left expired ones", n)
			}
			if _, ok := mustLoad(t, s, "live"); !ok {
				t.Error("the second Sweep deleted a live record")
			}
		},
	},
}
