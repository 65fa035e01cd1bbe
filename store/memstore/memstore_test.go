package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceWithSweeper(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memstore.New(memstore.Options{SweepInterval: 50 * time.Millisecond})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// clock is a settable Now for exact expiry boundaries.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// At exactly Expires a record is gone for every method; one nanosecond
// before, it is live. Sweep removes what has expired and only that.
func TestExpiryBoundary(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := memstore.New(memstore.Options{Now: c.Now})
	defer s.Close()
	exp := c.t.Add(time.Minute)
	r := store.Record{Data: []byte("x"), Subject: "alice", Created: c.t, LastSeen: c.t, Expires: exp}
	for _, k := range []string{"touched", "deleted", "swept", "later"} {
		r := r
		if k == "later" {
			r.Expires = exp.Add(time.Nanosecond)
		}
		if _, err := s.Save(ctx, k, r); err != nil {
			t.Fatal(err)
		}
	}
	c.t = exp.Add(-time.Nanosecond)
	if _, ok, _ := s.Load(ctx, "touched"); !ok {
		t.Fatal("a record 1ns before its Expires is not live")
	}
	if err := s.CompareAndDelete(ctx, "deleted", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(deleted, 0) 1ns before Expires: %v, want ErrConflict", err)
	}
	if n, err := s.Sweep(ctx); n != 0 || err != nil {
		t.Errorf("Sweep 1ns before Expires = %d, %v; want 0", n, err)
	}

	c.t = exp
	if _, ok, _ := s.Load(ctx, "touched"); ok {
		t.Error("a record at its Expires loads")
	}
	if err := s.Touch(ctx, "touched", c.t, c.t.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Load(ctx, "touched"); ok {
		t.Error("Touch at Expires revived the record")
	}
	if err := s.CompareAndDelete(ctx, "deleted", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(deleted, 1) at Expires: %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "deleted", 0); err != nil {
		t.Errorf("CompareAndDelete(deleted, 0) at Expires: %v", err)
	}
	if n := s.Len(); n != 3 {
		t.Errorf("Len after CompareAndDelete of an expired record = %d, want 3", n)
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "later" {
		t.Errorf("Sessions(alice) at Expires = %+v, %v; want later only", infos, err)
	}
	if n, err := s.Sweep(ctx); n != 2 || err != nil {
		t.Errorf("Sweep at Expires = %d, %v; want 2 (touched, swept)", n, err)
	}
	if n := s.Len(); n != 1 {
		t.Errorf("Len after Sweep = %d, want 1 (later)", n)
	}
	if _, ok, _ := s.Load(ctx, "later"); !ok {
		t.Error("Sweep removed a record 1ns from its Expires")
	}
}
