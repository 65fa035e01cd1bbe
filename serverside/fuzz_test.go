package serverside_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// keyRecorder records every key the interface asks the store for.
type keyRecorder struct {
	store.Store
	keys []string
}

func (k *keyRecorder) Load(ctx context.Context, key string) (store.Record, bool, error) {
	k.keys = append(k.keys, key)
	return k.Store.Load(ctx, key)
}

// FuzzOpenID: whatever the cookie holds, the store is only ever asked for a
// hashed key (never the raw value), nothing is stored for a read, and the
// client never keeps an ID it chose (R2, R16, R30, R32).
func FuzzOpenID(f *testing.F) {
	f.Add("session=../../etc/passwd")
	f.Add("session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("session=a/b; session=x\x00y")
	f.Fuzz(func(t *testing.T, header string) {
		mem := memstore.New(memstore.Options{})
		rec := &keyRecorder{Store: mem}
		iface, _ := serverside.New(serverside.Options{Store: rec})
		m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard()})
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("x") }))
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || len(w.Result().Header.Values("Set-Cookie")) != 0 || mem.Len() != 0 {
			t.Fatalf("read-only request: status %d, Set-Cookie %v, %d records", w.Code, w.Result().Header.Values("Set-Cookie"), mem.Len())
		}
		for _, k := range rec.keys {
			if len(k) != 43 {
				t.Fatalf("store asked for key %q: not a SHA-256", k)
			}
			if raw, ok := session.RequestCookie(r, "session"); ok && raw == k {
				t.Fatalf("store asked for the raw cookie value %q", k)
			}
		}
	})
}
