package session_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/session"
)

// mapInterface is a third-party Interface written as README's "Writing an
// Interface" says: Open builds with NewSession, Save reads with Inspect and
// writes the cookie with SaveCookie; the seed's helpers come from embedding
// Defaults, one of them overridden. It has no Lifecycle.
type mapInterface struct {
	session.Defaults
	mu   sync.Mutex
	data map[string]map[string]any
	n    int
}

func (*mapInterface) CookiePath(*session.Config) string { return "/app" }

func (mi *mapInterface) Open(cfg *session.Config, r *http.Request) (*session.Session, error) {
	id, ok := session.RequestCookie(r, mi.CookieName(cfg, r))
	mi.mu.Lock()
	defer mi.mu.Unlock()
	if v, found := mi.data[id]; ok && found {
		return session.NewSession(session.State{Values: maps.Clone(v), Backend: id}), nil
	}
	return session.NewSession(session.State{New: true}), nil
}

func (mi *mapInterface) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	var id string
	var values map[string]any
	session.Inspect(s, func(st session.State) { id, _ = st.Backend.(string); values = maps.Clone(st.Values) })
	mi.mu.Lock()
	if len(values) == 0 {
		delete(mi.data, id)
		id = ""
	} else {
		if id == "" {
			mi.n++
			id = fmt.Sprintf("id%d", mi.n)
		}
		mi.data[id] = values
	}
	mi.mu.Unlock()
	return session.SaveCookie(cfg, mi, s, w, r, func(dst []byte) ([]byte, error) { return append(dst, id...), nil })
}

func TestBreakCustomInterfaceOnDefaults(t *testing.T) {
	mi := &mapInterface{data: map[string]map[string]any{}}
	m := newManager(t, session.Config{Interface: mi})
	var lifecycleErrs []error
	c := client(m, map[string]http.HandlerFunc{
		"/app/set": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("k", "v") },
		"/app/get": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, session.From(r).Get("k")) },
		"/app/clear": func(w http.ResponseWriter, r *http.Request) {
			_ = session.From(r).Clear()
		},
		"/app/lifecycle": func(w http.ResponseWriter, r *http.Request) {
			_, e1 := m.Sessions(r.Context(), "a")
			lifecycleErrs = []error{e1, m.Revoke(r.Context(), "a", nil), m.RevokeKey(r.Context(), "a", "k")}
		},
	})
	res := c.Get("/app/set")
	sc := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, "session=id1") || !strings.Contains(sc, "Path=/app") || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Cookie") {
		t.Fatalf("Set-Cookie %q, Vary %q", sc, res.Header.Values("Vary"))
	}
	if got := c.Get("/app/get").Body; got != "v" {
		t.Errorf("read back %q", got)
	}
	res = c.Get("/app/clear")
	if sc := strings.Join(res.Header.Values("Set-Cookie"), "\n"); !strings.Contains(sc, "Max-Age=0") || len(mi.data) != 0 {
		t.Errorf("clear: Set-Cookie %q, %d records", sc, len(mi.data))
	}
	c.Get("/app/lifecycle")
	for i, err := range lifecycleErrs {
		if !errors.Is(err, session.ErrNotSupported) {
			t.Errorf("lifecycle call %d: %v, want ErrNotSupported", i, err)
		}
	}
}
