package serverside_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
)

// R2: an issued ID may hold any character of the base64url alphabet, the
// edges of its ranges (a z A Z 0 9) and - _ included, and opens its session;
// the same ID with a character just outside those ranges is never looked
// up.
func TestIDAlphabetEdges(t *testing.T) {
	want := "azAZ09-_" + strings.Repeat("x", 34) + "A" // 43 characters; the last one's 2 spare bits are 0
	raw, err := base64.RawURLEncoding.DecodeString(want)
	if err != nil || len(raw) != 32 {
		t.Fatalf("test ID: %d bytes, %v", len(raw), err)
	}
	e := newEnv(t, serverside.Options{Rand: bytes.NewReader(raw)})
	c := e.client(routes)
	c.Get("/set?a=1")
	if id := sessionCookie(c); id != want {
		t.Fatalf("issued %q, want %q", id, want)
	}
	if got := c.Get("/get?k=a").Body; got != "1" {
		t.Errorf("the ID %q did not open its session: a=%q", want, got)
	}

	rec := &keyRecorder{Store: e.store}
	iface, err := serverside.New(serverside.Options{Store: rec})
	if err != nil {
		t.Fatal(err)
	}
	m, err := session.New(session.Config{Interface: iface, Logger: slogDiscard()})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(routes["/get"]))
	for _, ch := range "`{@[/:+=.~" {
		bad := string(ch) + want[1:]
		if w := serve(h, nil, "/get?k=a", bad); w.Code != 200 || w.Body.String() != "<nil>" {
			t.Errorf("ID with %q: status %d, a=%q", ch, w.Code, w.Body.String())
		}
		if len(rec.keys) != 0 {
			t.Errorf("ID with %q was looked up", ch)
			rec.keys = nil
		}
	}
	if w := serve(h, nil, "/get?k=a", want); w.Body.String() != "1" || len(rec.keys) != 1 {
		t.Errorf("the well-formed ID: a=%q after %d lookups", w.Body.String(), len(rec.keys))
	}
}

// An issued ID that collides with a stored record never overwrites it: the
// save draws a new ID, three times at most (four saves in all), then fails
// closed with store.ErrConflict.
func TestIDCollisionNeverOverwrites(t *testing.T) {
	taken := bytes.Repeat([]byte{7}, 32)
	fresh := bytes.Repeat([]byte{9}, 32)
	for _, c := range []struct {
		name      string
		draws     int // IDs equal to the taken one before a fresh one
		wantSaves int32
		wantErr   bool
	}{
		{"one collision", 1, 2, false},
		{"three collisions", 3, 4, false},
		{"four collisions", 4, 4, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{Rand: bytes.NewReader(taken)})
			owner := e.setup(t, "", map[string]any{"owner": "first"})
			spy := &spyStore{Store: e.store}
			rnd := append(bytes.Repeat(taken, c.draws), fresh...)
			e.withIface(t, serverside.Options{Store: spy, Rand: bytes.NewReader(rnd)})
			w := serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?owner=second", "")
			if got := spy.saves.Load(); got != c.wantSaves {
				t.Errorf("%d saves, want %d", got, c.wantSaves)
			}
			if got := e.value(owner, "owner"); got != "first" {
				t.Errorf("the stored session was overwritten: owner=%q", got)
			}
			id, _, _ := cookieOf(w)
			if c.wantErr {
				if w.Code != 500 || id != "" {
					t.Errorf("status %d, cookie %q: want 500 and none", w.Code, id)
				}
				if err := e.nextError(t); !errors.Is(err, store.ErrConflict) {
					t.Errorf("error %v, want store.ErrConflict", err)
				}
				return
			}
			if want := base64.RawURLEncoding.EncodeToString(fresh); w.Code != 200 || id != want {
				t.Fatalf("status %d, cookie %q: want 200 and %q", w.Code, id, want)
			}
			if got := e.value(id, "owner"); got != "second" {
				t.Errorf("the new session: owner=%q", got)
			}
			e.noError(t)
		})
	}
}
