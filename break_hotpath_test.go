package session_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// TestBreakHotPathTwoManagersKeptHeaders: two Managers with different
// cookies on one request (nested), both sessions written, a 103 Early
// Hints response first, and a handler goroutine that keeps the Header
// slices and appends to them after the response; each session also saved
// by hand into a second response. The real response carries both cookies,
// one "Vary: Cookie" and "Cache-Control: private"; the late appends and the
// second responses change neither the response nor each other.
func TestBreakHotPathTwoManagersKeptHeaders(t *testing.T) {
	a := newManager(t, session.Config{CookieName: "a"})
	b := newManager(t, session.Config{CookieName: "b"})
	var kept http.Header
	extra := map[string]*httptest.ResponseRecorder{}
	var mu sync.Mutex
	late := make(chan struct{})
	afterLate := make(chan struct{})
	h := a.Handler(b.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, m := range map[string]*session.Manager{"a": a, "b": b} {
			s := m.From(r)
			if err := s.Set("who", name); err != nil {
				t.Error(err)
			}
			rec := httptest.NewRecorder()
			if err := m.Save(s, rec, r); err != nil {
				t.Error(err)
			}
			mu.Lock()
			extra[name] = rec
			mu.Unlock()
		}
		w.Header().Set("Link", "</x.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		kept = w.Header()
		go func() {
			defer close(afterLate)
			<-late
			// The application keeps the header and its slices after the
			// response: appends and in-place writes.
			vary, sc, cc := kept["Vary"], kept["Set-Cookie"], kept["Cache-Control"]
			_ = append(vary, "Accept")
			_ = append(sc, "evil=1")
			_ = append(cc, "public")
			if len(vary) > 0 {
				vary[0] = "Accept-Language"
			}
			if len(sc) > 0 {
				sc[0] = "overwritten=1"
			}
			if len(cc) > 0 {
				cc[0] = "public"
			}
		}()
		io.WriteString(w, "ok")
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()
	var interim []int
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
		interim = append(interim, code)
		return nil
	}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	close(late)
	select {
	case <-afterLate:
	case <-time.After(10 * time.Second):
		t.Fatal("late goroutine did not finish")
	}
	if !slices.Equal(interim, []int{103}) {
		t.Errorf("interim responses %v, want [103]", interim)
	}
	var names []string
	for _, c := range res.Cookies() {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("cookies %v, want a and b", names)
	}
	if v := res.Header.Values("Vary"); !slices.Equal(v, []string{"Cookie"}) {
		t.Errorf("Vary %q", v)
	}
	if v := res.Header.Values("Cache-Control"); !slices.Equal(v, []string{"private"}) {
		t.Errorf("Cache-Control %q", v)
	}
	// The hand-saved responses are untouched by the late writes.
	for name, rec := range extra {
		sc := rec.Result().Header.Values("Set-Cookie")
		if len(sc) != 1 || !strings.HasPrefix(sc[0], name+"=") {
			t.Errorf("%s: hand-saved Set-Cookie %q", name, sc)
		}
		if v := rec.Result().Header.Values("Vary"); !slices.Equal(v, []string{"Cookie"}) {
			t.Errorf("%s: hand-saved Vary %q", name, v)
		}
		if v := rec.Result().Header.Values("Cache-Control"); !slices.Equal(v, []string{"private"}) {
			t.Errorf("%s: hand-saved Cache-Control %q", name, v)
		}
	}
}
