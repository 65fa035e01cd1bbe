package serverside

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// permanentKey is where Flask keeps session.permanent.
const permanentKey = "_permanent"

// changeSet is what a request changed in a session, key by key.
type changeSet struct {
	cleared bool
	set     map[string]any
	deleted []string
}

// apply applies the change set to values (which it modifies and returns;
// nil is an empty map).
func (cs changeSet) apply(values map[string]any) map[string]any {
	if values == nil || cs.cleared {
		values = make(map[string]any, len(cs.set))
	}
	maps.Copy(values, cs.set)
	for _, k := range cs.deleted {
		delete(values, k)
	}
	return values
}

// Save writes the session's changes (see the package documentation for the
// rules), then sets or clears the cookie through session.SaveCookie (Flask's
// save_session). Nothing is sent when a store operation fails: the error
// goes to the middleware's error handler.
func (i *Backend) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	if err := normalised(cfg); err != nil {
		return err
	}
	st := i.stateOf(s)
	if st == nil {
		return ErrNotServerSide
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.saved = true
	if err := i.persist(cfg, s, st, r); err != nil {
		return err
	}
	// The cookie holds the ID; an ended session has none: the cookie goes.
	id := st.id
	return session.SaveCookie(cfg, i.opts.Helpers, s, w, r, func(dst []byte) ([]byte, error) { return append(dst, id...), nil })
}

// persist writes the session's changes to the store; st.mu is held.
func (i *Backend) persist(cfg *session.Config, s *session.Session, st *state, r *http.Request) error {
	ctx := r.Context()
	if st.endKey != "" {
		// Destroy: the server ended the session, whatever the client does.
		if err := i.deleteEnded(ctx, st.endKey); err != nil {
			return err
		}
		st.endKey = ""
	}
	t := now(cfg)
	var (
		values   map[string]any
		modified bool
		cs       changeSet
	)
	session.Inspect(s, func(ss session.State) {
		values, modified = maps.Clone(ss.Values), ss.Modified
		cs = changeSet{cleared: ss.Cleared, set: ss.Set, deleted: ss.Deleted}
	})
	if !modified {
		if st.key != "" {
			return i.touch(ctx, cfg, st, t, values[permanentKey] == true)
		}
		return nil
	}
	if cs.cleared && st.key != "" {
		// Clear ends the session (Flask's logout idiom): its record goes,
		// and what the request wrote after Clear starts a fresh session.
		if err := i.deleteCleared(ctx, cfg, st, t); err != nil {
			return err
		}
		st.endCleared()
	}
	var (
		ended bool
		err   error
	)
	// The conditions are computed outside the case clauses, where coverage
	// (and so mutation testing) sees them.
	stored, empty := st.key != "", st.empty(values)
	switch {
	case !stored && empty:
		ended = true // nothing to store, nothing stored
	case !stored:
		err = i.insertFresh(ctx, cfg, st, values, t)
	case st.regenerate:
		ended, err = i.regenerate(ctx, cfg, st, cs, t)
	default:
		ended, err = i.update(ctx, cfg, st, cs, values, t)
	}
	if err != nil {
		return err
	}
	if ended && st.key != "" {
		st.end(false)
	}
	return nil
}

// empty reports whether a session holding values has nothing to store: no
// values, and no subject attached by this request (a login made of Renew
// and SetSubject alone is stored; a subject that only comes from the
// record does not keep an emptied session). st.mu is held.
func (st *state) empty(values map[string]any) bool {
	return len(values) == 0 && !(st.subjectSet && st.subject != "")
}

// record builds the record to write.
func (i *Backend) record(cfg *session.Config, st *state, values map[string]any, version uint64, subject string, meta map[string]string, t time.Time) (store.Record, error) {
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
		LastSeen: t, Expires: i.expires(cfg, created, t, values[permanentKey] == true), Meta: meta}, nil
}

// merge applies the request's changes to the values of the stored record.
func merge(cfg *session.Config, cs changeSet, cur *store.Record) (map[string]any, error) {
	base, err := serializer(cfg).UnmarshalMap(cur.Data)
	if err != nil {
		return nil, fmt.Errorf("serverside: %w: %w", session.ErrBadPayload, err)
	}
	return cs.apply(base), nil
}

