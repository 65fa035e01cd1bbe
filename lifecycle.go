package session

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotSupported is returned (wrapped) by a lifecycle operation the
// session's backend cannot perform: [Manager.Sessions] with cookie sessions
// (a cookie lives in the client and is listed nowhere), [Manager.Revoke]
// with cookie sessions and no Config.Revocations, or any lifecycle
// operation with a third-party [Interface] that does not implement it (see
// [Lifecycle]).
var ErrNotSupported = errors.New("session: not supported by the session backend")

// Lifecycle is implemented by an [Interface] whose sessions can be
// renewed, attached to a subject and ended, and whose subjects' sessions
// can be listed and revoked: [Session.Renew], [Session.SetSubject],
// [Session.Subject], [Session.Destroy], [Manager.Sessions],
// [Manager.Revoke] and [Manager.RevokeKey] call it. The serverside package
// implements it; [SecureCookie] has the same operations built in (listing
// and revoking one session answer ErrNotSupported, revoking a subject needs
// Config.Revocations). For an Interface without it, these fail with
// ErrNotSupported.
//
// Renew, SetSubject and Destroy get a session the Interface opened, already
// marked modified; an error they return is also reported through the error
// handler. current is the session of the request ctx belongs to (nil
// outside one): an Interface ends it when it revokes it, so that what the
// handler writes afterwards goes into a fresh session. When the request
// holds sessions of the subject through other Managers over the same
// Interface, [Manager.Revoke] calls Revoke again with each as current: a
// Revoke must be idempotent.
type Lifecycle interface {
	// Renew makes s a new session at save time, keeping its values (a new ID).
	Renew(s *Session) error
	// SetSubject attaches s to subject (a user ID).
	SetSubject(s *Session, subject string) error
	// Subject returns the subject attached to s, or "".
	Subject(s *Session) string
	// Destroy ends s (logout): values written afterwards in the same
	// request go into a fresh session without a subject.
	Destroy(s *Session) error
	// Sessions lists subject's live sessions, current's marked Info.Current.
	Sessions(ctx context.Context, subject string, current *Session) ([]Info, error)
	// Revoke ends every session of subject but keep's (nil keeps none).
	Revoke(ctx context.Context, subject string, keep, current *Session) error
	// RevokeKey ends the session of subject listed under key.
	RevokeKey(ctx context.Context, subject, key string, current *Session) error
}

// Info describes one live session of a subject, without its data.
type Info struct {
	// Key identifies the session for [Manager.RevokeKey]; it is not the
	// cookie value and cannot be used to open the session.
	Key string
	// Current reports that this is the session of the request that listed it.
	Current  bool
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
	// Meta is the metadata the backend recorded with the session (a user
	// agent, an address), or nil.
	Meta map[string]string
}

// Renew makes the session a new one when it is saved, keeping its values:
// a server-side session moves to a new ID, a cookie session is re-issued
// with a new establishment time (see [EstablishedKey]). Call it at login
// and whenever the user gains privileges (against session fixation). A
// cookie session revoked while the request ran is not revived by it: Save
// fails with [ErrSessionRevoked]. It fails like a write on a session that cannot be written, and with
// ErrNotSupported when the backend cannot renew; either failure is also
// reported through the error handler.
func (s *Session) Renew() error {
	return s.lifecycle("Renew", func(l Lifecycle) error { return l.Renew(s) })
}

// SetSubject attaches the session to subject (a user ID), so it can be
// listed ([Manager.Sessions]) and revoked ([Manager.Revoke]) with the
// subject's other sessions. A cookie session stores the subject under
// Config.SubjectKey and is marked established now (see [EstablishedKey]);
// when it already carried subject and the subject was revoked by another
// request while this one ran, it is not re-established: Save fails with
// [ErrSessionRevoked] (Clear it first, as a logout does, to log in anew).
// Failures are as for [Session.Renew].
func (s *Session) SetSubject(subject string) error {
	return s.lifecycle("SetSubject", func(l Lifecycle) error { return l.SetSubject(s, subject) })
}

// Subject returns the subject attached to the session, or "" (also for a
// session whose backend has none).
func (s *Session) Subject() string {
	s.mu.Lock()
	l := s.lc
	s.mu.Unlock()
	if l == nil {
		return ""
	}
	return l.Subject(s)
}

// Destroy ends the session (logout): its values are cleared at once, and
// when it is saved a server-side record is deleted (even if the client
// goes away meanwhile) and the cookie cleared. Values written afterwards in
// the same request (a "you are logged out" flash) go into a fresh session
// without a subject. Session.Clear, Flask's logout idiom, ends a session
// as well. Failures are as for [Session.Renew].
func (s *Session) Destroy() error {
	return s.lifecycle("Destroy", func(l Lifecycle) error { return l.Destroy(s) })
}

