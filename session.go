package session

import (
	"log/slog"
	"maps"
	"math/big"
	"slices"
	"sync"

	"github.com/sessionkit/session/tagjson"
)

// Keys Flask itself stores in the session.
const (
	permanentKey = "_permanent"
	flashesKey   = "_flashes"
)

// Session is the data of one client's session during one request: Flask's
// SessionMixin over Werkzeug's CallbackDict. It is safe for use by several
// goroutines of the same request.
//
// Reads never fail. Writes return an error on a session that cannot be
// saved — a null session (no secret key, no middleware, a failed open) or a
// session changed after the response header went out. Such an error is also
// remembered and the middleware answers the request
// through the error handler, so an ignored error is never a silent loss.
//
// Set, Update and SetDefault also refuse a value the session's serializer
// (Config.Serializer, Flask's tagged JSON) cannot encode, with an error
// wrapping [ErrUnencodable]: nothing is stored, the session stays usable
// and is saved as usual, and the request is not failed — the handler
// decides. The value is checked when it is stored; a value changed
// afterwards (then MarkModified) that cannot be encoded fails the save,
// which the middleware reports through the error handler.
//
// Flags follow Flask 3.1.3 exactly: any use — a read, Has, Values,
// Permanent — marks the session accessed (which adds "Vary: Cookie");
// Set, Delete of a present key, Clear, Update and SetPermanent always mark it
// modified, even with an unchanged value; SetDefault only when the key was
// missing; Pop only when the key was present. A change inside a nested value
// (a map or slice stored in the session) is invisible: call MarkModified.
type Session struct {
	mu       sync.Mutex
	values   map[string]any
	accessed bool
	modified bool
	isNew    bool
	null     bool
	// err is returned by every write: the cause for a null session, or
	// ErrHeaderWritten once the session has been saved.
	err error
	// failed is the first write error, reported by the middleware.
	failed error
	// flashes caches the messages popped by Flashes for the rest of the request.
	flashes []Flash
	popped  bool

	// Change tracking, on for server-side sessions (State.Track): which
	// keys were set (true) or deleted (false), and whether Clear ran first.
	track   bool
	changes map[string]bool
	cleared bool
	// backend is the opening Interface's own state for this session.
	backend any
	// lc performs Renew, SetSubject, Subject and Destroy; nil when the
	// backend has no lifecycle (ErrNotSupported).
	lc Lifecycle
	// stale marks a cookie made with an old key, to be re-issued.
	stale bool

	// enc is the serializer values are checked against at Set, Update and
	// SetDefault; nil means tagjson.Default.
	enc *tagjson.Serializer
	// watch: the response header went out without "Vary: Cookie"; the
	// first read afterwards sets readAfter, which the middleware reports.
	watch     bool
	readAfter bool
	// onFail, if set, is told of every write that fails (the session of a
	// request without the middleware reports the misuse through it).
	onFail func(error)
	// endedBy is the Manager whose middleware finished the request: the
	// first write failing after that is logged through its logger.
	endedBy     *Manager
	endReported bool

	// hdr holds the one-value header slices (Set-Cookie, Vary,
	// Cache-Control) of the first response that saves the session, so that
	// they share the session's allocation (see headerLines); hdrTaken once
	// a save has them.
	hdr      [3]string
	hdrTaken bool
}

// State is the implementers' view of a session, for a custom [Interface]:
// what Open hands [NewSession], and what [Inspect] shows Save. Handlers
// never need it.
type State struct {
	// Values are the session's data (NewSession takes ownership; nil is
	// empty). In Inspect they are the live map: read them in the callback,
	// never keep or modify them.
	Values map[string]any
	// New: the session was created for this request rather than loaded
	// (Session.IsNew). Cookie sessions are never new, as in Flask.
	New bool
	// Reissue: send the cookie even if the session is unchanged (it was
	// made with an old key).
	Reissue bool
	// Track: record which keys each write changes (Set, Deleted, Cleared
	// below), for an Interface that merges concurrent requests key by key.
	Track bool
	// Backend is the Interface's own state for this session (a server-side
	// session's ID and record version).
	Backend any

	// Set by Inspect only.

	// Accessed and Modified are Flask's flags: the session was used, or
	// written to, during this request.
	Accessed, Modified bool
	// Null reports a null session (never saved).
	Null bool
	// Cleared reports that Clear ran (with Track): the values stored before
	// the request are dropped before Set is applied.
	Cleared bool
	// Set holds the final value of every key set during the request, and
	// Deleted the keys deleted (and not set again), sorted (with Track).
	Set     map[string]any
	Deleted []string
}