// insert stores a record under a freshly issued ID and returns the ID, its
// key and the record's version and creation time.
func (i *Backend) insert(ctx context.Context, cfg *session.Config, st *state, values map[string]any, subject string, meta map[string]string, t time.Time) (id, key string, version uint64, created time.Time, err error) {
	for attempt := 0; ; attempt++ {
		id, err = i.newID()
		if err != nil {
			return "", "", 0, time.Time{}, err
		}
		key = storeKey(id)
		rec, err := i.record(cfg, st, values, 0, subject, meta, t)
		if err != nil {
			return "", "", 0, time.Time{}, err
		}
		version, err = i.store.Save(ctx, key, rec)
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue // an ID collision: astronomically unlikely, but never overwrite
		}
		if err != nil {
			return "", "", 0, time.Time{}, storeFailed("saving the session", err)
		}
		return id, key, version, rec.Created, nil
	}
}

// insertFresh stores a session that has no record yet: a new one, or the
// fresh one that follows a session this request ended.
func (i *Backend) insertFresh(ctx context.Context, cfg *session.Config, st *state, values map[string]any, t time.Time) error {
	id, key, v, created, err := i.insert(ctx, cfg, st, values, "", nil, t)
	if err != nil {
		return err
	}
	st.id, st.key, st.version, st.created, st.lastSeen = id, key, v, created, t
	st.recSubject = st.subject
	return nil
}

// update writes values over the session's record at the version this
// request read, or deletes the record when it is empty (st.empty: the session
// ends), merging the request's changes into the fresh record on a conflict.
// ended reports that the record is gone as this request meant it to be.
func (i *Backend) update(reqCtx context.Context, cfg *session.Config, st *state, cs changeSet, values map[string]any, t time.Time) (ended bool, err error) {
	ctx, cancel := i.retryContext(reqCtx)
	defer func() { cancel() }()
	ending := false
	subject, meta, version := st.subject, st.meta, st.version
	for attempt := 1; ; attempt++ {
		if st.empty(values) && !ending {
			// The request ends the session (at once, or once merged with a
			// request that committed meanwhile): from here on the store
			// operations are detached from the request's cancellation.
			cancel()
			ctx, cancel = i.endContext(reqCtx)
			ending = true
		}
		var err error
		if st.empty(values) {
			if err = i.store.CompareAndDelete(ctx, st.key, version); err == nil {
				return true, nil
			}
			err = storeFailed("deleting the emptied session", err)
		} else {
			rec, rerr := i.record(cfg, st, values, version, subject, meta, t)
			if rerr != nil {
				return false, rerr
			}
			var v uint64
			if v, err = i.store.Save(ctx, st.key, rec); err == nil {
				st.version, st.lastSeen = v, t
				return false, nil
			}
			err = storeFailed("saving the session", err)
		}
		if !errors.Is(err, store.ErrConflict) {
			if attempt > 1 {
				err = afterConflict(ctx, attempt, err)
			}
			return false, err
		}
		if err := i.backoff(ctx, attempt); err != nil {
			return false, err
		}
		cur, found, err := i.store.Load(ctx, st.key)
		if err != nil {
			return false, afterConflict(ctx, attempt, storeFailed("reloading the session", err))
		}
		if !found || !i.alive(cfg, &cur, t) {
			if st.empty(values) {
				return true, nil // ended meanwhile, as this request meant to end it
			}
			return false, ErrSessionGone
		}
		if values, err = merge(cfg, cs, &cur); err != nil {
			return false, err
		}
		subject, meta, version = cur.Subject, cur.Meta, cur.Version
	}
}

