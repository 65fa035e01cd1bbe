package redisstore_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// The benchmarks run against the shared test server over loopback: each
// operation is one round trip: a script, or for Load on a single node a
// pipelined HMGET and TIME.

func benchRecord() store.Record {
	r := rec("", time.Hour)
	r.Data = bytes.Repeat([]byte("x"), 1024)
	r.Subject = "bench-user"
	r.Meta = map[string]string{"ua": "Mozilla/5.0"}
	return r
}

func benchStore(b *testing.B) store.Store {
	c := newClient(b)
	return newStore(b, c, testPrefix(b, c))
}

func BenchmarkLoad(b *testing.B) {
	s := benchStore(b)
	if _, err := s.Save(ctx, "k", benchRecord()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := s.Load(ctx, "k"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	s := benchStore(b)
	r := benchRecord()
	b.ReportAllocs()
	for b.Loop() {
		v, err := s.Save(ctx, "k", r)
		if err != nil {
			b.Fatal(err)
		}
		r.Version = v
	}
}

func BenchmarkLoadSave(b *testing.B) {
	s := benchStore(b)
	if _, err := s.Save(ctx, "k", benchRecord()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, ok, err := s.Load(ctx, "k")
		if !ok || err != nil {
			b.Fatal(ok, err)
		}
		r.LastSeen = time.Now()
		if _, err := s.Save(ctx, "k", r); err != nil {
			b.Fatal(err)
		}
	}
}
