package sqlitestore_test

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
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

func benchStore(b *testing.B) *sqlitestore.Store {
	b.Helper()
	s, _ := open(b, sqlitestore.Options{SweepInterval: -1})
	mustSave(b, s, benchKey, benchRecord())
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

// BenchmarkSave is one compare-and-swap save, fsynced (synchronous=FULL).
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

// BenchmarkSaveParallel saves distinct keys from parallel goroutines: the
// writes queue for the Store's write connection.
func BenchmarkSaveParallel(b *testing.B) {
	s := benchStore(b)
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		key := fmt.Sprint("k", n.Add(1))
		r := benchRecord()
		for pb.Next() {
			v, err := s.Save(ctx, key, r)
			if err != nil {
				b.Fatal(err)
			}
			r.Version = v
		}
	})
}

func BenchmarkTouch(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		n := time.Now()
		if err := s.Touch(ctx, benchKey, n, n.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