// regenerate moves the session to a new ID: it stores the merged values
// under the new ID, then deletes the old record only at the version they
// were built from; if a request wrote to the old record meanwhile, that
// write is merged into the new record and the move retried. When the merged
// values are empty (st.empty) there is nothing to move: the old record is deleted
// (version-checked likewise) and ended reports that the session ended. The
// old ID is never written to. The whole move runs detached from the
// request's cancellation, bounded by Options.EndTimeout: it ends the old ID
// (a Renew at logout or at a privilege change must not leave the old cookie
// working because the client went away).
func (i *Backend) regenerate(reqCtx context.Context, cfg *session.Config, st *state, cs changeSet, t time.Time) (ended bool, err error) {
	ctx, cancel := i.endContext(reqCtx)
	defer cancel()
	oldKey := st.key
	cur, found, err := i.store.Load(ctx, oldKey)
	if err != nil {
		return false, storeFailed("loading the session", err)
	}
	if !found || !i.alive(cfg, &cur, t) {
		return false, ErrSessionGone
	}
	var (
		id, key string // the new record, once stored
		v       uint64
		created time.Time
	)
	// fail deletes the new record, which nobody will ever use, and returns cause.
	fail := func(cause error) (bool, error) {
		if key == "" {
			return false, cause
		}
		return false, i.discard(reqCtx, key, cause)
	}
	for attempt := 1; ; attempt++ {
		values, err := merge(cfg, cs, &cur)
		if err != nil {
			return fail(err)
		}
		empty, inserted := st.empty(values), key != ""
		switch {
		case empty && inserted:
			if err := i.discard(reqCtx, key, nil); err != nil {
				return false, err
			}
			key = ""
		case empty:
		case !inserted:
			if id, key, v, created, err = i.insert(ctx, cfg, st, values, cur.Subject, cur.Meta, t); err != nil {
				return false, err
			}
		default:
			rec, err := i.record(cfg, st, values, v, cur.Subject, cur.Meta, t)
			if err != nil {
				return fail(err)
			}
			if v, err = i.store.Save(ctx, key, rec); err != nil {
				if errors.Is(err, store.ErrConflict) { // the new record was revoked meanwhile
					return fail(ErrSessionGone)
				}
				return fail(storeFailed("saving the session", err))
			}
		}
		err = i.store.CompareAndDelete(ctx, oldKey, cur.Version)
		if err == nil {
			if key == "" {
				return true, nil
			}
			st.id, st.key, st.version, st.created, st.lastSeen = id, key, v, created, t
			st.recSubject, st.regenerate = st.subject, false
			return false, nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return fail(storeFailed("deleting the old session record", err))
		}
		if err := i.backoff(ctx, attempt); err != nil {
			return fail(err)
		}
		if cur, found, err = i.store.Load(ctx, oldKey); err != nil {
			return fail(afterConflict(ctx, attempt, storeFailed("reloading the session", err)))
		}
		if !found || !i.alive(cfg, &cur, t) {
			if st.empty(values) {
				return true, nil // ended meanwhile, as this request meant to end it
			}
			return fail(ErrSessionGone)
		}
	}
}

// deleteCleared deletes the record of a session this request cleared, at
// the version last read: a request that committed since then is reloaded
// first (its values are cleared too, as it committed before this request),
// so the delete never acts on a stale view. A record already gone is fine.
func (i *Backend) deleteCleared(reqCtx context.Context, cfg *session.Config, st *state, t time.Time) error {
	ctx, cancel := i.endContext(reqCtx)
	defer cancel()
	version := st.version
	for attempt := 1; ; attempt++ {
		err := i.store.CompareAndDelete(ctx, st.key, version)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return storeFailed("deleting the cleared session", err)
		}
		if err := i.backoff(ctx, attempt); err != nil {
			return err
		}
		cur, found, err := i.store.Load(ctx, st.key)
		if err != nil {
			return afterConflict(ctx, attempt, storeFailed("reloading the session", err))
		}
		if !found || !i.alive(cfg, &cur, t) {
			return nil
		}
		version = cur.Version
	}
}

// discard deletes the record a failed regeneration left under key (nobody
// holds its ID) and returns cause joined with any failure to do so.
func (i *Backend) discard(reqCtx context.Context, key string, cause error) error {
	ctx, cancel := i.endContext(reqCtx)
	defer cancel()
	if err := i.store.Delete(ctx, key); err != nil {
		return errors.Join(cause, storeFailed("deleting the unused new session record", err))
	}
	return cause
}

// deleteEnded deletes the record of a session the server ended.
func (i *Backend) deleteEnded(reqCtx context.Context, key string) error {
	ctx, cancel := i.endContext(reqCtx)
	defer cancel()
	if err := i.store.Delete(ctx, key); err != nil {
		return storeFailed("deleting the ended session", err)
	}
	return nil
}

// touch extends a read-only session's life when the last touch is old enough.
func (i *Backend) touch(ctx context.Context, cfg *session.Config, st *state, t time.Time, permanent bool) error {
	if t.Sub(st.lastSeen) < i.opts.TouchInterval {
		return nil
	}
	exp := i.expires(cfg, st.created, t, permanent)
	if toucher, ok := i.store.(store.Toucher); ok {
		if err := toucher.Touch(ctx, st.key, t, exp); err != nil {
			return storeFailed("touching the session", err)
		}
		st.lastSeen = t
		return nil
	}
	cur, found, err := i.store.Load(ctx, st.key)
	if err != nil {
		return storeFailed("touching the session", err)
	}
	if !found {
		return nil
	}
	cur.LastSeen, cur.Expires = t, exp
	if _, err := i.store.Save(ctx, st.key, cur); err != nil && !errors.Is(err, store.ErrConflict) {
		return storeFailed("touching the session", err)
	}
	st.lastSeen = t
	return nil
}
