// Package serverside keeps session data on the server and only an opaque ID
// in the cookie, behind the same session.Interface as the signed cookie.
//
// The cookie carries 256 random bits (crypto/rand, base64url); the store
// sees only the SHA-256 of that ID, so nothing in the store can be replayed
// as a cookie, and the raw ID is never stored or logged. IDs the server
// never issued — unknown, expired, malformed, over-long — are never looked
// up or reused: the client gets a fresh ID when the session is first
// written. A session nobody writes to is never stored.
//
// # Guarantees
//
// Every request records its changes key by key (session.State.Track). Every
// write to the store is checked against the version the request last read:
// saving is a compare-and-swap (store.Store.Save) and deleting an emptied,
// cleared or moved record is a compare-and-delete
// (store.Store.CompareAndDelete). On a conflict the record is reloaded, the
// request's changes are applied to the fresh values and the write is
// retried, after a jittered exponential backoff (1ms doubling to 32ms),
// until it succeeds or the request's deadline — Options.RetryTimeout (5s)
// when the request has none — is spent; then it fails with
// ErrTooManyConflicts. No record is ever deleted or moved on a stale view.
// So, for the requests of one session:
//
//   - each request's changes are applied atomically, in the order the
//     requests commit; two overlapping requests that write different keys
//     both persist, and for the same key the request that commits last wins;
//   - a request whose save succeeded is never lost: its values stay until a
//     later request changes the same keys or ends the session;
//   - Session.Clear ends the session (Flask's logout idiom, session.clear()):
//     its record is deleted, subject or not, after any request that
//     committed before it; what the request writes after Clear (a "you are
//     logged out" flash, a new login) goes into a fresh session with a new
//     ID, carrying only the subject and metadata set after Clear. So Clear
//     then Set replaces every value, under a new ID;
//   - a request that leaves the session empty (Delete or Pop of the last
//     key, reading the last flash) ends it, subject or not: the record is
//     deleted, the cookie cleared, and the ID never used again. A session
//     with no values is stored only when the request attached it to a
//     subject (Session.SetSubject: a login made of Renew and SetSubject
//     alone is kept, as a cookie session keeps it); metadata alone, or a
//     subject that only comes from the record, does not keep it — so a
//     session whose only content is its subject ends when a later request
//     leaves it with no values (a flash set and read): keep a value with
//     the subject (the user's key) when that matters.
//     (Pop of the user's key while other keys remain does not end the
//     session, nor drop its subject: log out with Session.Destroy or Clear.);
//   - a session ended by one request (logout, Clear, emptying, revocation),
//     moved by another's Session.Renew, or expired, is never brought back: a
//     request that writes to it and had not committed before fails with
//     ErrSessionGone, reported through the error handler, and writes
//     nothing. A request that only removes keys from a session ended
//     meanwhile succeeds and clears the cookie: nothing is left to remove;
//   - a change inside a nested value is saved only for the keys passed to
//     Session.MarkModified(keys...) (without keys it counts every key).
//
// Session.Renew gives the session a new ID at save time (call it at login): the
// data moves to a new record, and the old record is deleted only at the
// version the new record was built from; a write that committed on the old
// ID meanwhile is merged into the new record and the move retried, so it is
// never lost, and the old ID is never written to. The old ID then finds
// nothing. If the old record was ended meanwhile, the new one is deleted and
// the save fails with ErrSessionGone.
//
// Ending a session is a decision of the server that the client cannot undo:
// the store operations of Session.Destroy (logout), Clear, emptying (also
// when the emptying comes from merging with a request that committed
// first), Session.Renew's move (it ends the old ID), and Manager.Revoke and
// RevokeKey run in a context detached from the request's cancellation and
// deadline, bounded by Options.EndTimeout (5s), so a client that
// disconnects does not keep its session; a store failure is reported
// through the error handler (Revoke, RevokeKey and Sessions, called
// with a request's context, report theirs on that request's session too).
// Values written after the request ended its own session (a "you are logged
// out" flash after Destroy, or after revoking the current session) go into
// a fresh session with a new ID that holds only those values, with no
// subject and no metadata. A revoked session's next request finds nothing
// and starts anonymous. An ending sent with an ID that a concurrent
// Renew has just moved ends only that old ID: it does not follow the
// move.
//
// Failures are never silent: every store failure of Manager.Sessions,
// Revoke and RevokeKey called with a request's context is also answered by
// the error handler. ErrNoSubjects (a store that cannot list by subject)
// matches session.ErrNotSupported and is treated as the session package
// treats any unsupported lifecycle call, the same on every backend.
//
// Idle and absolute timeouts are enforced on every read. Reading does not
// rewrite data: a read-only request only "touches" the record (extending
// the idle expiry and LastSeen) when the last touch is older than
// Options.TouchInterval, through store.Toucher when the store has it.
package serverside

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/tagjson"
)

