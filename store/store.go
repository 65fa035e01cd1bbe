// Package store defines the contract between server-side sessions and the
// engines that keep them (memory, bbolt, Redis, PostgreSQL, ...).
//
// A Store is small: Load, Save (a compare-and-swap on the record's version),
// Delete and CompareAndDelete (a delete checked against the version).
// Everything else is an optional capability, a separate interface found by
// type assertion: listing and revoking a subject's
// sessions ([SubjectStore]), extending expiry without rewriting data
// ([Toucher]), sweeping expired records ([Sweeper]), and io.Closer.
//
// Keys are opaque strings chosen by the caller. The serverside package
// passes the base64url SHA-256 of the session ID, never the ID itself, so a
// store never sees a token a client could replay. Stores may still reject
// keys they cannot hold with [ErrInvalidKey].
//
// # Writing a store
//
// Every method must be safe for concurrent use and honour ctx: with a
// canceled context it returns the context's error and changes nothing.
// "Not found" (including an expired record) is not an error: Load returns
// ok=false. A record is expired from the instant its Expires is reached
// (Record.Expired), by the store's clock; it must never be returned,
// whether or not a sweeper has run, and no method may bring it back: Touch
// leaves it expired, and Save and CompareAndDelete treat it as absent
// (version 0). A store that cannot reach its backend returns an error from
// every method, never a success it did not have; after Close, every method
// returns ErrClosed. Save must be atomic: it writes only if the stored version
// equals rec.Version (0 meaning "no record exists"), and stores the record
// with version rec.Version+1; otherwise it returns ErrConflict and changes
// nothing. So a record deleted while a slow request was running is never
// re-created by that request's save. CompareAndDelete is atomic in the same
// way: of a CompareAndDelete and a Save based on the same version, exactly
// one succeeds. Run storetest.Run against the store.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns. Wrap them (fmt.Errorf with %w) to add detail.
var (
	// ErrConflict means the version Save or CompareAndDelete expected did
	// not match the stored one: another request saved or deleted the
	// record first.
	ErrConflict = errors.New("store: version conflict")
	// ErrInvalidKey means the store cannot hold the key (empty, too long,
	// or characters it does not allow).
	ErrInvalidKey = errors.New("store: invalid key")
	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("store: closed")
)

// MaxKeyLen is the longest key the conformance suite requires a store to accept.
const MaxKeyLen = 256

// Record is one session as a store keeps it.
type Record struct {
	// Data is the encoded session values, opaque to the store.
	Data []byte
	// Version is the record's version: 0 for a record never saved. Load
	// returns the stored version; Save expects the version it last read.
	Version uint64
	// Subject is the owner (a user ID) the application attached, or "".
	Subject string
	// Created is when the session was first saved.
	Created time.Time
	// LastSeen is when the session was last used (saved or touched).
	LastSeen time.Time
	// Expires is the moment the record stops existing: Load must not return
	// it afterwards. The zero Time means never (stores may still refuse it).
	Expires time.Time
	// Meta is application-supplied metadata shown when listing a subject's
	// sessions (a user agent, an IP prefix, a device name).
	Meta map[string]string
}

// Expired reports whether the record has expired at now.
func (r *Record) Expired(now time.Time) bool {
	return !r.Expires.IsZero() && !now.Before(r.Expires)
}

// Store keeps session records.
type Store interface {
	// Load returns the record under key. ok is false when there is none or
	// it has expired; that is not an error.
	Load(ctx context.Context, key string) (rec Record, ok bool, err error)
	// Save writes rec under key if the stored version equals rec.Version
	// (0: no record may exist), and returns the new version, rec.Version+1.
	// On a mismatch it returns ErrConflict and writes nothing.
	Save(ctx context.Context, key string, rec Record) (version uint64, err error)
	// Delete removes the record under key, whatever its version: the
	// server has decided the session ends (logout, revocation). A missing
	// key is not an error.
	Delete(ctx context.Context, key string) error
	// CompareAndDelete removes the record under key only if its stored
	// version equals version (like sync.Map.CompareAndDelete); a missing or
	// expired record counts as version 0, so version 0 on a missing key is
	// a successful no-op. On a mismatch it returns ErrConflict and deletes
	// nothing. Deleting on a stale view would drop a concurrent request's
	// acknowledged write; serverside uses it whenever a request empties or
	// moves a session.
	CompareAndDelete(ctx context.Context, key string, version uint64) error
}

// Info describes a session without its data, for listing.
type Info struct {
	Key      string // the store key (the hashed ID), usable with Delete
	Subject  string
	Created  time.Time
	LastSeen time.Time
	Expires  time.Time
	Meta     map[string]string
}

// SubjectStore is implemented by stores that index records by Subject.
type SubjectStore interface {
	Store
	// Sessions lists the unexpired sessions of subject, without their data,
	// oldest first: by Created, then (same Created) by Key in byte order,
	// so that the list is stable from one call to the next.
	Sessions(ctx context.Context, subject string) ([]Info, error)
	// DeleteSubject deletes every session of subject except the one under
	// keep ("" keeps none) and returns how many it deleted.
	DeleteSubject(ctx context.Context, subject, keep string) (int, error)
}

// Toucher is implemented by stores that can extend a record's life without
// rewriting its data. Touch sets LastSeen and Expires of the record under
// key if it exists and has not expired; it does not change the version.
type Toucher interface {
	Touch(ctx context.Context, key string, lastSeen, expires time.Time) error
}

// Sweeper is implemented by stores that can delete expired records on
// demand. Sweep deletes the records expired when it starts, and only those
// (one that expires a moment later is live and stays), and returns how
// many it deleted. Stores that sweep on their own still honour Expires on
// Load.
type Sweeper interface {
	Sweep(ctx context.Context) (deleted int, err error)
}
