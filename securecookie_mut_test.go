package session_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// A cookie from before EstablishedKey (a subject, no establishment time)
// counts as established when issued only where revocation is configured:
// there its session reads EstablishedKey (the issue time, kept through
// re-issues); without Config.Revocations the session holds exactly the
// cookie's keys.
func TestLegacyCookieEstablishedOnlyWithRevocations(t *testing.T) {
	for _, withRev := range []bool{false, true} {
		issued := time.Unix(1800000000, 0)
		clock := &testClock{t: issued}
		cfg := session.Config{SecretKey: []byte("k"), Now: clock.Now, SubjectKey: "uid"}
		if withRev {
			cfg.Revocations = &testRevocations{}
		}
		m := newManager(t, cfg)
		// Set, not SetSubject: the subject without an establishment time,
		// as an application wrote it before EstablishedKey existed.
		legacy := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = session.From(r).Set("uid", "alice")
		}))
		cookie, ok := sessionCookie(serve(legacy, "/", ""))
		if !ok || cookie == "" {
			t.Fatal("no cookie")
		}
		clock.Set(clock.Now().Add(time.Minute))
		var keys []string
		var established any
		read := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			keys = s.Keys()
			established = s.Get(session.EstablishedKey)
		}))
		serve(read, "/", cookie)
		slices.Sort(keys)
		if !withRev {
			if !slices.Equal(keys, []string{"uid"}) {
				t.Errorf("without Revocations the session holds %v, want [uid]", keys)
			}
			continue
		}
		if !slices.Contains(keys, session.EstablishedKey) {
			t.Errorf("with Revocations the legacy session holds %v, want %s too", keys, session.EstablishedKey)
		}
		if established != issued.UnixNano() {
			t.Errorf("with Revocations %s = %v (%T), want the issue time %d", session.EstablishedKey, established, established, issued.UnixNano())
		}
	}
}

// A subject set with Set (not SetSubject) during a request counts as
// established at save time, and is checked against revocation then: a
// subject whose revocation covers that time is not issued a cookie.
func TestSubjectSetWithoutSetSubjectCheckedAtSave(t *testing.T) {
	clock := &testClock{t: time.Unix(1800000000, 0)}
	rev := &testRevocations{}
	m := newManager(t, session.Config{SecretKey: []byte("k"), Now: clock.Now, Revocations: rev})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Sessions of alice established before a second from now are revoked.
		rev.revoke("alice", clock.Now().Add(time.Second))
		_ = session.From(r).Set("_subject", "alice")
	}))
	rec := serve(h, "/", "")
	if cookie, ok := sessionCookie(rec); ok && cookie != "" {
		t.Errorf("a session of a revoked subject was issued cookie %q", cookie)
	}
	if rev.lookups() == 0 {
		t.Error("the revocation was not consulted at save")
	}
}