// Errors.
var (
	// ErrSessionGone means the session was ended by another request
	// (logout, emptying, revocation) or expired while this request ran, so
	// this request's changes were not saved.
	ErrSessionGone = errors.New("serverside: session ended by another request or expired")
	// ErrTooManyConflicts means the save kept conflicting with concurrent
	// saves of the same session until the request's deadline (or
	// Options.RetryTimeout, or Options.MaxRetries) was spent.
	ErrTooManyConflicts = errors.New("serverside: too many concurrent saves")
	// ErrNotServerSide is returned by the package functions for a session
	// this package did not open.
	ErrNotServerSide = errors.New("serverside: not a server-side session")
	// ErrNoSubjects means the store cannot list or revoke by subject: use
	// a store that implements store.SubjectStore. It wraps
	// session.ErrNotSupported (errors.Is matches both): what a backend
	// cannot do answers ErrNotSupported, whatever the backend.
	ErrNoSubjects = fmt.Errorf("%w: serverside: store cannot list sessions by subject", session.ErrNotSupported)
)

// Defaults of Options.
const (
	// DefaultEndTimeout bounds the store operations that end a session.
	DefaultEndTimeout = 5 * time.Second
	// DefaultRetryTimeout bounds the conflict retries of a request whose
	// context has no deadline.
	DefaultRetryTimeout = 5 * time.Second
)

// Options configure a Backend.
type Options struct {
	// Store keeps the records. Required.
	Store store.Store
	// IdleTimeout ends a session not used for this long; 0 disables it.
	IdleTimeout time.Duration
	// PermanentIdleTimeout is the idle timeout of permanent sessions
	// (Session.SetPermanent(true): "remember me"); 0 means IdleTimeout.
	// Set it longer (up to Config.PermanentLifetime) so that a login
	// remembered for 31 days is not ended by a 24-hour IdleTimeout.
	PermanentIdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created,
	// however active; 0 means Config.PermanentLifetime (31 days).
	AbsoluteTimeout time.Duration
	// TouchInterval is the least time between two touches of a record by
	// read-only requests; 0 means one minute, or half the shorter positive
	// idle timeout (IdleTimeout, PermanentIdleTimeout) when that is less,
	// so that a session read more often than its idle timeout stays alive.
	// An explicit value is used as given: keep it under half of both idle
	// timeouts.
	TouchInterval time.Duration
	// RetryTimeout bounds how long a save keeps retrying writes that
	// conflict with concurrent requests of the same session, when the
	// request's context has no deadline (with one, that deadline bounds
	// the retries). 0 means DefaultRetryTimeout (5s). When it is spent the
	// save fails with ErrTooManyConflicts. The retries of an ending and of
	// Session.Renew's move are bounded by EndTimeout instead.
	RetryTimeout time.Duration
	// MaxRetries, if positive, also bounds the number of retries of a
	// conflicting write. 0 (the default) means no count: a count cannot
	// tell a busy session from a broken one and made saves fail under
	// contention, so only the deadline ends the retries.
	MaxRetries int
	// EndTimeout bounds the store operations that end a session or an ID
	// (Destroy, Clear, emptying, Renew's move, Revoke, RevokeKey). They run
	// detached from the
	// request's cancellation and deadline, so a client that goes away
	// cannot keep its session alive; 0 means DefaultEndTimeout (5s).
	EndTimeout time.Duration
	// Helpers supplies cookie attributes; nil means session.Defaults.
	Helpers session.Helpers
	// Meta, if set, gives the metadata recorded with a session when a
	// request attaches it to a subject (Session.SetSubject, at login): a
	// user agent, an address, a device name, shown by
	// session.Manager.Sessions (Info.Meta). It never travels to the client.
	// Session.SetSubject calls it with the request that opened the session,
	// in the caller's goroutine and while no lock of the session is held,
	// so it may use the session (session.From(r).Subject() is the subject
	// just set).
	Meta func(r *http.Request) map[string]string
	// Rand is the source of session IDs; nil means crypto/rand. It must
	// fill the 32 bytes of an ID (io.ReadFull); if it fails or falls
	// short, saving fails: there is no fallback.
	Rand io.Reader
}

