package session

import (
	"context"
	"fmt"
	"time"
)

// DefaultSubjectKey is the session key holding the subject (a user ID) that
// revocation looks up.
const DefaultSubjectKey = "_subject"

// Revocations keeps a per-subject "not before" time, so that cookie
// sessions — which live in the client and cannot be deleted — can still be
// revoked: a cookie issued before its subject's not-before time is refused
// when it is opened ("log out everywhere"). The revocation package keeps
// them in any store.Store.
type Revocations interface {
	// NotBefore returns the time before which subject's sessions are
	// revoked; the zero Time means none are.
	NotBefore(ctx context.Context, subject string) (time.Time, error)
}

// SetSubject records the subject (user ID) of a cookie session under
// Config.SubjectKey, for revocation.
func SetSubject(s *Session, cfg *Config, subject string) error {
	return s.Set(cfg.subjectKey(), subject)
}

func (c *Config) subjectKey() string {
	if c.SubjectKey != "" {
		return c.SubjectKey
	}
	return DefaultSubjectKey
}

// isRevoked reports whether a cookie session issued at issued has been
// revoked. A lookup error is returned: the request fails closed.
func isRevoked(ctx context.Context, cfg *Config, values map[string]any, issued time.Time) (bool, error) {
	if cfg.Revocations == nil {
		return false, nil
	}
	subject, _ := values[cfg.subjectKey()].(string)
	if subject == "" {
		return false, nil
	}
	nb, err := cfg.Revocations.NotBefore(ctx, subject)
	if err != nil {
		return false, fmt.Errorf("session: checking revocation: %w", err)
	}
	return !nb.IsZero() && issued.Before(nb), nil
}
