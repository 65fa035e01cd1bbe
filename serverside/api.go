package serverside

import (
	"context"
	"fmt"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// change runs f on the state of s after marking s modified (which fails for
// a null session or after the header went out). Misuse — a session this
// package did not open — is returned and also recorded with s.Fail, so the
// error handler answers the request even if the caller ignores the error.
// f learns whether Session.Clear already ran in this request.
func change(s *session.Session, f func(st *state, cleared bool)) error {
	st := stateOf(s)
	if st == nil {
		return notServerSide(s)
	}
	if err := s.MarkChanged(); err != nil {
		return err
	}
	cleared := s.Changes().Cleared
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st, cleared)
	return nil
}

// notServerSide reports the misuse on s and returns ErrNotServerSide.
func notServerSide(s *session.Session) error {
	if s != nil {
		s.Fail(ErrNotServerSide)
	}
	return ErrNotServerSide
}

// SetSubject attaches the session to subject (a user ID), so it can be
// listed and revoked with the subject's other sessions (Session.SetSubject).
func (*state) SetSubject(s *session.Session, subject string) error {
	return change(s, func(st *state, cleared bool) {
		st.subject, st.subjectSet, st.afterClear = subject, true, cleared
	})
}

// Subject returns the subject attached to the session, or "" (also after
// Session.Clear, unless SetSubject was called after it) (Session.Subject).
func (st *state) Subject(s *session.Session) string {
	cleared := s.Changes().Cleared
	st.mu.Lock()
	defer st.mu.Unlock()
	if cleared && !(st.subjectSet && st.afterClear) {
		return ""
	}
	return st.subject
}

// SetMeta records application metadata shown when listing sessions (a user
// agent, a device name). It never travels to the client.
func SetMeta(s *session.Session, key, value string) error {
	return change(s, func(st *state, cleared bool) { st.setMeta(key, value, cleared) })
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
// and deleting the old record (Session.Renew).
func (*state) Renew(s *session.Session) error {
	return change(s, func(st *state, _ bool) { st.regenerate = true })
}

// Destroy ends the session (logout): its values are cleared at once, and
// when the session is saved its record is deleted — in a context detached
// from the request's cancellation, so a client that disconnects stays
// logged out — and the cookie is cleared. Values written afterwards in the
// same request (a "you are logged out" flash) go into a fresh session with
// a new ID, no subject and no metadata (Session.Destroy).
func (st *state) Destroy(s *session.Session) error {
	if err := s.Clear(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.end(true)
	return nil
}

// Key returns the store key of the session (the hash of its ID, safe to
// show and to pass to Revoke), or "" for a session not yet stored.
func Key(s *session.Session) string {
	st := stateOf(s)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.key
}

func (i *Interface) subjects() (store.SubjectStore, error) {
	ss, ok := i.store.(store.SubjectStore)
	if !ok {
		return nil, ErrNoSubjects
	}
	return ss, nil
}

// current returns the session of the request ctx belongs to, and its state
// if this Interface opened it (nil otherwise). It opens the session if the
// handler has not yet.
func (i *Interface) current(ctx context.Context) (*session.Session, *state) {
	s := session.FromContext(ctx)
	st := stateOf(s)
	if st == nil || st.owner != i {
		return s, nil
	}
	return s, st
}

// report records err on the session of the request ctx belongs to, so the
// error handler answers it even if the caller ignores err, and returns err.
func report(s *session.Session, err error) error {
	if err != nil && s != nil {
		s.Fail(err)
	}
	return err
}

// endCurrent ends the session of this request after its record was deleted
// by a revocation from the request itself: later writes of the request go
// into a fresh session instead of failing as "ended by another request".
func endCurrent(s *session.Session, st *state) {
	st.mu.Lock()
	saved := st.saved
	st.mu.Unlock()
	if saved {
		return // the response went out: the session is no longer this request's to change
	}
	if s.Changes().Cleared {
		return // Clear ended it already: what was written since belongs to the fresh session
	}
	if err := s.Clear(); err != nil {
		return
	}
	st.mu.Lock()
	st.end(false)
	st.mu.Unlock()
}

// Sessions lists subject's live sessions with their metadata, without
// data; current's is marked Info.Current (session.Manager.Sessions).
// Called from a handler (ctx the request's), a failure also answers the
// request through the error handler.
func (i *Interface) Sessions(ctx context.Context, subject string, current *session.Session) ([]session.Info, error) {
	ss, err := i.subjects()
	if err != nil {
		return nil, report(session.FromContext(ctx), err)
	}
	infos, err := ss.Sessions(ctx, subject)
	if err != nil {
		return nil, report(session.FromContext(ctx), fmt.Errorf("serverside: listing sessions: %w", err))
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
// (session.Manager.RevokeKey). The delete runs detached from ctx's
// cancellation, bounded by Options.EndTimeout. Called from a handler (ctx
// the request's) on the request's own session, it ends that session as
// Destroy does; a failure also answers the request through the error
// handler.
func (i *Interface) RevokeKey(ctx context.Context, subject, key string) error {
	s, st := i.current(ctx)
	ss, err := i.subjects()
	if err != nil {
		return report(s, err)
	}
	ectx, cancel := i.endContext(ctx)
	defer cancel()
	infos, err := ss.Sessions(ectx, subject)
	if err != nil {
		return report(s, fmt.Errorf("serverside: listing sessions: %w", err))
	}
	found := false
	for _, in := range infos {
		found = found || (key != "" && in.Key == key)
	}
	if !found {
		return nil
	}
	if err := i.store.Delete(ectx, key); err != nil {
		return report(s, fmt.Errorf("serverside: revoking a session: %w", err))
	}
	if st != nil && Key(s) == key {
		endCurrent(s, st)
	}
	return nil
}

// Revoke deletes every session of subject except keep's ("log out other
// devices"); a nil keep revokes them all ("log out everywhere")
// (session.Manager.Revoke). The deletes run detached from ctx's
// cancellation, bounded by Options.EndTimeout. Called from a handler (ctx
// the request's) whose own session is among those revoked, it ends that
// session as Destroy does, so the request can still flash "logged out"; a
// failure also answers the request through the error handler.
func (i *Interface) Revoke(ctx context.Context, subject string, keep *session.Session) error {
	_, err := i.revokeSubject(ctx, subject, keep)
	return err
}

// revokeSubject is Revoke that also returns how many sessions it deleted.
func (i *Interface) revokeSubject(ctx context.Context, subject string, keep *session.Session) (int, error) {
	s, st := i.current(ctx)
	ss, err := i.subjects()
	if err != nil {
		return 0, report(s, err)
	}
	keepKey := ""
	if keep != nil {
		keepKey = Key(keep)
	}
	ending := false
	if st != nil {
		st.mu.Lock()
		ending = st.key != "" && st.key != keepKey && st.recSubject == subject
		st.mu.Unlock()
	}
	ectx, cancel := i.endContext(ctx)
	defer cancel()
	n, err := ss.DeleteSubject(ectx, subject, keepKey)
	if err != nil {
		return n, report(s, fmt.Errorf("serverside: revoking sessions: %w", err))
	}
	if ending {
		endCurrent(s, st)
	}
	return n, nil
}