// Backend is the server-side session backend: the session.Interface that
// keeps each session's data in a store.Store and only an opaque ID in the
// cookie. It also implements session.Lifecycle (renew, subject, destroy,
// list and revoke). Create one with New.
type Backend struct {
	opts  Options
	store store.Store
}

var (
	_ session.Interface = (*Backend)(nil)
	_ interface {
		NeedsRefresh(*session.Config, *http.Request) bool
	} = (*Backend)(nil)
	_ session.Lifecycle = (*Backend)(nil)
)

// New returns a Backend over opts.Store.
func New(opts Options) (*Backend, error) {
	if opts.Store == nil {
		return nil, errors.New("serverside: no Options.Store")
	}
	if opts.IdleTimeout < 0 || opts.PermanentIdleTimeout < 0 || opts.AbsoluteTimeout < 0 || opts.TouchInterval < 0 || opts.MaxRetries < 0 ||
		opts.RetryTimeout < 0 || opts.EndTimeout < 0 {
		return nil, errors.New("serverside: negative option")
	}
	if opts.TouchInterval == 0 {
		opts.TouchInterval = time.Minute
		for _, idle := range []time.Duration{opts.IdleTimeout, opts.PermanentIdleTimeout} {
			if idle > 0 && idle/2 < opts.TouchInterval {
				opts.TouchInterval = idle / 2
			}
		}
	}
	if opts.RetryTimeout == 0 {
		opts.RetryTimeout = DefaultRetryTimeout
	}
	if opts.EndTimeout == 0 {
		opts.EndTimeout = DefaultEndTimeout
	}
	if opts.Helpers == nil {
		opts.Helpers = session.Defaults{}
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	return &Backend{opts: opts, store: opts.Store}, nil
}

// Store returns the store in use.
func (i *Backend) Store() store.Store { return i.store }

// idLen is the length of an encoded ID: 32 bytes in unpadded base64url.
const idLen = 43

// state is the server-side part of a session.
type state struct {
	owner *Backend
	// req is the request that opened the session, given to Options.Meta.
	req        *http.Request
	mu         sync.Mutex
	id         string // raw ID from the cookie; "" until one is issued
	key        string // store key: base64url(SHA-256(id))
	version    uint64 // version of the record as this request last read it
	created    time.Time
	lastSeen   time.Time
	recSubject string // the subject of the record when it was loaded
	subject    string
	subjectSet bool
	meta       map[string]string
	metaSet    map[string]string
	// afterClear: the subject was set, and metaAfterClear holds the
	// metadata set, after Session.Clear in this request; only those carry
	// over to the fresh session that follows a cleared one.
	afterClear     bool
	metaAfterClear map[string]string
	regenerate     bool
	// ended: this request ended its own session (Destroy, or a revocation
	// of it); the fields above then describe a fresh session holding only
	// what was written afterwards.
	ended bool
	// endKey is the record still to delete at save time (Destroy).
	endKey string
	// clearCookie: the client holds a cookie the response must clear
	// unless a fresh session replaces it.
	clearCookie bool
	// saved: Save ran (the header is on its way); the session is sealed.
	saved bool
}

// end makes st a fresh session: the current one is over. The record, if
// any, still has to be deleted when pending is true.
func (st *state) end(pending bool) {
	if pending && st.key != "" {
		st.endKey = st.key
	}
	st.ended, st.clearCookie = true, true
	st.id, st.key, st.version = "", "", 0
	st.created, st.lastSeen = time.Time{}, time.Time{}
	st.recSubject, st.subject, st.subjectSet = "", "", false
	st.meta, st.metaSet = nil, nil
	st.afterClear, st.metaAfterClear = false, nil
	st.regenerate = false
}

// endCleared makes st the fresh session that follows one Session.Clear
// ended: only the subject and metadata set after Clear carry over.
func (st *state) endCleared() {
	subject, keep, meta := st.subject, st.subjectSet && st.afterClear, st.metaAfterClear
	st.end(false)
	if keep {
		st.subject, st.subjectSet = subject, true
	}
	st.metaSet = meta
}

func stateOf(s *session.Session) *state {
	if s == nil {
		return nil
	}
	var st *state
	session.Inspect(s, func(ss session.State) { st, _ = ss.Backend.(*state) })
	return st
}

// stateOf returns the state of a session i opened, or nil.
func (i *Backend) stateOf(s *session.Session) *state {
	if st := stateOf(s); st != nil && st.owner == i {
		return st
	}
	return nil
}

// validID reports whether s has the shape of an ID this package issues.
func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// storeKey is the key a session ID is stored under.
func storeKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (i *Backend) newID() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(i.opts.Rand, b[:]); err != nil {
		return "", fmt.Errorf("serverside: reading random bytes for a session ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (i *Backend) absolute(cfg *session.Config) time.Duration {
	if i.opts.AbsoluteTimeout > 0 {
		return i.opts.AbsoluteTimeout
	}
	return cfg.PermanentLifetime // normalised by session.New
}

// idle is the idle timeout of a session (0: none).
func (i *Backend) idle(permanent bool) time.Duration {
	if permanent && i.opts.PermanentIdleTimeout > 0 {
		return i.opts.PermanentIdleTimeout
	}
	return i.opts.IdleTimeout
}

// expires is when a record created at created and last seen at seen ends.
func (i *Backend) expires(cfg *session.Config, created, seen time.Time, permanent bool) time.Time {
	exp := created.Add(i.absolute(cfg))
	if idle := i.idle(permanent); idle > 0 && seen.Add(idle).Before(exp) {
		exp = seen.Add(idle)
	}
	return exp
}

// alive reports whether rec is live at now: within the absolute timeout,
// the longer of the two idle timeouts, and the record's own Expires
// (written with the idle timeout of its kind of session).
func (i *Backend) alive(cfg *session.Config, rec *store.Record, now time.Time) bool {
	longest := i.opts.IdleTimeout // 0: browser sessions have none
	if longest > 0 {
		longest = max(longest, i.opts.PermanentIdleTimeout)
	}
	exp := rec.Created.Add(i.absolute(cfg))
	if longest > 0 && rec.LastSeen.Add(longest).Before(exp) {
		exp = rec.LastSeen.Add(longest)
	}
	return now.Before(exp) && !rec.Expired(now)
}

func now(cfg *session.Config) time.Time { return cfg.Now() }

func serializer(cfg *session.Config) *tagjson.Serializer { return cfg.Serializer }

// errNotNormalised: the Backend was called with a Config that did not go
// through session.New (which sets every default it reads).
var errNotNormalised = errors.New("serverside: the Config was not passed through session.New")

func normalised(cfg *session.Config) error {
	if cfg == nil || cfg.Now == nil || cfg.Serializer == nil || cfg.PermanentLifetime <= 0 {
		return errNotNormalised
	}
	return nil
}

// NeedsRefresh reports whether an untouched request must still open its
// session: when it carries a well-formed ID (to enforce expiry, touch the
// record, and refresh a permanent cookie).
func (i *Backend) NeedsRefresh(cfg *session.Config, r *http.Request) bool {
	id, ok := session.RequestCookie(r, i.opts.Helpers.CookieName(cfg, r))
	return ok && validID(id)
}

// CookieHelpers returns the Helpers that name and shape the session's
// cookie (Options.Helpers), so that the middleware tells the cookies of two
// Managers apart by what they say ([session.CookieHelpers]).
func (i *Backend) CookieHelpers() session.Helpers { return i.opts.Helpers }

// Open loads the session whose ID the cookie carries. A missing, malformed,
// unknown or expired ID gives a new, empty session (no store lookup for a
// malformed one). A store error is returned: the request fails closed.
func (i *Backend) Open(cfg *session.Config, r *http.Request) (*session.Session, error) {
	if err := normalised(cfg); err != nil {
		return nil, err
	}
	id, ok := session.RequestCookie(r, i.opts.Helpers.CookieName(cfg, r))
	if ok && validID(id) {
		key := storeKey(id)
		rec, found, err := i.store.Load(r.Context(), key)
		if err != nil {
			return nil, storeFailed("loading the session", err)
		}
		if found && i.alive(cfg, &rec, now(cfg)) {
			values, err := serializer(cfg).UnmarshalMap(rec.Data)
			if err != nil {
				return nil, fmt.Errorf("serverside: %w: %w", session.ErrBadPayload, err)
			}
			return session.NewSession(session.State{Values: values, Track: true,
				Backend: &state{owner: i, req: r, id: id, key: key, version: rec.Version, created: rec.Created,
					lastSeen: rec.LastSeen, recSubject: rec.Subject, subject: rec.Subject, meta: rec.Meta}}), nil
		}
	}
	return session.NewSession(session.State{New: true, Track: true, Backend: &state{owner: i, req: r}}), nil
}
