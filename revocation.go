package session

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// defaultSubjectKey is the session key holding the subject (a user ID) that
// revocation looks up.
const defaultSubjectKey = "_subject"

// EstablishedKey is the session key holding when the session was
// established: the moment [Session.SetSubject] or [Session.Renew] ran (the login), as an integer of
// Unix time in nanoseconds (Python: time.time_ns()). It is part of the
// signed or sealed payload, so every re-issue of the cookie — a refresh, a
// write, a re-sign under a rotated key, by this package or by a Flask app
// sharing the cookie (Flask keeps keys it does not know) — carries the
// original value. Revocation compares it, not the time the cookie was last
// signed, with the subject's not-before time.
//
// A cookie carrying a subject but no EstablishedKey (made before this key
// existed, or by a Flask app that set the subject itself) counts as
// established when it was issued, in whole seconds; when such a cookie is
// opened with Config.Revocations set, that time is written under
// EstablishedKey, so its re-issues keep it too. A value that is not an
// integer counts as established at the beginning of time: the session is
// refused as soon as its subject has any not-before time.
const EstablishedKey = "_established_ns"

// ErrSessionRevoked is returned by Save for a session that was changed
// during a request that raced with the revocation of its subject: the
// session existed before the subject's not-before time, so the change is
// not saved and no cookie is sent — also when the request called
// [Session.Renew], or [Session.SetSubject] with the subject the session
// already had, after the revocation (neither re-establishes a session
// revoked while the request ran). To keep the current session, pass it to
// [Manager.Revoke] as keep (or call SetSubject after Manager.Revoke in the
// same request); a login after [Session.Clear] or [Session.Destroy], or as
// another subject, is a new session and is kept.
var ErrSessionRevoked = errors.New("session: subject revoked during the request")

// Revocations keeps a per-subject "not before" time, so that cookie
// sessions — which live in the client and cannot be deleted — can still be
// revoked: a session established (see [EstablishedKey]) before its
// subject's not-before time is refused when it is opened, and is not
// re-issued by a request that opened it before the revocation ("log out
// everywhere"). The revocation package keeps them in any store.Store.
//
// [SecureCookie] calls NotBefore when it opens a cookie carrying a subject
// and again when it saves one (the revocation may land while the request
// runs); an error fails the request closed, with no Set-Cookie: it is
// reported through the error handler wrapped with ErrStoreUnavailable
// (HTTP 503 with "Retry-After: 5" from the default one).
type Revocations interface {
	// NotBefore returns the time before which subject's sessions are
	// revoked; the zero Time means none are.
	NotBefore(ctx context.Context, subject string) (time.Time, error)
	// Revoke moves subject's not-before time forward to at (never back),
	// kept at least as long as a cookie lives (Config.PermanentLifetime):
	// a revocation that expires sooner lets its revoked cookies back in.
	// An implementation with a method Retention() time.Duration, telling
	// how long it keeps one, is checked by [New].
	// [Manager.Revoke] calls it with a context detached from the request's
	// cancellation, bounded by [RevokeTimeout].
	Revoke(ctx context.Context, subject string, at time.Time) error
}

// retainer is implemented by a Revocations that says how long it keeps a
// revocation ([revocation.List]): [New] refuses one that keeps it for less
// than the cookie lifetime.
type retainer interface{ Retention() time.Duration }

func (c *Config) subjectKey() string {
	if c.SubjectKey != "" {
		return c.SubjectKey
	}
	return defaultSubjectKey
}

// subjectOf returns the subject of a session, or "".
func subjectOf(cfg *Config, values map[string]any) string {
	subject, _ := values[cfg.subjectKey()].(string)
	return subject
}

// establishedAt returns when a session was established: EstablishedKey, or
// issued when it is absent. A malformed value is the zero Time (refused by
// any revocation). A value more than a second after issued (a cookie cannot
// be signed before its session was established) is capped at issued.
func establishedAt(values map[string]any, issued time.Time) time.Time {
	v, ok := values[EstablishedKey]
	if !ok {
		return issued
	}
	var ns int64
	switch n := v.(type) {
	case int64:
		ns = n
	case int:
		ns = int64(n)
	case *big.Int:
		if n == nil || !n.IsInt64() {
			return time.Time{}
		}
		ns = n.Int64()
	default:
		return time.Time{}
	}
	t := time.Unix(0, ns)
	if t.After(issued.Add(time.Second)) {
		return issued
	}
	return t
}

// isRevoked reports whether a cookie session issued at issued, holding
// values, has been revoked. A lookup error is returned: the request fails
// closed.
func isRevoked(ctx context.Context, cfg *Config, values map[string]any, issued time.Time) (bool, error) {
	if cfg.Revocations == nil {
		return false, nil
	}
	return revokedSince(ctx, cfg, subjectOf(cfg, values), establishedAt(values, issued))
}

// revokedSince reports whether subject's sessions established at
// established are revoked. Sessions without a subject never are.
func revokedSince(ctx context.Context, cfg *Config, subject string, established time.Time) (bool, error) {
	if cfg.Revocations == nil || subject == "" {
		return false, nil
	}
	nb, err := cfg.Revocations.NotBefore(ctx, subject)
	if err != nil {
		return false, fmt.Errorf("session: checking revocation: %w: %w", ErrStoreUnavailable, err)
	}
	return !nb.IsZero() && established.Before(nb), nil
}