// NewSession returns a session built from st (Values, New, Reissue, Track,
// Backend); an Interface's Open returns it.
func NewSession(st State) *Session {
	return (*Session)(nil).init(st)
}

// init sets up s, a zero Session, from st as NewSession does and returns
// it; a nil s is allocated.
func (s *Session) init(st State) *Session {
	if s == nil {
		s = new(Session)
	}
	s.values, s.isNew, s.stale, s.track, s.backend = st.Values, st.New, st.Reissue, st.Track, st.Backend
	return s
}

// Inspect calls f with the state of s — its values, flags and tracked
// changes — without marking it accessed, under the session's lock: f must
// not call methods of s, nor keep st.Values. An Interface's Save uses it.
func Inspect(s *Session, f func(st State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Values: s.values, New: s.isNew, Reissue: s.stale, Track: s.track, Backend: s.backend,
		Accessed: s.accessed, Modified: s.modified, Null: s.null, Cleared: s.cleared}
	if s.track {
		st.Set = make(map[string]any, len(s.changes))
		for k, set := range s.changes {
			if set {
				st.Set[k] = s.values[k]
			} else {
				st.Deleted = append(st.Deleted, k)
			}
		}
		slices.Sort(st.Deleted)
	}
	f(st)
}

// newNullSession returns a null session: it reads as empty and every
// write fails with cause. Null sessions are never saved.
func newNullSession(cause error) *Session {
	return &Session{null: true, err: cause}
}

// isNull reports whether s is a null session.
func (s *Session) isNull() bool { return s.null }

// IsNew reports whether the session was created for this request rather
// than loaded (Flask: session.new). Cookie sessions are never new, as in
// Flask.
func (s *Session) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.isNew
}

// saveFlags returns what a save looks at: whether the session was
// accessed, modified, or must be re-issued (Inspect's Accessed, Modified
// and Reissue, without building a State).
func (s *Session) saveFlags() (accessed, modified, reissue bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed, s.modified, s.stale
}

// isEmpty reports whether the session holds no value, without marking it
// accessed.
func (s *Session) isEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values) == 0
}

// appendValues appends the encoding of the session's values by ser to dst,
// under the session's lock (Append's error, dst unchanged on error).
func (s *Session) appendValues(ser *tagjson.Serializer, dst []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ser.Append(dst, s.values)
}

// modifiedFlag reports whether the session was written to during this request.
func (s *Session) modifiedFlag() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modified
}

// firstErr returns the first failed write of this request, or nil.
func (s *Session) firstErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// fail records err as a failed write of this request, as if a write had
// returned it: the middleware answers the request through the error
// handler (or reports it as late once the header went out). A nil err is
// ignored; only the first failure is kept.
func (s *Session) fail(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	}
	s.mu.Unlock()
}

// Get returns the value stored under key, or nil. [Get] (the function)
// also says whether it was present.
func (s *Session) Get(key string) any {
	v, _ := s.lookup(key)
	return v
}

// lookup returns the value stored under key and whether it was present.
func (s *Session) lookup(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch()
	v, ok := s.values[key]
	return v, ok
}

// Has reports whether key is present.
func (s *Session) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// Values returns a shallow copy of the session's data, Flask's own keys
// (_permanent, _flashes) included: len and the sorted keys of it are
// Flask's len(session) and session.keys().
func (s *Session) Values() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch()
	return maps.Clone(s.values)
}

