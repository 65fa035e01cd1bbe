package serverside

import (
	"context"
	"fmt"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// change runs f on the state of s after marking s modified (which fails for
// a null session or after the header went out).
func change(s *session.Session, f func(st *state)) error {
	st := stateOf(s)
	if st == nil {
		return ErrNotServerSide
	}
	if err := s.MarkChanged(); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st)
	return nil
}

// SetSubject attaches the session to subject (a user ID), so it can be
// listed and revoked with the subject's other sessions.
func SetSubject(s *session.Session, subject string) error {
	return change(s, func(st *state) { st.subject, st.subjectSet = subject, true })
}

// Subject returns the subject attached to the session, or "".
func Subject(s *session.Session) string {
	st := stateOf(s)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.subject
}

// SetMeta records application metadata shown when listing sessions (a user
// agent, a device name). It never travels to the client.
func SetMeta(s *session.Session, key, value string) error {
	return change(s, func(st *state) {
		if st.metaSet == nil {
			st.metaSet = make(map[string]string, 2)
		}
		st.metaSet[key] = value
	})
}

// Regenerate gives the session a new ID when it is saved, keeping its data
// and deleting the old record. Call it when the user logs in or gains
// privileges, against session fixation.
func Regenerate(s *session.Session) error {
	return change(s, func(st *state) { st.regenerate = true })
}

// Destroy ends the session when it is saved: the record is deleted and the
// cookie cleared (logout). Its values are cleared at once.
func Destroy(s *session.Session) error {
	if err := s.Clear(); err != nil {
		return err
	}
	return change(s, func(st *state) { st.destroy = true })
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

// Sessions lists subject's live sessions with their metadata, without data.
func (i *Interface) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	ss, err := i.subjects()
	if err != nil {
		return nil, err
	}
	infos, err := ss.Sessions(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("serverside: listing sessions: %w", err)
	}
	return infos, nil
}

// Revoke deletes the session stored under key (a Key or an Info.Key).
func (i *Interface) Revoke(ctx context.Context, key string) error {
	if err := i.store.Delete(ctx, key); err != nil {
		return fmt.Errorf("serverside: revoking a session: %w", err)
	}
	return nil
}

// RevokeSubject deletes every session of subject except keep's ("log out
// other devices"); a nil keep revokes them all ("log out everywhere"). It
// returns how many sessions it deleted.
func (i *Interface) RevokeSubject(ctx context.Context, subject string, keep *session.Session) (int, error) {
	ss, err := i.subjects()
	if err != nil {
		return 0, err
	}
	keepKey := ""
	if keep != nil {
		keepKey = Key(keep)
	}
	n, err := ss.DeleteSubject(ctx, subject, keepKey)
	if err != nil {
		return n, fmt.Errorf("serverside: revoking sessions: %w", err)
	}
	return n, nil
}
