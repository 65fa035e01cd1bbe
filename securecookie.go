package session

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"sync"
	"time"
)

// SecureCookie is the default Interface: Flask's SecureCookieSessionInterface.
// The whole session lives in a cookie signed the way Flask signs it
// (itsdangerous, HMAC-SHA1, salt "cookie-session", tagged JSON, zlib when it
// helps), so Flask and Go services sharing a SecretKey share sessions.
//
// The cookie is signed, not encrypted: its holder can read it. See the
// sealed package for an encrypted format.
//
// The zero value is ready to use.
type SecureCookie struct {
	// Helpers supplies cookie attributes, expiry and the set-cookie rule;
	// nil means Defaults{}. Override one helper by embedding Defaults in a
	// type of your own.
	Helpers Helpers
	// Codec turns the encoded session into a cookie value and back; nil
	// means Flask's signed format, which New builds once from
	// Config.SecretKey, SecretKeyFallbacks and Signing (signing's error
	// classes mapped onto ErrInvalidCookie and ErrBadPayload). The sealed
	// package provides an encrypted one.
	Codec Codec
}

// Codec is a cookie value format for [SecureCookie]. SecureCookie applies
// the configuration's size bound (see Config.MaxCookieSize) before Decode and
// after Encode, so what it writes it reads; a Codec may have a cap of its own.
type Codec interface {
	// Encode appends the cookie value for payload (the encoded session),
	// for the cookie called name, issued at now and valid for lifetime.
	Encode(dst []byte, name string, payload []byte, now time.Time, lifetime time.Duration) ([]byte, error)
	// Decode appends the payload of value to dst and says when the value
	// was made (signed or sealed) and whether it was made with an old key
	// (stale: the interface then re-issues it). A value that cannot be
	// opened gives an error matching ErrInvalidCookie (a new, empty
	// session); any other error answers the request with HTTP 500.
	Decode(dst []byte, name, value string, now time.Time, lifetime time.Duration) (payload []byte, issued time.Time, stale bool, err error)
}

// decoded describes an opened cookie value.
type decoded struct {
	Issued time.Time // when the value was made (signed or sealed)
	Stale  bool      // made with an old key: re-issue it
}

var _ Interface = (*SecureCookie)(nil)

// codec returns the Codec in use: sc.Codec, else Flask's signed format
// built by New from Config.SecretKey; nil without either (null sessions).
func (sc *SecureCookie) codec(rc *resolvedConfig) Codec {
	if sc.Codec != nil {
		return sc.Codec
	}
	return rc.flask
}

// CookieHelpers returns the Helpers sc names its cookie with (Defaults
// when Helpers is nil); see [CookieHelpers].
func (sc *SecureCookie) CookieHelpers() Helpers { return sc.helpers() }

func (sc *SecureCookie) helpers() Helpers {
	if sc.Helpers != nil {
		return sc.Helpers
	}
	return Defaults{}
}

// buffers reused across requests for payloads and cookie values.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Open reads and verifies the session cookie. Without a secret key it returns
// (nil, nil): the middleware then uses a null session. A missing, badly
// signed, malformed, expired or over-long (see Config.MaxCookieSize) cookie
// gives a new empty session. A cookie with a valid signature whose payload
// cannot be decoded is an error wrapping ErrBadPayload, as Flask answers it
// with HTTP 500 (only requests that use the session open it; see
// needsRefresh). With Config.Revocations, a session whose subject was
// revoked after it was established gives a new empty session, and a lookup
// error is returned.
func (sc *SecureCookie) Open(cfg *Config, r *http.Request) (*Session, error) {
	return sc.open(cfg, r, nil)
}

