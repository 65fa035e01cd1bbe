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
// Every request records its changes key by key. Saving is a compare-and-swap
// on the record's version; on a conflict the record is reloaded, the
// request's changes are applied to the fresh values and the save is retried
// (Options.MaxRetries times). So:
//
//   - two overlapping requests that write different keys both persist;
//   - for the same key, the request that commits last wins;
//   - Clear, in a request that then sets keys, replaces every value; a
//     request that empties the session ends it (record deleted, cookie cleared);
//   - a request that saves after the session was destroyed (logout,
//     revocation, expiry) never brings it back: its save fails with
//     ErrSessionGone, reported through the error handler;
//   - a change inside a nested value is saved only for the keys passed to
//     Session.MarkChanged (Session.MarkModified counts every key).
//
// Regenerate gives the session a new ID at save time (call it at login),
// keeping its data and deleting the old record at once. Destroy deletes the
// record and clears the cookie (logout). Revoking deletes records: a revoked
// session's next request finds nothing and starts anonymous.
//
// Idle and absolute timeouts are enforced on every read. Reading does not
// rewrite data: a read-only request only "touches" the record (extending
// the idle expiry and LastSeen) when the last touch is older than
// Options.TouchInterval, through store.Toucher when the store has it.
package serverside

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sync"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/tagjson"
)

// Errors.
var (
	// ErrSessionGone means the session was destroyed, revoked or expired
	// while this request ran, so its changes were not saved.
	ErrSessionGone = errors.New("serverside: the session was destroyed or expired by another request; this request's changes were not saved")
	// ErrTooManyConflicts means the save kept conflicting with concurrent
	// saves of the same session and gave up after Options.MaxRetries.
	ErrTooManyConflicts = errors.New("serverside: too many concurrent saves of the session")
	// ErrNotServerSide is returned by the package functions for a session
	// this package did not open.
	ErrNotServerSide = errors.New("serverside: not a server-side session")
	// ErrNoSubjects means the store cannot list or revoke by subject.
	ErrNoSubjects = errors.New("serverside: the store does not implement store.SubjectStore")
)

// Options configure an Interface.
type Options struct {
	// Store keeps the records. Required.
	Store store.Store
	// IdleTimeout ends a session not used for this long; 0 disables it.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created,
	// however active; 0 means Config.PermanentLifetime (31 days).
	AbsoluteTimeout time.Duration
	// TouchInterval is the least time between two touches of a record by
	// read-only requests; 0 means one minute (at most IdleTimeout/2).
	TouchInterval time.Duration
	// MaxRetries bounds the reload-and-retry rounds of a conflicting save;
	// 0 means 10.
	MaxRetries int
	// Helpers supplies cookie attributes; nil means session.Defaults.
	Helpers session.Helpers
	// Rand is the source of session IDs; nil means crypto/rand. If it
	// fails, saving fails: there is no fallback.
	Rand io.Reader
}

// Interface is the server-side session.Interface.
type Interface struct {
	opts  Options
	store store.Store
}

var (
	_ session.Interface      = (*Interface)(nil)
	_ session.RefreshChecker = (*Interface)(nil)
)

