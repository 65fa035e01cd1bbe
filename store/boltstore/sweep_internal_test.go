package boltstore

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sessionkit/session/store"
)

// Entries of the expiry index this package did not write are judged by
// the time they start with: one whose time has passed is deleted, one
// whose time has not come ends the sweep and stays, and one too short to
// hold a time is deleted.
func TestSweepForeignIndexEntries(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s := openT(t, Options{SweepInterval: -1, Now: func() time.Time { return base }})
	for key, exp := range map[string]time.Time{"expired": base.Add(-time.Minute), "live": base.Add(2 * time.Hour)} {
		if _, err := s.Save(ctx, key, store.Record{Data: []byte("x"), Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	past, future := expiryPrefix(nil, base.Add(-time.Hour)), expiryPrefix(nil, base.Add(time.Hour))
	short := []byte{0, 0, 0}
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, k := range [][]byte{past, future, short} {
			if err := tx.Bucket(bucketExpiry).Put(k, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(ctx); n != 1 || err != nil {
		t.Errorf("Sweep = %d, %v; want 1 (the expired record)", n, err)
	}
	var left [][]byte
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExpiry).ForEach(func(k, _ []byte) error { left = append(left, bytes.Clone(k)); return nil })
	})
	want := [][]byte{future, expiryKey([]byte("live"), base.Add(2*time.Hour))}
	if len(left) != len(want) || !bytes.Equal(left[0], want[0]) || !bytes.Equal(left[1], want[1]) {
		t.Errorf("expiry index after Sweep: %x, want %x (the entry whose time has not come, and live's)", left, want)
	}
}

// lockedBuffer is a bytes.Buffer a logger and a test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The sweeper logs at Debug what it deleted, and nothing when it deleted
// nothing; a sweep with no corrupt record warns of none.
func TestSweeperLogsOnlyWhatItDid(t *testing.T) {
	var logged lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var sweeps atomic.Int64
	testOnBatch = func(int) { sweeps.Add(1) }
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{SweepInterval: time.Millisecond, Logger: logger})
	testOnBatch = nil
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Save(context.Background(), "k", store.Record{Data: []byte("x"), Expires: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logged.String(), "deleted=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no Debug line for the expired record after 10s: %q", logged.String())
		}
		time.Sleep(time.Millisecond)
	}
	// A few more sweeps, with nothing to delete.
	for after := sweeps.Load() + 3; sweeps.Load() < after; {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper stopped sweeping: %d sweeps", sweeps.Load())
		}
		time.Sleep(time.Millisecond)
	}
	s.Close()
	out := logged.String()
	if n := strings.Count(out, "swept expired sessions"); n != 1 || strings.Contains(out, "could not be decoded") || strings.Contains(out, "level=ERROR") {
		t.Errorf("log after one deletion and sweeps with nothing to do:\n%s", out)
	}
}
