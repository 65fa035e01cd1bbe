package flaskwtf_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flaskwtf"
	"github.com/sessionkit/session/internal/flasktest"
)

const liveSecret = "live-wtf-secret"

// goApp is the Go twin of testdata/peer.py.
func goApp(t *testing.T, csrfSecret string) *httptest.Server {
	t.Helper()
	sm, err := session.New(session.Config{SecretKey: []byte(liveSecret)})
	if err != nil {
		t.Fatal(err)
	}
	if csrfSecret == "" {
		csrfSecret = liveSecret
	}
	c, err := flaskwtf.New(flaskwtf.Config{
		SecretKey: []byte(csrfSecret),
		Exempt:    func(r *http.Request) bool { return r.URL.Path == "/exempt" },
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, flaskwtf.Reason(err), http.StatusBadRequest)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		tok, err := c.Token(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("POST /exempt", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(sm.Handler(c.Handler(mux)))
	t.Cleanup(srv.Close)
	return srv
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func (b *browser) token(base string) string {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/form", nil)
	code, body := b.do(req)
	if code != http.StatusOK || body == "" {
		b.t.Fatalf("GET %s/form: %d %q", base, code, body)
	}
	return body
}

// postForm posts the token as the csrf_token form field, or in header when
// header is not "".
func (b *browser) post(base, path, token, header string) (int, string) {
	b.t.Helper()
	form := url.Values{}
	if header == "" && token != "" {
		form.Set("csrf_token", token)
	}
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header != "" {
		req.Header.Set(header, token)
	}
	return b.do(req)
}

func startPeer(t *testing.T, args ...string) *flasktest.Peer {
	return flasktest.StartScript(t, []string{"flask_wtf"}, "testdata/peer.py", append([]string{liveSecret}, args...)...)
}

func TestLiveTokensBothWays(t *testing.T) {
	peer := startPeer(t)
	goSrv := goApp(t, "")
	for _, tc := range []struct {
		name, from, to, header string
	}{
		{"Flask form posts to Go", peer.URL, goSrv.URL, ""},
		{"Go form posts to Flask", goSrv.URL, peer.URL, ""},
		{"Flask token in X-CSRFToken to Go", peer.URL, goSrv.URL, "X-CSRFToken"},
		{"Go token in X-CSRF-Token to Flask", goSrv.URL, peer.URL, "X-CSRF-Token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			tok := b.token(tc.from)
			if code, body := b.post(tc.to, "/submit", tok, tc.header); code != http.StatusOK {
				t.Fatalf("POST with the token: %d %q", code, body)
			}
			// Both sides share the session's raw token: a token of either
			// side is good on both.
			other := b.token(tc.to)
			if code, body := b.post(tc.from, "/submit", other, tc.header); code != http.StatusOK {
				t.Fatalf("POST back with the other side's token: %d %q", code, body)
			}
			// A tampered token is refused by both, with the same reason.
			// The first character of the signature carries six bits of the
			// HMAC (the last one carries padding bits Python ignores).
			i := strings.LastIndexByte(tok, '.') + 1
			bad := tok[:i] + map[bool]string{true: "A", false: "Q"}[tok[i] != 'A'] + tok[i+1:]
			for _, base := range []string{peer.URL, goSrv.URL} {
				if code, body := b.post(base, "/submit", bad, tc.header); code != http.StatusBadRequest || body != "The CSRF token is invalid." {
					t.Errorf("%s: tampered token: %d %q", base, code, body)
				}
				if code, body := b.post(base, "/submit", "", tc.header); code != http.StatusBadRequest || body != "The CSRF token is missing." {
					t.Errorf("%s: no token: %d %q", base, code, body)
				}
				if code, _ := b.post(base, "/exempt", "", tc.header); code != http.StatusOK {
					t.Errorf("%s: exempt route: %d", base, code)
				}
			}
		})
	}
}

func TestLiveMissingSessionAndWrongSecret(t *testing.T) {
	peer := startPeer(t)
	goSrv := goApp(t, "")
	// A token carried to a browser without the session: both refuse it.
	tok := newBrowser(t).token(peer.URL)
	stranger := newBrowser(t)
	for _, base := range []string{peer.URL, goSrv.URL} {
		if code, body := stranger.post(base, "/submit", tok, ""); code != http.StatusBadRequest || body != "The CSRF session token is missing." {
			t.Errorf("%s: token without session: %d %q", base, code, body)
		}
	}
	// Another session's token: mismatched on both.
	stranger.token(goSrv.URL)
	for _, base := range []string{peer.URL, goSrv.URL} {
		if code, body := stranger.post(base, "/submit", tok, ""); code != http.StatusBadRequest || body != "The CSRF tokens do not match." {
			t.Errorf("%s: another session's token: %d %q", base, code, body)
		}
	}
	// WTF_CSRF_SECRET_KEY differs from Go's key: Flask's tokens are invalid on Go.
	other := startPeer(t, "another-csrf-secret")
	b := newBrowser(t)
	tok = b.token(other.URL)
	if code, body := b.post(goSrv.URL, "/submit", tok, ""); code != http.StatusBadRequest || body != "The CSRF token is invalid." {
		t.Errorf("token under another secret: %d %q", code, body)
	}
	// And Go configured with that secret accepts it.
	goOther := goApp(t, "another-csrf-secret")
	if code, body := b.post(goOther.URL, "/submit", tok, ""); code != http.StatusOK {
		t.Errorf("Go with WTF_CSRF_SECRET_KEY: %d %q", code, body)
	}
}