// Permanent reports whether the session outlives the browser session
// (Flask: session.permanent, stored as "_permanent"): whether "_permanent"
// is true as Python tests it, so a 1 written by another application with
// the same key counts, as it does in Flask.
func (s *Session) Permanent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touch()
	return s.permanentLocked()
}

func (s *Session) permanentLocked() bool {
	return pyTruthy(s.values[permanentKey])
}

// pyTruthy reports whether v is true in Python's sense, as Flask tests
// session.permanent ("if session.permanent"): false for nil, false, zero
// numbers and empty strings, lists, tuples, dicts and bytes; true for
// anything else (a UUID, a datetime, Markup that is not empty). Flask itself
// only ever stores a bool under "_permanent"; another writer with the same
// key may store 1.
func pyTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case int64:
		return v != 0
	case int:
		return v != 0
	case float64:
		return v != 0
	case *big.Int:
		return v.Sign() != 0
	case string:
		return v != ""
	case tagjson.Markup:
		return v != ""
	case []byte:
		return len(v) > 0
	case []any:
		return len(v) > 0
	case tagjson.Tuple:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// SetPermanent sets the permanent flag. Like Flask it stores "_permanent"
// even when set to false.
func (s *Session) SetPermanent(permanent bool) error {
	return s.Set(permanentKey, permanent)
}

// note records a change to key when tracking; s.mu is held.
func (s *Session) note(key string, set bool) {
	if !s.track {
		return
	}
	if s.changes == nil {
		s.changes = make(map[string]bool, 4)
	}
	s.changes[key] = set
}

// touch marks the session accessed; s.mu is held.
func (s *Session) touch() {
	s.accessed = true
	if s.watch {
		s.readAfter = true
	}
}

// write runs f under the lock if the session accepts writes.
func (s *Session) write(f func()) error {
	s.mu.Lock()
	if err := s.err; err != nil {
		s.accessed = true // a failed write reads nothing

		if s.failed == nil {
			s.failed = err
		}
		hook := s.onFail
		ended := s.endedBy
		if ended != nil && !s.endReported {
			s.endReported = true
		} else {
			ended = nil
		}
		s.mu.Unlock()
		if hook != nil {
			hook(err)
		}
		if ended != nil {
			ended.rc.logger.Error("session: a session write after its request ended was lost (a goroutine outliving the handler?); reported once per request",
				slog.Any("error", err))
		}
		return err
	}
	s.touch()
	f()
	s.mu.Unlock()
	return nil
}

// writable returns the error every write fails with, or nil.
func (s *Session) writable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Set stores value under key. A value the serializer cannot encode is
// refused with an error wrapping ErrUnencodable (see [Session]). A key or
// string that is not valid UTF-8 is accepted and written as encoding/json
// writes it, each invalid byte as U+FFFD.
func (s *Session) Set(key string, value any) error {
	if s.writable() == nil {
		if err := s.checkValue(key, value); err != nil {
			return err
		}
	}
	return s.write(func() {
		if s.values == nil {
			s.values = make(map[string]any, 4)
		}
		s.values[key] = value
		s.modified = true
		s.note(key, true)
	})
}

// Update stores every entry of values, or none: if one value cannot be
// encoded the error wraps ErrUnencodable and nothing is stored.
func (s *Session) Update(values map[string]any) error {
	if s.writable() == nil {
		for _, k := range slices.Sorted(maps.Keys(values)) {
			if err := s.checkValue(k, values[k]); err != nil {
				return err
			}
		}
	}
	return s.write(func() {
		if s.values == nil {
			s.values = make(map[string]any, len(values))
		}
		maps.Copy(s.values, values)
		s.modified = true
		for k := range values {
			s.note(k, true)
		}
	})
}

// Delete removes key. Deleting a missing key changes nothing (Flask raises
// KeyError there, before marking the session modified).
func (s *Session) Delete(key string) error {
	return s.write(func() {
		if _, ok := s.values[key]; ok {
			delete(s.values, key)
			s.modified = true
			s.note(key, false)
		}
	})
}