// New returns an Interface over opts.Store.
func New(opts Options) (*Interface, error) {
	if opts.Store == nil {
		return nil, errors.New("serverside: Options.Store is required")
	}
	if opts.IdleTimeout < 0 || opts.AbsoluteTimeout < 0 || opts.TouchInterval < 0 || opts.MaxRetries < 0 {
		return nil, errors.New("serverside: negative timeout, interval or retry count")
	}
	if opts.TouchInterval == 0 {
		opts.TouchInterval = time.Minute
		if opts.IdleTimeout > 0 && opts.IdleTimeout/2 < opts.TouchInterval {
			opts.TouchInterval = opts.IdleTimeout / 2
		}
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 10
	}
	if opts.Helpers == nil {
		opts.Helpers = session.Defaults{}
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	return &Interface{opts: opts, store: opts.Store}, nil
}

// Store returns the store in use.
func (i *Interface) Store() store.Store { return i.store }

// idLen is the length of an encoded ID: 32 bytes in unpadded base64url.
const idLen = 43

// state is the server-side part of a session.
type state struct {
	mu         sync.Mutex
	id         string // raw ID from the cookie; "" until one is issued
	key        string // store key: base64url(SHA-256(id))
	version    uint64
	created    time.Time
	lastSeen   time.Time
	subject    string
	subjectSet bool
	meta       map[string]string
	metaSet    map[string]string
	regenerate bool
	destroy    bool
}

func stateOf(s *session.Session) *state {
	st, _ := s.Backend().(*state)
	return st
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

func (i *Interface) newID() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(i.opts.Rand, b[:]); err != nil {
		return "", fmt.Errorf("serverside: reading random bytes for a session ID: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (i *Interface) absolute(cfg *session.Config) time.Duration {
	if i.opts.AbsoluteTimeout > 0 {
		return i.opts.AbsoluteTimeout
	}
	if cfg.PermanentLifetime > 0 {
		return cfg.PermanentLifetime
	}
	return session.DefaultPermanentLifetime
}

// expires is when a record created at created and last seen at seen ends.
func (i *Interface) expires(cfg *session.Config, created, seen time.Time) time.Time {
	exp := created.Add(i.absolute(cfg))
	if idle := i.opts.IdleTimeout; idle > 0 && seen.Add(idle).Before(exp) {
		exp = seen.Add(idle)
	}
	return exp
}

func (i *Interface) alive(cfg *session.Config, rec *store.Record, now time.Time) bool {
	return now.Before(i.expires(cfg, rec.Created, rec.LastSeen)) && !rec.Expired(now)
}

func now(cfg *session.Config) time.Time {
	if cfg.Now != nil {
		return cfg.Now()
	}
	return time.Now()
}

func serializer(cfg *session.Config) *tagjson.Serializer {
	if cfg.Serializer != nil {
		return cfg.Serializer
	}
	return tagjson.Default
}

// NeedsRefresh reports whether an untouched request must still open its
// session: when it carries a well-formed ID (to enforce expiry, touch the
// record, and refresh a permanent cookie).
func (i *Interface) NeedsRefresh(cfg *session.Config, r *http.Request) bool {
	id, ok := session.RequestCookie(r, i.opts.Helpers.CookieName(cfg, r))
	return ok && validID(id)
}

// Open loads the session whose ID the cookie carries. A missing, malformed,
// unknown or expired ID gives a new, empty session (no store lookup for a
// malformed one). A store error is returned: the request fails closed.
func (i *Interface) Open(cfg *session.Config, r *http.Request) (*session.Session, error) {
	id, ok := session.RequestCookie(r, i.opts.Helpers.CookieName(cfg, r))
	if ok && validID(id) {
		key := storeKey(id)
		rec, found, err := i.store.Load(r.Context(), key)
		if err != nil {
			return nil, fmt.Errorf("serverside: loading the session: %w", err)
		}
		if found && i.alive(cfg, &rec, now(cfg)) {
			values, err := serializer(cfg).UnmarshalMap(rec.Data)
			if err != nil {
				return nil, fmt.Errorf("serverside: %w: %w", session.ErrBadPayload, err)
			}
			s := session.NewSession(values)
			s.TrackChanges()
			s.SetBackend(&state{id: id, key: key, version: rec.Version, created: rec.Created,
				lastSeen: rec.LastSeen, subject: rec.Subject, meta: rec.Meta})
			return s, nil
		}
	}
	s := session.NewSession(nil)
	s.SetNew(true)
	s.TrackChanges()
	s.SetBackend(&state{})
	return s, nil
}

// Save writes the session's changes (see the package documentation for the
// rules) and sets or clears the cookie. Nothing is sent when the store
// write fails.
func (i *Interface) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	st := stateOf(s)
	if st == nil {
		return ErrNotServerSide
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ctx := r.Context()
	h := i.opts.Helpers
	values, accessed, modified := s.Peek()
	if accessed {
		session.AddVaryCookie(w.Header())
	}
	if st.destroy || (modified && len(values) == 0 && st.subject == "") {
		if st.key != "" {
			if err := i.store.Delete(ctx, st.key); err != nil {
				return fmt.Errorf("serverside: deleting the session: %w", err)
			}
		}
		if st.id != "" || st.destroy {
			session.DeleteCookie(h, cfg, w, r)
		}
		return nil
	}
	t := now(cfg)
	if !modified {
		if st.key != "" {
			if err := i.touch(ctx, cfg, st, t); err != nil {
				return err
			}
			if h.ShouldSetCookie(cfg, s) {
				session.SetCookie(h, cfg, w, r, st.id, h.ExpirationTime(cfg, s))
			}
		}
		return nil
	}
	issued := false
	if st.id == "" || st.regenerate {
		if err := i.saveNew(ctx, cfg, s, st, values, t); err != nil {
			return err
		}
		issued = true
	} else if err := i.saveExisting(ctx, cfg, s, st, values, t); err != nil {
		return err
	}
	if issued || h.ShouldSetCookie(cfg, s) {
		session.SetCookie(h, cfg, w, r, st.id, h.ExpirationTime(cfg, s))
	}
	return nil
}

// record builds the record to write.
func (i *Interface) record(cfg *session.Config, st *state, values map[string]any, version uint64, subject string, meta map[string]string, t time.Time) (store.Record, error) {
	data, err := serializer(cfg).Marshal(values)
	if err != nil {
		return store.Record{}, fmt.Errorf("serverside: encoding the session: %w", err)
	}
	created := st.created
	if created.IsZero() {
		created = t
	}
	if st.subjectSet {
		subject = st.subject
	}
	if len(st.metaSet) > 0 {
		meta = maps.Clone(meta)
		if meta == nil {
			meta = make(map[string]string, len(st.metaSet))
		}
		maps.Copy(meta, st.metaSet)
	}
	return store.Record{Data: data, Version: version, Subject: subject, Created: created,
		LastSeen: t, Expires: i.expires(cfg, created, t), Meta: meta}, nil
}

// saveNew stores the session under a freshly issued ID: a new session, or a
// regenerated one (whose old record is deleted once the new one exists).
func (i *Interface) saveNew(ctx context.Context, cfg *session.Config, s *session.Session, st *state, values map[string]any, t time.Time) error {
	oldKey := st.key
	subject, meta := st.subject, st.meta
	if oldKey != "" {
		// Regenerating: build on the latest stored values.
		cur, found, err := i.store.Load(ctx, oldKey)
		if err != nil {
			return fmt.Errorf("serverside: loading the session: %w", err)
		}
		if !found {
			return ErrSessionGone
		}
		base, err := serializer(cfg).UnmarshalMap(cur.Data)
		if err != nil {
			return fmt.Errorf("serverside: %w: %w", session.ErrBadPayload, err)
		}
		values = s.Changes().Apply(base)
		subject, meta = cur.Subject, cur.Meta
	}
	for attempt := 0; ; attempt++ {
		id, err := i.newID()
		if err != nil {
			return err
		}
		key := storeKey(id)
		rec, err := i.record(cfg, st, values, 0, subject, meta, t)
		if err != nil {
			return err
		}
		v, err := i.store.Save(ctx, key, rec)
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue // an ID collision: astronomically unlikely, but never overwrite
		}
		if err != nil {
			return fmt.Errorf("serverside: saving the session: %w", err)
		}
		st.id, st.key, st.version, st.created, st.lastSeen = id, key, v, rec.Created, t
		break
	}
	st.regenerate = false
	if oldKey != "" {
		if err := i.store.Delete(ctx, oldKey); err != nil {
			return fmt.Errorf("serverside: deleting the old session record: %w", err)
		}
	}
	return nil
}

// saveExisting saves with compare-and-swap, merging on conflict.
func (i *Interface) saveExisting(ctx context.Context, cfg *session.Config, s *session.Session, st *state, values map[string]any, t time.Time) error {
	subject, meta, version := st.subject, st.meta, st.version
	for attempt := 0; ; attempt++ {
		rec, err := i.record(cfg, st, values, version, subject, meta, t)
		if err != nil {
			return err
		}
		v, err := i.store.Save(ctx, st.key, rec)
		if err == nil {
			st.version, st.lastSeen = v, t
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("serverside: saving the session: %w", err)
		}
		if attempt >= i.opts.MaxRetries {
			return fmt.Errorf("%w (%d attempts)", ErrTooManyConflicts, attempt+1)
		}
		cur, found, err := i.store.Load(ctx, st.key)
		if err != nil {
			return fmt.Errorf("serverside: reloading the session: %w", err)
		}
		if !found || !i.alive(cfg, &cur, t) {
			return ErrSessionGone
		}
		base, err := serializer(cfg).UnmarshalMap(cur.Data)
		if err != nil {
			return fmt.Errorf("serverside: %w: %w", session.ErrBadPayload, err)
		}
		values = s.Changes().Apply(base)
		subject, meta, version = cur.Subject, cur.Meta, cur.Version
	}
}

// touch extends a read-only session's life when the last touch is old enough.
func (i *Interface) touch(ctx context.Context, cfg *session.Config, st *state, t time.Time) error {
	if t.Sub(st.lastSeen) < i.opts.TouchInterval {
		return nil
	}
	exp := i.expires(cfg, st.created, t)
	if toucher, ok := i.store.(store.Toucher); ok {
		if err := toucher.Touch(ctx, st.key, t, exp); err != nil {
			return fmt.Errorf("serverside: touching the session: %w", err)
		}
		st.lastSeen = t
		return nil
	}
	cur, found, err := i.store.Load(ctx, st.key)
	if err != nil {
		return fmt.Errorf("serverside: touching the session: %w", err)
	}
	if !found {
		return nil
	}
	cur.LastSeen, cur.Expires = t, exp
	if _, err := i.store.Save(ctx, st.key, cur); err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("serverside: touching the session: %w", err)
	}
	st.lastSeen = t
	return nil
}