// lifecycle runs op on the session's Lifecycle after marking the session
// modified: a session that refuses writes fails as a write does, one
// without a Lifecycle with ErrNotSupported; failures are recorded.
func (s *Session) lifecycle(name string, op func(Lifecycle) error) error {
	s.mu.Lock()
	l := s.lc
	s.mu.Unlock()
	if l == nil {
		if err := s.writable(); err != nil {
			return s.write(func() {}) // fails, and reports, as a write does
		}
		err := fmt.Errorf("%w: Session.%s", ErrNotSupported, name)
		s.fail(err)
		return err
	}
	if err := s.markModifiedOnly(); err != nil {
		return err
	}
	err := op(l)
	s.fail(err)
	return err
}

// lifecycleOf returns the Lifecycle of m's sessions, or nil.
func (m *Manager) lifecycleOf() Lifecycle {
	if l, ok := m.rc.iface.(Lifecycle); ok {
		return l
	}
	if _, ok := m.rc.iface.(cookieBackend); ok {
		return cookieLifecycle{m: m}
	}
	return nil
}

// cookieLifecycle is the Lifecycle of SecureCookie's sessions.
type cookieLifecycle struct{ m *Manager }

// cookieOrigin is the State.Backend of a cookie session opened with a
// subject while Config.Revocations is set: the subject and when the session
// was established, as the cookie said. Save checks the subject's not-before
// time against that time, not against a later one written by Renew, so that
// no re-issue revives a session revoked while the request ran (a revoked
// session is refused when opened, so only that race is left). A login in
// the request (see [cookieLifecycle.SetSubject]) drops it.
type cookieOrigin struct {
	subject     string
	established time.Time
}

// Renew writes a new establishment time; the revocation check at save
// still uses the one the session was opened with (see cookieOrigin): a
// session revoked while the request ran fails with ErrSessionRevoked.
func (c cookieLifecycle) Renew(s *Session) error {
	return s.Set(EstablishedKey, c.m.cfg.now().UnixNano())
}

// SetSubject attaches subject, established now. It is a login, and drops
// the session's cookieOrigin, when the session does not carry subject at
// the call (a new session, one cleared by a logout, another subject) or
// when this request revoked the subject itself (Manager.Revoke, then
// SetSubject to stay logged in). SetSubject again with the subject the
// session was opened with is not a login: a revocation of the subject
// while the request ran still ends the session (ErrSessionRevoked).
func (c cookieLifecycle) SetSubject(s *Session, subject string) error {
	if c.Subject(s) != subject || s.tracking() {
		s.dropCookieOrigin()
	}
	return s.Update(map[string]any{
		c.m.cfg.subjectKey(): subject,
		EstablishedKey:       c.m.cfg.now().UnixNano(),
	})
}

// establish re-establishes s for subject after a revocation (the keep of
// Manager.Revoke): a login.
func (c cookieLifecycle) establish(s *Session, subject string) error {
	s.dropCookieOrigin()
	return s.SetSubject(subject)
}

func (c cookieLifecycle) Subject(s *Session) string {
	v, _ := s.lookup(c.m.cfg.subjectKey())
	subject, _ := v.(string)
	return subject
}

func (c cookieLifecycle) Destroy(s *Session) error { return s.Clear() }

func (c cookieLifecycle) Sessions(context.Context, string, *Session) ([]Info, error) {
	return nil, fmt.Errorf("%w: listing cookie sessions (they live in the clients)", ErrNotSupported)
}

func (c cookieLifecycle) RevokeKey(context.Context, string, string, *Session) error {
	return fmt.Errorf("%w: revoking one cookie session", ErrNotSupported)
}

// Revoke moves subject's not-before time to now: every cookie session of
// subject established before is refused from now on.
func (c cookieLifecycle) Revoke(ctx context.Context, subject string, keep, current *Session) error {
	rv := c.m.cfg.Revocations
	if rv == nil {
		return fmt.Errorf("%w: revoking cookie sessions needs Config.Revocations", ErrNotSupported)
	}
	// Once decided, a revocation happens whatever the client does: the
	// Revocations get a context detached from ctx's cancellation (keeping
	// its values), bounded by RevokeTimeout.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RevokeTimeout)
	defer cancel()
	if err := rv.Revoke(rctx, subject, c.m.cfg.now()); err != nil {
		return fmt.Errorf("session: revoking: %w: %w", ErrStoreUnavailable, err)
	}
	if current != nil {
		// From here on, the request's own writes are tracked: if its session
		// turns out to be revoked when it is saved, only they are kept.
		current.trackChanges()
	}

	if keep != nil && keep.Subject() == subject {
		return c.establish(keep, subject) // re-established after the revocation
	}
	return nil
}