// Pop removes key and returns its value and whether it was present.
func (s *Session) Pop(key string) (value any, ok bool, err error) {
	err = s.write(func() {
		value, ok = s.values[key]
		if ok {
			delete(s.values, key)
			s.modified = true
			s.note(key, false)
		}
	})
	return value, ok, err
}

// SetDefault returns the value under key, storing def first if key is
// missing. A def that would be stored but cannot be encoded is refused with
// an error wrapping ErrUnencodable, and nil is returned.
func (s *Session) SetDefault(key string, def any) (any, error) {
	if s.writable() == nil {
		s.mu.Lock()
		_, present := s.values[key]
		s.mu.Unlock()
		if !present {
			if err := s.checkValue(key, def); err != nil {
				return nil, err
			}
		}
	}
	var out any
	err := s.write(func() {
		if v, ok := s.values[key]; ok {
			out = v
			return
		}
		if s.values == nil {
			s.values = make(map[string]any, 4)
		}
		s.values[key] = def
		s.modified = true
		s.note(key, true)
		out = def
	})
	return out, err
}

// Clear removes every key (Flask's clear: counts as a change even when empty).
func (s *Session) Clear() error {
	return s.write(func() {
		clear(s.values)
		s.modified = true
		if s.track {
			s.cleared = true
			clear(s.changes)
		}
	})
}

// MarkModified marks the session modified, for changes made inside nested
// values that the session cannot see (Flask: session.modified = True).
// With keys, only those keys count as changed: for a server-side session,
// concurrent requests changing other keys are then not overwritten, which
// is why passing the keys you changed is better. Without keys every key
// counts as changed.
func (s *Session) MarkModified(keys ...string) error {
	return s.write(func() {
		s.modified = true
		if len(keys) == 0 {
			for k := range s.values {
				s.note(k, true)
			}
			return
		}
		for _, k := range keys {
			if _, ok := s.values[k]; ok {
				s.note(k, true)
			}
		}
	})
}

// markModifiedOnly marks the session modified without counting any key as
// changed (an Interface's change of its own state: a new subject or ID).
func (s *Session) markModifiedOnly() error {
	return s.write(func() { s.modified = true })
}

// trackChanges makes the session record which keys each write changes.
func (s *Session) trackChanges() {
	s.mu.Lock()
	s.track = true
	s.mu.Unlock()
}

// tracking reports whether the session records its changes (for a cookie
// session: the request revoked its own subject).
func (s *Session) tracking() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.track
}

// dropCookieOrigin forgets the cookieOrigin of a cookie session (a login).
func (s *Session) dropCookieOrigin() {
	s.mu.Lock()
	if _, ok := s.backend.(*cookieOrigin); ok {
		s.backend = nil
	}
	s.mu.Unlock()
}

// seal makes every later write fail with ErrHeaderWritten. The middleware
// calls it once the session has been saved and the header is on its way.
func (s *Session) seal() {
	s.mu.Lock()
	if s.err == nil {
		s.err = ErrHeaderWritten
	}
	s.mu.Unlock()
}

// watchReads makes the session remember a read from now on: the middleware
// calls it when the header went out without "Vary: Cookie".
func (s *Session) watchReads() {
	s.mu.Lock()
	s.watch = true
	s.mu.Unlock()
}

// readLate reports whether the session was read after watchReads.
func (s *Session) readLate() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readAfter
}

// headerSlots returns s.hdr to the first caller, nil to later ones (a
// session saved twice, into two responses, must not share its slices).
func (s *Session) headerSlots() *[3]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hdrTaken {
		return nil
	}
	s.hdrTaken = true
	return &s.hdr
}

// markEnded records that m's middleware finished the request of s.
func (s *Session) markEnded(m *Manager) {
	s.mu.Lock()
	s.endedBy = m
	s.mu.Unlock()
}
