package session

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/sessionkit/session/signing"
)

// Internals the external tests reach. None of this is part of the API.

type CookieTooLargeError = cookieTooLargeError

const (
	MaxLifetime              = maxLifetime
	HardMaxCookieSize        = hardMaxCookieSize
	DefaultMaxCookieSize     = defaultMaxCookieSize
	DefaultPermanentLifetime = defaultPermanentLifetime
	DefaultSubjectKey        = defaultSubjectKey
	DefaultFlashCategory     = defaultFlashCategory
	SecureCookieName         = secureCookieName
)

var (
	ErrReadAfterHeader  = errReadAfterHeader
	ErrCookieNotSent    = errCookieNotSent
	ErrResponseReplaced = errResponseReplaced
)

// Signer returns the signer built from SecretKey and SecretKeyFallbacks, or
// nil when SecretKey is empty.
func (c *Config) Signer() (*signing.Signer, error) {
	rc, err := c.get()
	if err != nil {
		return nil, err
	}
	return rc.signer, nil
}

// Validate is what New checks.
func (c *Config) Validate() error {
	_, err := c.resolve()
	return err
}

func (s *Session) Lookup(key string) (any, bool) { return s.lookup(key) }
func (s *Session) Len() int                      { return len(s.Values()) }
func (s *Session) Keys() []string                { return slices.Sorted(maps.Keys(s.Values())) }
func (s *Session) Modified() bool                { return s.modifiedFlag() }
func (s *Session) Err() error                    { return s.firstErr() }
func (s *Session) IsNull() bool                  { return s.isNull() }
func (s *Session) Fail(err error)                { s.fail(err) }
func (s *Session) TrackChanges()                 { s.trackChanges() }
func (s *Session) MarkChanged() error            { return s.markModifiedOnly() }

func (s *Session) Accessed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// ChangeSet is what Inspect shows of the tracked changes.
type ChangeSet struct {
	Cleared bool
	Set     map[string]any
	Deleted []string
}

func (s *Session) Changes() ChangeSet {
	var cs ChangeSet
	Inspect(s, func(st State) { cs = ChangeSet{Cleared: st.Cleared, Set: st.Set, Deleted: st.Deleted} })
	if cs.Set == nil {
		cs.Set = map[string]any{}
	}
	return cs
}

func (s *Session) Peek() (values map[string]any, accessed, modified bool) {
	Inspect(s, func(st State) { values, accessed, modified = maps.Clone(st.Values), st.Accessed, st.Modified })
	return
}

func NewNullSession(cause error) *Session { return newNullSession(cause) }

// NewValues is NewSession with values only.
func NewValues(values map[string]any) *Session { return NewSession(State{Values: values}) }

// Load is From that also returns the error opening the session failed with.
func Load(r *http.Request) (*Session, error) {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	if st == nil {
		return newNoMiddlewareSession(), ErrNoMiddleware
	}
	return st.session()
}

func SetCookie(h Helpers, cfg *Config, w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	a := attrsOf(h, cfg, r)
	line := string(appendSetCookie(nil, &a, []byte(value), expires, -1))
	addCookieHeaders(w.Header(), line, new(headerLines))
}

func DeleteCookie(h Helpers, cfg *Config, w http.ResponseWriter, r *http.Request) {
	a := attrsOf(h, cfg, r)
	addCookieHeaders(w.Header(), deletionCookie(&a), new(headerLines))
}

func AddVaryCookie(h http.Header) { addVaryCookie(h, new(headerLines)) }

func (m *Manager) Interface() Interface { return m.rc.iface }

func (sc *SecureCookie) NeedsRefresh(cfg *Config, r *http.Request) bool {
	return sc.needsRefresh(cfg, r)
}