// open is Open building the session in slot when slot is not nil (the
// middleware's request state holds one, which saves an allocation).
func (sc *SecureCookie) open(cfg *Config, r *http.Request, slot *Session) (*Session, error) {
	rc, err := cfg.get()
	if err != nil {
		return nil, err
	}
	if sc.codec(rc) == nil {
		return nil, nil
	}
	name := sc.helpers().CookieName(cfg, r)
	value, ok := readCookie(r, name)
	if !ok || value == "" {
		return slot.init(State{}), nil
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	payload, info, err := sc.decode(rc, cfg, (*bp)[:0], name, value)
	*bp = payload[:0]
	if err != nil {
		if errors.Is(err, ErrInvalidCookie) {
			if rc.logger.Enabled(r.Context(), slog.LevelDebug) {
				rc.logger.LogAttrs(r.Context(), slog.LevelDebug, "session: ignoring invalid cookie",
					slog.String("cookie", name), slog.String("reason", err.Error()))
			}
			return slot.init(State{}), nil
		}
		if errors.Is(err, ErrBadPayload) { // Flask's format names the class itself
			return nil, fmt.Errorf("session: cookie %q: %w", name, err)
		}
		return nil, fmt.Errorf("%w: cookie %q: %w", ErrBadPayload, name, err)
	}
	values, err := rc.serializer.UnmarshalMap(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: cookie %q: %w", ErrBadPayload, name, err)
	}
	if cfg.Revocations != nil && subjectOf(cfg, values) != "" {
		if _, ok := values[EstablishedKey]; !ok {
			// A cookie from before EstablishedKey: it counts as established
			// when issued, and keeps that time through its re-issues.
			values[EstablishedKey] = info.Issued.UnixNano()
		}
	}
	if revoked, err := isRevoked(r.Context(), cfg, values, info.Issued); err != nil {
		return nil, err
	} else if revoked {
		rc.logger.LogAttrs(r.Context(), slog.LevelDebug, "session: ignoring a revoked cookie", slog.String("cookie", name))
		return slot.init(State{}), nil
	}
	// Made with an old key: re-issued under the current one when saved.
	st := State{Values: values, Reissue: info.Stale}
	if cfg.Revocations != nil {
		if subject := subjectOf(cfg, values); subject != "" {
			// Remembered for the check at save: Renew does not re-establish it.
			st.Backend = &cookieOrigin{subject: subject, established: establishedAt(values, info.Issued)}
		}
	}
	return slot.init(st), nil
}

// errOverBound is the reason a cookie longer than the configuration's bound
// is ignored; it matches ErrInvalidCookie.
var errOverBound = fmt.Errorf("%w: longer than MaxCookieSize (or the 64 KiB hard bound) allows", ErrInvalidCookie)

// decode opens a cookie value with the Codec (by default Flask's format).
// A value over the configuration's bound is refused before any decoding.
func (sc *SecureCookie) decode(rc *resolvedConfig, cfg *Config, dst []byte, name, value string) ([]byte, decoded, error) {
	if !rc.fits(name, len(value)) {
		return dst, decoded{}, errOverBound
	}
	payload, issued, stale, err := sc.codec(rc).Decode(dst, name, value, cfg.now(), rc.lifetime)
	return payload, decoded{Issued: issued, Stale: stale}, err
}

// permanentName and backslash are what a payload must hold to set the
// permanent flag: the key "_permanent" as written, or spelled with a \u
// escape (any JSON writer may use one, and whitespace around the colon).
var (
	permanentName = []byte(permanentKey)
	backslash     = []byte{'\\'}
)

// mayBePermanent reports whether a JSON payload could hold a top-level
// "_permanent" entry: false is certain, true means "decode and see".
func mayBePermanent(payload []byte) bool {
	return bytes.Contains(payload, permanentName) || bytes.IndexByte(payload, '\\') >= 0
}

// needsRefresh is SecureCookie's NeedsRefresh (see [Interface]), kept out
// of the API: it reports whether a request that never used its session must
// still re-send the cookie: refresh-each-request is on and the request
// carries a validly signed (or sealed) cookie of a permanent session, or
// the cookie was made with an old key and must be re-issued. It verifies
// the cookie into a pooled buffer and decodes it only when the payload
// could hold a "_permanent" key (the name, or a \u escape that could spell
// it), so an untouched request that needs no refresh allocates nothing;
// one that may is decoded and refreshed when its "_permanent" is true as
// Flask tests it. With Flask's format (no Codec), whose values are never
// stale, a cookie is not even verified when refreshing is off or its
// unverified payload cannot hold the key (signing's PayloadMayContain):
// the answer is false either way.
//
// An untouched request never fails because of the payload: a cookie whose
// signature holds but whose payload cannot be decoded — bad base64 or zlib,
// bad JSON, a failing tag — is neither reported nor refreshed, and the
// request goes through (200). This is a deliberate difference from Flask,
// which opens the session of every request and answers such a cookie with
// HTTP 500 even when the view never uses it; here it is reported
// (ErrBadPayload, HTTP 500) by the first request that uses the session.
// Other errors of a Codec (not ErrInvalidCookie) answer true, so that
// opening the session reports them: they fail closed.
func (sc *SecureCookie) needsRefresh(cfg *Config, r *http.Request) bool {
	rc, err := cfg.get()
	if err != nil || sc.codec(rc) == nil {
		return false
	}
	name := sc.helpers().CookieName(cfg, r)
	value, ok := readCookie(r, name)
	if !ok || value == "" {
		return false
	}
	if sc.Codec == nil && (cfg.DisableRefreshEachRequest ||
		!rc.signer.PayloadMayContain(value, permanentName) && !rc.signer.PayloadMayContain(value, backslash)) {
		// Flask's format never reports a value stale, so only a verified
		// payload whose "_permanent" is true is refreshed: when refreshing
		// is off, or the (unverified) payload cannot hold that key, the
		// answer is false whatever the signature — which is then not
		// checked.
		return false
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	payload, info, err := sc.decode(rc, cfg, (*bp)[:0], name, value)
	*bp = payload[:0]
	if err == nil {
		if !info.Stale && (cfg.DisableRefreshEachRequest || !mayBePermanent(payload)) {
			return false
		}
		// To be opened and re-issued only if it decodes, as an untouched
		// request does not report a bad payload, and, unless stale, only if
		// its "_permanent" is true as Flask tests it (Python truthiness,
		// whatever the JSON's spacing or escapes; the last of duplicate
		// keys wins, as in Python).
		m, err := rc.serializer.UnmarshalMap(payload)
		if err != nil {
			return false
		}
		return info.Stale || (!cfg.DisableRefreshEachRequest && pyTruthy(m[permanentKey]))
	}
	if errors.Is(err, ErrInvalidCookie) || errors.Is(err, ErrBadPayload) {
		return false
	}
	return true // a Codec's own failure: opening reports it
}

// Save writes the cookie with [SaveCookie] (Flask's save_session): Vary:
// Cookie when the session was accessed; a deletion cookie when a modified
// session ended up empty; otherwise the signed (or Codec's) cookie when
// ShouldSetCookie says so (or it was made with an old key), with Expires
// only for permanent sessions, and the limits and caching rules SaveCookie
// applies. One the
// next request would not read back (over an explicit Signing.MaxLength) is
// an error in every configuration. With Config.Revocations, a session that
// carries a subject is checked again before it is re-issued (see
// Revocations).
func (sc *SecureCookie) Save(cfg *Config, s *Session, w http.ResponseWriter, r *http.Request) error {
	rc, err := cfg.get()
	if err != nil {
		return err
	}
	h := sc.helpers()
	return SaveCookie(cfg, h, s, w, r, func(dst []byte) ([]byte, error) {
		if s.isEmpty() {
			return dst, nil
		}
		if sc.codec(rc) == nil {
			return dst, ErrNoSecretKey
		}
		if cfg.Revocations != nil {
			deleted, err := sc.checkRevoked(rc, cfg, s, r)
			if err != nil || deleted {
				return dst, err
			}
		}
		return sc.encode(rc, cfg, h, s, r, dst)
	})
}

// checkRevoked checks, before a cookie session carrying a subject is
// re-issued, that the subject was not revoked while the request ran: a
// session established before that is not re-issued. deleted reports that
// the cookie is to be deleted instead.
func (sc *SecureCookie) checkRevoked(rc *resolvedConfig, cfg *Config, s *Session, r *http.Request) (deleted bool, err error) {
	now := cfg.now()
	var subject string
	var modified, hasEstablished bool
	Inspect(s, func(st State) {
		subject = subjectOf(cfg, st.Values)
		_, hasEstablished = st.Values[EstablishedKey]
		modified = st.Modified
	})
	if subject != "" && !hasEstablished {
		// A subject set without SetSubject: established now.
		if err := s.Set(EstablishedKey, now.UnixNano()); err != nil {
			return false, err
		}
	}
	var established time.Time
	Inspect(s, func(st State) {
		established = establishedAt(st.Values, now)
		// A session opened with this subject and not logged in afresh
		// since (see cookieOrigin) is checked against when it was
		// established then, whatever Renew wrote since.
		if o, ok := st.Backend.(*cookieOrigin); ok && o.subject == subject && o.established.Before(established) {
			established = o.established
		}
	})
	revoked, err := revokedSince(r.Context(), cfg, subject, established)
	if err != nil || !revoked {
		return false, err
	}
	var tracked bool
	var fresh map[string]any
	Inspect(s, func(st State) {
		// A request that revoked its own subject (Manager.Revoke) tracks
		// its writes from then on: they are all it keeps.
		tracked, fresh = st.Track, maps.Clone(st.Set)
	})
	delete(fresh, cfg.subjectKey())
	delete(fresh, EstablishedKey)
	switch {
	case tracked:
		// This request revoked its own subject: the session ended there,
		// and what the handler wrote afterwards (a "logged out" flash)
		// starts a fresh one, without the subject.
		if err := s.Clear(); err != nil || len(fresh) == 0 {
			return true, err // nothing written since: the cookie is deleted
		}
		return false, s.Update(fresh)
	case modified:
		return false, ErrSessionRevoked
	default:
		rc.logger.LogAttrs(r.Context(), slog.LevelDebug, "session: not re-issuing a revoked session")
		return true, s.Clear() // the session is over: its cookie is deleted
	}
}

// encode appends the cookie value of s to dst.
func (sc *SecureCookie) encode(rc *resolvedConfig, cfg *Config, h Helpers, s *Session, r *http.Request, dst []byte) ([]byte, error) {
	pp := bufPool.Get().(*[]byte)
	defer bufPool.Put(pp)
	payload, err := s.appendValues(rc.serializer, (*pp)[:0])
	*pp = payload[:0]
	if err != nil {
		return dst, fmt.Errorf("session: encoding the session: %w", err)
	}
	dst, err = sc.codec(rc).Encode(dst, h.CookieName(cfg, r), payload, cfg.now(), rc.lifetime)
	if err != nil && !errors.Is(err, ErrCookieTooLarge) {
		return dst, fmt.Errorf("session: encoding the cookie: %w", err)
	}
	return dst, err
}
