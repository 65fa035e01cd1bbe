package boltstore_test

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
)

// benchRecord is a typical session: ~200 bytes of data, a subject and
// a little metadata.
func benchRecord() store.Record {
	n := time.Now()
	return store.Record{
		Data:     bytes.Repeat([]byte("s"), 200),
		Subject:  "user-12345",
		Created:  n,
		LastSeen: n,
		Expires:  n.Add(time.Hour),
		Meta:     map[string]string{"ua": "Mozilla/5.0 Firefox/140.0"},
	}
}

const benchKey = "Xb2pQ3l0aO3sZzWm6x8m2N9cV4rT1yU7iK5eJ0gH2fA" // 43 bytes, like a hashed ID

func benchStore(b *testing.B) *boltstore.Store {
	b.Helper()
	s, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), boltstore.Options{SweepInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Save(ctx, benchKey, benchRecord()); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkLoad(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.Load(ctx, benchKey); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkLoadParallel(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok, err := s.Load(ctx, benchKey); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}

// BenchmarkSave is a compare-and-swap on an existing record: one
// read-write transaction, fsynced at commit.
func BenchmarkSave(b *testing.B) {
	s := benchStore(b)
	r := benchRecord()
	r.Version = 1
	b.ReportAllocs()
	for b.Loop() {
		v, err := s.Save(ctx, benchKey, r)
		if err != nil {
			b.Fatal(err)
		}
		r.Version = v
	}
}

// BenchmarkLoadSave is what a request that changed its session costs.
func BenchmarkLoadSave(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		r, ok, err := s.Load(ctx, benchKey)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		r.Data[0]++
		if _, err := s.Save(ctx, benchKey, r); err != nil {
			b.Fatal(err)
		}
	}
}