// revokeOthers ends the other sessions of subject the request ctx belongs
// to holds, through Managers (other cookies) whose sessions the revocation
// by m also revoked: cookie Managers sharing m's Config.Revocations (their
// sessions are tracked, as Revoke tracks current) and Managers over the
// same Lifecycle Interface (Revoke is called again with each as current:
// the store operation repeats, idempotent, and ends that session). Their
// writes afterwards (a flash) start fresh sessions rather than failing.
func (m *Manager) revokeOthers(ctx context.Context, l Lifecycle, subject string, keep *Session) error {
	list, _ := ctx.Value(statesKey{}).(*stateList)
	for ; list != nil; list = list.next {
		om := list.st.m
		if om == m {
			continue
		}
		s := list.st.opened()
		ol := om.lifecycleOf()
		if s == nil || s == keep || ol == nil || ol.Subject(s) != subject {
			continue
		}
		_, cookie := l.(cookieLifecycle)
		_, otherCookie := ol.(cookieLifecycle)
		switch {
		case cookie && otherCookie:
			if same(m.cfg.Revocations, om.cfg.Revocations) {
				s.trackChanges()
			}
		case !cookie && !otherCookie && same(m.rc.iface, om.rc.iface):
			if err := ol.Revoke(ctx, subject, keep, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// same reports whether a and b are the same value (false for values of a
// type that cannot be compared).
func same(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// RevokeTimeout bounds the call of Config.Revocations' Revoke by
// [Manager.Revoke], which runs it detached from the cancellation of the
// request's context.
const RevokeTimeout = 5 * time.Second

// current returns the session m's middleware holds for the request ctx
// belongs to, opening it if the handler has not yet; nil outside one.
func (m *Manager) current(ctx context.Context) *Session {
	st := m.state(ctx)
	if st == nil {
		return nil
	}
	s, _ := st.session()
	return s
}

// report records a failure of a lifecycle operation on the session of the
// request ctx belongs to, so the error handler answers it even if the
// caller ignores the error. ErrNotSupported is reported too (a revocation
// that cannot happen must not look done) unless query is set: a listing
// the backend cannot do is left to the caller (a page hides "your
// sessions").
func report(s *Session, err error, query bool) error {
	if err != nil && s != nil && !(query && errors.Is(err, ErrNotSupported)) {
		s.fail(err)
	}
	return err
}

// Sessions lists the live sessions of subject, the current request's
// marked Info.Current, in the order the backend keeps them. Cookie sessions
// cannot be listed: ErrNotSupported, returned only (a query: the page can
// hide the list). Called with a request's context, a backend failure also
// answers that request through the error handler.
func (m *Manager) Sessions(ctx context.Context, subject string) ([]Info, error) {
	l := m.lifecycleOf()
	if l == nil {
		return nil, fmt.Errorf("%w: listing sessions", ErrNotSupported)
	}
	current := m.current(ctx)
	infos, err := l.Sessions(ctx, subject, current)
	return infos, report(current, err, true)
}

// Revoke ends every session of subject except keep's ("log out other
// devices"); a nil keep ends them all ("log out everywhere"). When the
// request ctx belongs to holds one of the revoked sessions, that session
// ends with the revocation: what the handler writes afterwards (a "logged
// out" flash) goes into a fresh session without a subject. This holds for
// every session of subject the request holds through other Managers (other
// cookies) that the revocation reaches too: cookie Managers sharing m's
// Config.Revocations, and Managers over the same server-side Interface.
//
// Server-side sessions are deleted (see the serverside package). Cookie
// sessions need Config.Revocations: every session of subject established
// before now is refused from now on, and keep is re-established (as
// SetSubject does); without Config.Revocations, ErrNotSupported. The store
// operations (Config.Revocations' Revoke, bounded by RevokeTimeout, for
// cookie sessions) run detached from ctx's cancellation: a client that goes
// away does not stop a revocation. Called with a request's context, a
// failure, ErrNotSupported included (a revocation that cannot happen must
// not be shown as done), also answers that request through the error
// handler.
func (m *Manager) Revoke(ctx context.Context, subject string, keep *Session) error {
	current := m.current(ctx)
	l := m.lifecycleOf()
	if l == nil {
		return report(current, fmt.Errorf("%w: revoking sessions", ErrNotSupported), false)
	}
	err := l.Revoke(ctx, subject, keep, current)
	if err == nil {
		err = m.revokeOthers(ctx, l, subject, keep)
	}
	return report(current, err, false)
}

// RevokeKey ends the session of subject listed under key (an Info.Key from
// [Manager.Sessions]); a key that is not one of subject's live sessions is
// ignored. Cookie sessions cannot be revoked one by one: ErrNotSupported.
// Failures are reported as for [Manager.Revoke].
func (m *Manager) RevokeKey(ctx context.Context, subject, key string) error {
	current := m.current(ctx)
	l := m.lifecycleOf()
	if l == nil {
		return report(current, fmt.Errorf("%w: revoking one session", ErrNotSupported), false)
	}
	return report(current, l.RevokeKey(ctx, subject, key, current), false)
}

// cookieBackend is implemented by SecureCookie, and by an Interface that
// embeds it: its sessions get the cookie Lifecycle.
type cookieBackend interface{ revokesByNotBefore() }

func (sc *SecureCookie) revokesByNotBefore() {}
