package serverside_test

import (
	"context"
	"maps"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// The metadata Options.Meta gives when the subject is set after
// Session.Clear reaches the fresh session that follows, with that subject;
// the old session's metadata does not.
func TestMetaSetAfterClearCarriesOver(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice")
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Clear()
		_ = s.SetSubject("bob")
		_ = s.Set("k", "v")
	})), nil, "/?meta=after", id)
	newID, _, _ := cookieOf(w)
	if w.Code != 200 || newID == "" || newID == id {
		t.Fatalf("status %d, cookie %q: want a fresh session", w.Code, newID)
	}
	infos, err := e.m.Sessions(context.Background(), "bob")
	if err != nil || len(infos) != 1 {
		t.Fatalf("Sessions(bob) = %v, %v; want one", infos, err)
	}
	if want := map[string]string{"after": "x"}; !maps.Equal(infos[0].Meta, want) {
		t.Errorf("the fresh session's metadata %v, want %v", infos[0].Meta, want)
	}
	if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
		t.Errorf("alice still has %d sessions", len(infos))
	}
	e.noError(t)
}

// A request that revokes its own session (Revoke of its Key, or
// RevokeSubject of its subject) holds a fresh, unstored session afterwards:
// Key is "", and what it writes next gets a new ID.
func TestKeyAfterRevokingTheCurrentSession(t *testing.T) {
	for _, how := range []string{"Revoke", "RevokeSubject"} {
		t.Run(how, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			var before, after string
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				before = serverside.Key(s)
				if how == "Revoke" {
					_ = e.m.RevokeKey(r.Context(), "alice", before)
				} else {
					_ = e.m.Revoke(r.Context(), "alice", nil)
				}
				after = serverside.Key(s)
				_ = s.Set("flash", "logged out")
			})), nil, "/", id)
			if before == "" || after != "" {
				t.Errorf("Key before the revocation %q, after %q: want the stored key, then \"\"", before, after)
			}
			newID, _, _ := cookieOf(w)
			if w.Code != 200 || newID == "" || newID == id {
				t.Fatalf("status %d, cookie %q: want a fresh session", w.Code, newID)
			}
			if got := e.value(newID, "flash"); got != "logged out" {
				t.Errorf("the fresh session's flash: %q", got)
			}
			if got := e.value(newID, "user"); got != "<nil>" {
				t.Errorf("the revoked session's values came along: user=%q", got)
			}
			if got := e.value(id, "user"); got != "<nil>" {
				t.Errorf("the revoked session still opens: user=%q", got)
			}
			e.noError(t)
		})
	}
}

// Options.Meta adds to the metadata the record holds: the keys recorded by
// earlier requests stay.
func TestMetaKeepsEarlierMeta(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice") // records ua (empty: the test request has no User-Agent)
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).SetSubject("alice")
	})), nil, "/?meta=device", id)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil || len(infos) != 1 {
		t.Fatalf("Sessions(alice) = %v, %v; want one", infos, err)
	}
	if want := map[string]string{"ua": "", "device": "x"}; !maps.Equal(infos[0].Meta, want) {
		t.Errorf("metadata %v, want %v", infos[0].Meta, want)
	}
}

// A session nobody set metadata on stores none (a nil Meta, not an empty
// map), through its first save and later ones; metadata set later is kept.
func TestNoMetadataStoresNone(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	var key string
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set(r.URL.Query().Get("k"), "1")
		_ = s.SetSubject("alice") // Options.Meta: ?meta=K records K

		key = serverside.Key(s)
	}))
	w := serve(h, nil, "/?k=a", "")
	id, _, _ := cookieOf(w)
	for _, c := range []struct {
		path string
		want map[string]string
	}{
		{"/?k=b", nil},
		{"/?k=c&meta=device", map[string]string{"device": "x"}},
		{"/?k=d", map[string]string{"device": "x"}},
	} {
		if w := serve(h, nil, c.path, id); w.Code != 200 {
			t.Fatalf("%s: status %d", c.path, w.Code)
		}
		rec, found, err := e.store.Load(context.Background(), key)
		if err != nil || !found {
			t.Fatalf("%s: the record: found %v, %v", c.path, found, err)
		}
		if (rec.Meta == nil) != (c.want == nil) || !maps.Equal(rec.Meta, c.want) {
			t.Errorf("after %s: stored metadata %#v, want %#v", c.path, rec.Meta, c.want)
		}
	}
	e.noError(t)
}
