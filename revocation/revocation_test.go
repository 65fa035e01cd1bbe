package revocation_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

func TestRevokeMovesForwardOnly(t *testing.T) {
	ctx := context.Background()
	r := revocation.New(memstore.New(memstore.Options{}), time.Hour)
	if nb, err := r.NotBefore(ctx, "alice"); err != nil || !nb.IsZero() {
		t.Fatalf("fresh subject: %v %v", nb, err)
	}
	at := time.Now().Truncate(time.Second).Add(500*time.Millisecond + 7)
	if err := r.Revoke(ctx, "alice", at); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(at) {
		t.Errorf("not before = %v, want %v to the nanosecond", nb, at)
	}
	if err := r.Revoke(ctx, "alice", at.Add(-time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(at) {
		t.Errorf("an older revocation moved the time back: %v", nb)
	}
	if err := r.Revoke(ctx, "alice", at.Add(time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(at.Add(time.Nanosecond)) {
		t.Errorf("a later revocation did not move the time forward: %v", nb)
	}
	if nb, _ := r.NotBefore(ctx, "bob"); !nb.IsZero() {
		t.Errorf("bob revoked too: %v", nb)
	}
}

// recordKey is where revocation keeps subject's not-before time (its
// documented layout), for tests that plant records.
func recordKey(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return "revoked:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// Records written by earlier versions hold whole Unix seconds in 8 bytes:
// they are still read, and a later Revoke keeps whichever time is later.
func TestLegacySecondsRecords(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(memstore.Options{})
	r := revocation.New(st, time.Hour)
	sec := time.Now().Unix() + 10
	legacy := store.Record{Data: binary.BigEndian.AppendUint64(nil, uint64(sec)), Expires: time.Now().Add(time.Hour)}
	if _, err := st.Save(ctx, recordKey("alice"), legacy); err != nil {
		t.Fatal(err)
	}
	if nb, err := r.NotBefore(ctx, "alice"); err != nil || !nb.Equal(time.Unix(sec, 0)) {
		t.Fatalf("legacy record: %v %v, want %v", nb, err, time.Unix(sec, 0))
	}
	// An earlier revocation keeps the legacy time; a later one replaces it.
	if err := r.Revoke(ctx, "alice", time.Unix(sec-1, 5)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(time.Unix(sec, 0)) {
		t.Errorf("after an earlier revocation: %v, want %v", nb, time.Unix(sec, 0))
	}
	if err := r.Revoke(ctx, "alice", time.Unix(sec, 5)); err != nil {
		t.Fatal(err)
	}
	if nb, _ := r.NotBefore(ctx, "alice"); !nb.Equal(time.Unix(sec, 5)) {
		t.Errorf("after a later revocation: %v, want %v", nb, time.Unix(sec, 5))
	}
}

// A record of another length, or with nanoseconds out of range, is an
// error (the session then fails closed), and Revoke replaces it.
func TestCorruptRecords(t *testing.T) {
	ctx := context.Background()
	for _, data := range [][]byte{
		nil,
		make([]byte, 7),
		make([]byte, 9),
		make([]byte, 11),
		make([]byte, 13),
		binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, 1), 1e9),
	} {
		st := memstore.New(memstore.Options{})
		r := revocation.New(st, time.Hour)
		if _, err := st.Save(ctx, recordKey("alice"), store.Record{Data: data, Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.NotBefore(ctx, "alice"); !errors.Is(err, revocation.ErrCorrupt) {
			t.Errorf("%d bytes %x: err = %v, want ErrCorrupt", len(data), data, err)
		}
		at := time.Now()
		if err := r.Revoke(ctx, "alice", at); err != nil {
			t.Fatal(err)
		}
		if nb, err := r.NotBefore(ctx, "alice"); err != nil || !nb.Equal(at.Round(0)) {
			t.Errorf("%d bytes: after Revoke: %v %v", len(data), nb, err)
		}
	}
	// The largest valid nanosecond count is read.
	st := memstore.New(memstore.Options{})
	data := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, 1), 1e9-1)
	if _, err := st.Save(ctx, recordKey("bob"), store.Record{Data: data, Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if nb, err := revocation.New(st, time.Hour).NotBefore(ctx, "bob"); err != nil || !nb.Equal(time.Unix(1, 1e9-1)) {
		t.Errorf("999999999 ns: %v %v", nb, err)
	}
}

// A login in the same second as the revocation, but after it, is accepted;
// one established earlier in that second is refused.
func TestRevocationSameSecond(t *testing.T) {
	base := time.Now().Truncate(time.Second).Add(time.Minute)
	var mu sync.Mutex
	clock := base
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	set := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	rev := revocation.New(memstore.New(memstore.Options{Now: now}), 0)
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
	})
	before, after := sessiontest.NewClient(m.Handler(mux)), sessiontest.NewClient(m.Handler(mux))
	set(base.Add(100 * time.Millisecond))
	before.Get("/login")
	set(base.Add(200 * time.Millisecond))
	if err := rev.Revoke(context.Background(), "alice", now()); err != nil {
		t.Fatal(err)
	}
	set(base.Add(300 * time.Millisecond))
	after.Get("/login")
	set(base.Add(400 * time.Millisecond))
	if got := after.Get("/get").Body; got != "alice" {
		t.Errorf("a login after the revocation, in the same second, is refused: %q", got)
	}
	if got := before.Get("/get").Body; got != "-" {
		t.Errorf("a login before the revocation, in the same second, survives: %q", got)
	}
}

// Log out everywhere with signed (Flask-format) cookie sessions.
func TestLogOutEverywhereWithCookieSessions(t *testing.T) {
	rev := revocation.New(memstore.New(memstore.Options{}), 0)
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Revoke(r.Context(), "alice", nil); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
	})
	a, b := sessiontest.NewClient(m.Handler(mux)), sessiontest.NewClient(m.Handler(mux))
	a.Get("/login")
	b.Get("/login")
	a.Get("/everywhere")
	for name, c := range map[string]*sessiontest.Client{"a": a, "b": b} {
		if got := c.Get("/get").Body; got != "-" {
			t.Errorf("%s: still logged in (%q)", name, got)
		}
	}
}

// downStore is a store.Store whose Load and Save fail.
type downStore struct{ store.Store }

var errDown = errors.New("store down")

func (downStore) Load(context.Context, string) (store.Record, bool, error) {
	return store.Record{}, false, errDown
}

func (downStore) Save(context.Context, string, store.Record) (uint64, error) { return 0, errDown }

// A store that fails makes NotBefore and Revoke fail (wrapping its error),
// and a cookie session with a subject then fails closed: HTTP 500 and no
// Set-Cookie, never a session that might have been revoked.
func TestStoreErrorsFailClosed(t *testing.T) {
	ctx := context.Background()
	rev := revocation.New(downStore{memstore.New(memstore.Options{})}, 0)
	if nb, err := rev.NotBefore(ctx, "alice"); !errors.Is(err, errDown) || !nb.IsZero() {
		t.Errorf("NotBefore: %v, %v; want the store's error", nb, err)
	}
	if err := rev.Revoke(ctx, "alice", time.Now()); !errors.Is(err, errDown) {
		t.Errorf("Revoke: %v; want the store's error", err)
	}
	login, err := session.New(session.Config{SecretKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).SetSubject("alice")
	})
	c := sessiontest.NewClient(login.Handler(mux))
	c.Get("/login")
	c.Handler = m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Get("x")
	}))
	res := c.Get("/")
	if res.StatusCode != http.StatusServiceUnavailable || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("status %d, Set-Cookie %v; want 503 (a store outage) and none", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
}
