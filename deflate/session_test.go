package deflate_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/signing"
)

// app is a Manager for cfg whose /set stores the bench session's entries and
// whose /get answers "same" when it reads them back. It records the error
// its ErrorHandler got.
func app(t *testing.T, cfg session.Config, errp *error) http.Handler {
	t.Helper()
	cfg.SecretKey = []byte("deflate-test-key")
	cfg.Now = func() time.Time { return time.Unix(t0, 0) }
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		*errp = err
		w.WriteHeader(http.StatusInternalServerError)
	}
	m, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for k, v := range benchEntries() {
			if err := s.Set(k, v); err != nil {
				t.Error(err)
			}
		}
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for k, v := range benchEntries() {
			if got := s.Get(k); fmt.Sprint(got) != fmt.Sprint(v) {
				fmt.Fprintf(w, "%s: %v", k, got)
				return
			}
		}
		w.Write([]byte("same"))
	})
	return m.Handler(mux)
}

// benchEntries is the bench module's readwrite-2KB session.
func benchEntries() map[string]any {
	const text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
		"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
		"exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure " +
		"dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."
	m := map[string]any{"user_id": 42, "name": "alice", "role": "admin"}
	for i := range 8 {
		off := i * 16
		m[fmt.Sprintf("note_%d", i)] = fmt.Sprintf("%d %s", i, text[off:off+200])
		m[fmt.Sprintf("count_%d", i)] = 1000 + i*7919
	}
	return m
}

// setCookie runs /set and returns the session's Set-Cookie line ("" if
// none) and the error the ErrorHandler got.
func setCookie(t *testing.T, cfg session.Config) (line string, err error) {
	t.Helper()
	rec := httptest.NewRecorder()
	app(t, cfg, &err).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/set", nil))
	for _, l := range rec.Result().Header.Values("Set-Cookie") {
		if strings.HasPrefix(l, "session=") {
			return l, err
		}
	}
	return "", err
}

// TestSessionCookieLimit: through session.Config.Signing.Compressor, a
// session whose cookie fits MaxCookieSize exactly with the built-in writer
// still fits (and reads back), although this Compressor's cookie for it is
// longer when nothing bounds it; one byte under that size, neither is sent
// and both report ErrCookieTooLarge.
func TestSessionCookieLimit(t *testing.T) {
	fast := signing.Options{Compressor: newCompressor(t, 0)}
	def, err := setCookie(t, session.Config{MaxCookieSize: -1})
	if def == "" || err != nil {
		t.Fatalf("no default cookie: %v", err)
	}
	free, err := setCookie(t, session.Config{MaxCookieSize: -1, Signing: fast})
	if free == "" || err != nil {
		t.Fatalf("no cookie with the Compressor: %v", err)
	}
	if len(free) <= len(def) {
		t.Fatalf("the Compressor's cookie (%d bytes) is not longer than the default (%d): the test needs one that is", len(free), len(def))
	}
	t.Logf("Set-Cookie: %d bytes by default, %d with the Compressor unbounded", len(def), len(free))

	limit := len(def)
	for _, opts := range []signing.Options{{}, fast} {
		line, err := setCookie(t, session.Config{MaxCookieSize: limit, Signing: opts})
		if line == "" || err != nil || len(line) > limit {
			t.Fatalf("MaxCookieSize %d, Compressor %v: cookie %q (%d bytes), error %v", limit, opts.Compressor != nil, line, len(line), err)
		}
		value, _, _ := strings.Cut(strings.TrimPrefix(line, "session="), ";")
		var gerr error
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/get", nil)
		req.Header.Set("Cookie", "session="+value)
		app(t, session.Config{MaxCookieSize: limit, Signing: opts}, &gerr).ServeHTTP(rec, req)
		if rec.Body.String() != "same" || gerr != nil {
			t.Fatalf("MaxCookieSize %d, Compressor %v: read back %q, %v", limit, opts.Compressor != nil, rec.Body.String(), gerr)
		}

		line, err = setCookie(t, session.Config{MaxCookieSize: limit - 1, Signing: opts})
		if line != "" || !errors.Is(err, session.ErrCookieTooLarge) {
			t.Fatalf("MaxCookieSize %d, Compressor %v: cookie %q, error %v; want ErrCookieTooLarge", limit-1, opts.Compressor != nil, line, err)
		}
	}
}
