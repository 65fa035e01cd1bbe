package flaskwtf

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sessionkit/session/signing"
)

// CSRF is Flask-WTF's CSRF protection for net/http: generate_csrf,
// validate_csrf and the CSRFProtect middleware. Create it with New; it is
// safe for concurrent use.
type CSRF struct {
	cfg    Config
	signer *signing.Signer
}

// New checks cfg, fills in the defaults and returns a CSRF. Errors match
// ErrNoSecretKey or ErrConfig.
func New(cfg Config) (*CSRF, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.SecretKey = slices.Clone(cfg.SecretKey)
	signer, err := signing.New(cfg.SecretKey, nil, signing.Options{
		Salt:          Salt,
		KeyDerivation: "django-concat", // itsdangerous' default, which Flask-WTF keeps
		MaxLength:     MaxTokenLength,
		Now:           cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &CSRF{cfg: cfg, signer: signer}, nil
}

type ctxKey struct{ c *CSRF }

// reqState caches the request's form token (Flask-WTF's g.csrf_token).
type reqState struct {
	mu    sync.Mutex
	token string
}

// Token is generate_csrf(): it returns the form token for r, the raw token
// of the session (Config.FieldName) signed with itsdangerous'
// URLSafeTimedSerializer (salt "wtf-csrf-token"). A session without a raw
// token gets a new one: the SHA-1 hex of 64 random bytes. Inside Handler
// the token is computed once per request, as Flask-WTF caches it in g.
//
// A raw token that is not a string is replaced (Flask-WTF keeps any JSON
// value it can sign, then fails to compare it). Errors match ErrSession.
func (c *CSRF) Token(r *http.Request) (string, error) {
	st, _ := r.Context().Value(ctxKey{c}).(*reqState)
	if st != nil {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.token != "" {
			return st.token, nil
		}
	}
	s := c.cfg.Session(r)
	raw, ok := s.Lookup(c.cfg.FieldName)
	rawStr, isStr := raw.(string)
	if !ok || !isStr {
		var err error
		if rawStr, err = c.newRaw(); err != nil {
			return "", err
		}
		if err := s.Set(c.cfg.FieldName, rawStr); err != nil {
			return "", fmt.Errorf("%w: %w", ErrSession, err)
		}
	}
	tok := c.sign(rawStr)
	if st != nil {
		st.token = tok
	}
	return tok, nil
}

func (c *CSRF) newRaw() (string, error) {
	var b [64]byte
	if _, err := io.ReadFull(c.cfg.Rand, b[:]); err != nil {
		return "", fmt.Errorf("%w: random source: %w", ErrSession, err)
	}
	sum := sha1.Sum(b[:])
	return hex.EncodeToString(sum[:]), nil
}

// sign is URLSafeTimedSerializer.dumps of the string raw.
func (c *CSRF) sign(raw string) string {
	return c.signer.Sign(pyJSONString(raw))
}

// Validate is validate_csrf(token): nil when token is a form token made
// from r's session raw token less than TimeLimit ago. Errors, checked in
// Flask-WTF's order: ErrTokenMissing (token is ""), ErrSessionTokenMissing
// (no raw token in the session), ErrTokenExpired (older than TimeLimit or
// signed in the future), ErrTokenInvalid (bad signature, wrong secret,
// malformed, longer than MaxTokenLength), ErrTokensMismatch (a valid token
// for another session). It only reads the session.
func (c *CSRF) Validate(r *http.Request, token string) error {
	if token == "" {
		return ErrTokenMissing
	}
	raw, ok := c.cfg.Session(r).Lookup(c.cfg.FieldName)
	if !ok {
		return ErrSessionTokenMissing
	}
	return c.check(raw, token)
}

func (c *CSRF) check(raw any, token string) error {
	limit := c.cfg.TimeLimit
	if limit < 0 {
		limit = 0 // signing: no age check
	}
	payload, _, err := c.signer.Verify(token, limit)
	switch {
	case errors.Is(err, signing.ErrExpired), errors.Is(err, signing.ErrFuture):
		return fmt.Errorf("%w: %w", ErrTokenExpired, err)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	var signed string
	if !utf8.Valid(payload) || json.Unmarshal(payload, &signed) != nil {
		// Flask-WTF: BadPayload for bad JSON; a signed non-string would
		// make it fail with a TypeError (HTTP 500). Fail closed.
		return fmt.Errorf("%w: payload is not a JSON string", ErrTokenInvalid)
	}
	// Flask-WTF's hmac.compare_digest raises TypeError (HTTP 500) for a
	// non-string or non-ASCII raw token: never a match here.
	rawStr, ok := raw.(string)
	if !ok || !isASCII(rawStr) || !hmac.Equal([]byte(rawStr), []byte(signed)) {
		return ErrTokensMismatch
	}
	return nil
}

// Protect is CSRFProtect.protect(): if r's method is one of Config.Methods,
// it validates the token r carries (the form field, a form field whose name
// ends with the field name, then Config.Headers in order) and, for a secure
// request with SSL strict checking, the Referer. It parses r's form (like
// Flask reading request.form), so handlers can still read r.PostForm.
func (c *CSRF) Protect(r *http.Request) error {
	if !slices.Contains(c.cfg.Methods, r.Method) {
		return nil
	}
	if err := c.Validate(r, c.requestToken(r)); err != nil {
		return err
	}
	if c.cfg.IsSecure(r) && !c.cfg.DisableSSLStrict {
		ref := r.Header.Get("Referer")
		if ref == "" {
			return ErrRefererMissing
		}
		if !sameOrigin(ref, "https://"+requestHost(r, true)+"/") {
			return ErrRefererMismatch
		}
	}
	return nil
}

// requestToken is CSRFProtect._get_csrf_token. Form fields whose names end
// with the field name (prefixed forms) are tried in sorted order, since Go
// keeps no field order.
func (c *CSRF) requestToken(r *http.Request) string {
	_ = r.ParseMultipartForm(32 << 20) // errors leave an empty or partial form, as Werkzeug does
	name := c.cfg.FieldName
	if v := r.PostForm.Get(name); v != "" {
		return v
	}
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if strings.HasSuffix(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := r.PostForm.Get(k); v != "" {
			return v
		}
	}
	for _, h := range c.cfg.Headers {
		if v := r.Header.Get(h); v != "" {
			return v
		}
	}
	return ""
}

// Handler is CSRFProtect's before_request hook as a middleware: requests
// whose method is in Config.Methods and that Config.Exempt does not exempt
// must pass Protect, or Config.ErrorHandler answers them (and the reason is
// logged at level Info). It also makes Token return one token per request.
// It must run inside the session middleware.
func (c *CSRF) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, nested := r.Context().Value(ctxKey{c}).(*reqState); !nested {
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{c}, new(reqState)))
		}
		if slices.Contains(c.cfg.Methods, r.Method) && !c.cfg.Exempt(r) {
			if err := c.Protect(r); err != nil {
				c.cfg.Logger.InfoContext(r.Context(), Reason(err), "method", r.Method, "path", r.URL.Path)
				c.cfg.ErrorHandler(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requestHost is Werkzeug's request.host: the Host header without the
// scheme's default port.
func requestHost(r *http.Request, secure bool) string {
	h := r.Host
	if secure {
		return strings.TrimSuffix(h, ":443")
	}
	return strings.TrimSuffix(h, ":80")
}

// sameOrigin is Flask-WTF's same_origin: scheme, hostname (lower case) and
// port (absent unless written) of the two URLs are equal. A URL Python's
// urlparse would fail on (bad port) is not the same origin.
func sameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	pa, ok1 := pyPort(ua)
	pb, ok2 := pyPort(ub)
	// Python's urlparse lowers the host name with str.lower, which is not
	// Unicode case folding (strings.EqualFold): compare lowered names.
	ha, hb := strings.ToLower(ua.Hostname()), strings.ToLower(ub.Hostname())
	return ok1 && ok2 && strings.EqualFold(ua.Scheme, ub.Scheme) && ha == hb && pa == pb
}

func pyPort(u *url.URL) (int, bool) {
	p := u.Port()
	if p == "" {
		return -1, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return 0, false
	}
	return n, true
}

// pyJSONString writes s as itsdangerous' compact JSON does
// (json.dumps(s, ensure_ascii=False)): '"' and '\\' escaped, control
// characters as \n \r \t \b \f or \u00XX, everything else as UTF-8
// (invalid bytes as U+FFFD).
func pyJSONString(s string) []byte {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r < 0x20:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
