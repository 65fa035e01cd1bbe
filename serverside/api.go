package serverside

import (
	"context"
	"net/http"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// cleared reports whether Session.Clear ran in the request of s.
func cleared(s *session.Session) bool {
	var c bool
	session.Inspect(s, func(st session.State) { c = st.Cleared })
	return c
}

// change runs f on the state of s (which the session package has marked
// modified). A session this Backend did not open gives ErrNotServerSide
// (the session package reports it through the error handler). f learns
// whether Session.Clear already ran in this request.
func (i *Backend) change(s *session.Session, f func(st *state, cleared bool)) error {
	st := i.stateOf(s)
	if st == nil {
		return ErrNotServerSide
	}
	c := cleared(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st, c)
	return nil
}

// SetSubject attaches the session to subject (a user ID), so it can be
// listed and revoked with the subject's other sessions
// (session.Session.SetSubject). A non-empty subject keeps the session
// stored even with no values (a login made of Renew and SetSubject).
// Options.Meta, if set, is called once the
// subject is set, with no lock held (it may use the session), and what it
// returns is recorded with the session.
func (i *Backend) SetSubject(s *session.Session, subject string) error {
	var (
		req        *http.Request
		afterClear bool
	)
	err := i.change(s, func(st *state, cleared bool) {
		st.subject, st.subjectSet, st.afterClear = subject, true, cleared
		req, afterClear = st.req, cleared
	})
	if err != nil || i.opts.Meta == nil || req == nil {
		return err
	}
	meta := i.opts.Meta(req) // no lock held: Meta may read the session
	st := i.stateOf(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.saved || !st.subjectSet {
		return nil // saved, or ended, while Meta ran: nothing to record it with
	}
	for k, v := range meta {
		st.setMeta(k, v, afterClear)
	}
	return nil
}

// Subject returns the subject attached to the session, or "" (also after
// Session.Clear, unless SetSubject was called after it)
// (session.Session.Subject).
func (i *Backend) Subject(s *session.Session) string {
	st := i.stateOf(s)
	if st == nil {
		return ""
	}
	c := cleared(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.savedSubject(c)
}

// setMeta records metadata; cleared: Session.Clear ran before. st.mu is held.
func (st *state) setMeta(key, value string, cleared bool) {
	if st.metaSet == nil {
		st.metaSet = make(map[string]string, 2)
	}
	st.metaSet[key] = value
	if cleared {
		if st.metaAfterClear == nil {
			st.metaAfterClear = make(map[string]string, 2)
		}
		st.metaAfterClear[key] = value
	}
}

// Renew gives the session a new ID when it is saved, keeping its data
// and deleting the old record (session.Session.Renew).
func (i *Backend) Renew(s *session.Session) error {
	return i.change(s, func(st *state, _ bool) { st.regenerate = true })
}

// Destroy ends the session (logout): its values are cleared at once, and
// when the session is saved its record is deleted — in a context detached
// from the request's cancellation, so a client that disconnects stays
// logged out — and the cookie is cleared. Values written afterwards in the
// same request (a "you are logged out" flash) go into a fresh session with
// a new ID, no subject and no metadata (session.Session.Destroy).
func (i *Backend) Destroy(s *session.Session) error {
	st := i.stateOf(s)
	if st == nil {
		return ErrNotServerSide
	}
	if err := s.Clear(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.end(true)
	return nil
}

// Key returns the store key of the session (the hash of its ID, safe to
// show; session.Info.Key), or "" for a session not yet stored or not
// server-side. It exists for pages that explain the cookie: listing and
// revoking go through session.Manager.
func Key(s *session.Session) string {
	st := stateOf(s)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.key
}

func (i *Backend) subjects() (store.SubjectStore, error) {
	ss, ok := i.store.(store.SubjectStore)
	if !ok {
		return nil, ErrNoSubjects
	}
	return ss, nil
}

// endCurrent ends the session of this request after a revocation from the
// request itself: later writes of the request go into a fresh session
// instead of failing as "ended by another request". subject is the revoked
// subject (Revoke): a record the revocation did not delete (the session was
// not yet subject's in the store) is deleted at save time, and a fresh
// session started after Clear ends too if it is subject's. "" (RevokeKey)
// ends only the stored session, which the revocation deleted.
func endCurrent(s *session.Session, st *state, subject string) {
	st.mu.Lock()
	saved := st.saved
	st.mu.Unlock()
	if saved {
		return // the response went out: the session is no longer this request's to change
	}
	if cleared(s) {
		// Clear ended the stored session already: what was written since
		// belongs to a fresh session, which ends only if it is subject's.
		st.mu.Lock()
		fresh := subject != "" && st.subjectSet && st.afterClear && st.subject == subject
		st.mu.Unlock()
		if !fresh {
			return
		}
	}
	if err := s.Clear(); err != nil {
		return
	}
	st.mu.Lock()
	st.end(subject != "" && st.recSubject != subject)
	st.mu.Unlock()
}

// savedSubject is the subject the session of st will be saved with;
// cleared: Session.Clear ran in the request. st.mu is held.
func (st *state) savedSubject(cleared bool) string {
	if cleared && !(st.subjectSet && st.afterClear) {
		return ""
	}
	return st.subject
}

// Sessions lists subject's live sessions with their metadata, without
// data; current's is marked Info.Current (session.Manager.Sessions).
func (i *Backend) Sessions(ctx context.Context, subject string, current *session.Session) ([]session.Info, error) {
	ss, err := i.subjects()
	if err != nil {
		return nil, err
	}
	infos, err := ss.Sessions(ctx, subject)
	if err != nil {
		return nil, storeFailed("listing sessions", err)
	}
	currentKey := Key(current)
	out := make([]session.Info, len(infos))
	for n, in := range infos {
		out[n] = session.Info{Key: in.Key, Current: currentKey != "" && in.Key == currentKey,
			Created: in.Created, LastSeen: in.LastSeen, Expires: in.Expires, Meta: in.Meta}
	}
	return out, nil
}

// RevokeKey deletes the session of subject stored under key (an
// Info.Key); a key that is not one of subject's live sessions is ignored
// (session.Manager.RevokeKey). The listing and the delete run detached from
// ctx's cancellation, bounded by Options.EndTimeout. When current is the
// revoked session, it ends as Destroy ends it.
func (i *Backend) RevokeKey(ctx context.Context, subject, key string, current *session.Session) error {
	ss, err := i.subjects()
	if err != nil {
		return err
	}
	ectx, cancel := i.endContext(ctx)
	defer cancel()
	infos, err := ss.Sessions(ectx, subject)
	if err != nil {
		return storeFailed("listing sessions", err)
	}
	found := false
	for _, in := range infos {
		found = found || (key != "" && in.Key == key)
	}
	if !found {
		return nil
	}
	if err := i.store.Delete(ectx, key); err != nil {
		return storeFailed("revoking a session", err)
	}
	if st := i.stateOf(current); st != nil && Key(current) == key {
		endCurrent(current, st, "")
	}
	return nil
}

// Revoke deletes every session of subject except keep's ("log out other
// devices"); a nil keep revokes them all ("log out everywhere")
// (session.Manager.Revoke). The deletes run detached from ctx's
// cancellation, bounded by Options.EndTimeout. When current is one of
// subject's sessions and not keep — its record is subject's, or the request
// attached it to subject (a login earlier in the same request) — it ends
// as Destroy ends it, so the request can still flash "logged out"; a
// record of it the revocation did not delete is deleted at save time.
func (i *Backend) Revoke(ctx context.Context, subject string, keep, current *session.Session) error {
	ss, err := i.subjects()
	if err != nil {
		return err
	}
	keepKey := ""
	if keep != nil {
		keepKey = Key(keep)
	}
	// The current session ends when it is one of subject's: its record
	// is (the revocation deletes it), or the request will save it under
	// subject (a login earlier in this request), as a cookie session
	// established before the revocation ends; unless it is keep.
	st := i.stateOf(current)
	ending := false
	if st != nil && (keep == nil || keep != current) {
		c := cleared(current)
		st.mu.Lock()
		kept := keepKey != "" && st.key == keepKey
		stored := st.key != "" && st.recSubject == subject
		saving := subject != "" && st.savedSubject(c) == subject
		ending = !kept && (stored || saving)
		st.mu.Unlock()
	}
	ectx, cancel := i.endContext(ctx)
	defer cancel()
	if _, err := ss.DeleteSubject(ectx, subject, keepKey); err != nil {
		return storeFailed("revoking sessions", err)
	}
	if ending {
		endCurrent(current, st, subject)
	}
	return nil
}
