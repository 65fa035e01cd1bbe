// Package boltstore is the embedded persistent session store: a
// [store.Store] on one bbolt ([go.etcd.io/bbolt]) database file, for
// single-process applications whose sessions must survive a restart.
//
//	s, err := boltstore.Open("/var/lib/app/sessions.db", boltstore.Options{})
//	if err != nil { ... }
//	defer s.Close()
//
// A Store implements [store.Store], [store.SubjectStore], [store.Toucher],
// [store.Sweeper] and [io.Closer], and passes storetest.Run under -race.
//
// # The file
//
// [Open] creates the file with mode 0600: it holds every user's session
// data. An existing file keeps the mode it has. bbolt locks the file while
// it is open, so a second Open of the same file, by another process or in
// this one, waits at most Options.Timeout (1s by default) and then fails
// with an error that names the file and wraps bbolt's errors.ErrTimeout,
// instead of hanging. Keys are arbitrary bytes inside the file and are never
// used as file names; the empty key and keys longer than [store.MaxKeyLen]
// are refused with [store.ErrInvalidKey].
//
// An application that already has a bbolt database passes it to [New]; the
// Store then uses the buckets "sessions", "subjects" and "expiry" in it, and
// its Close does not close the database.
//
// # Layout
//
//   - "sessions": key → record, in a compact binary format that starts with
//     a format version byte (see below).
//   - "subjects": uvarint(len(subject)) + subject + key → empty, so that a
//     subject's sessions are one prefix scan, whatever bytes the subject
//     holds (a NUL separator would let subject "a" match subject "a\x00b").
//   - "expiry": Unix seconds (sign bit flipped) and nanoseconds of Expires,
//     big-endian, + key → empty, in time order, so the sweeper reads only
//     expired entries. Records whose Expires is the zero Time never expire
//     and are not in it.
//
// Every write updates the record and its index entries in one transaction. A
// record is: the format byte, Version, Created, LastSeen and Expires, the
// Subject, the Meta entries and last the Data, each length-prefixed with
// varints. Listing a subject's sessions never copies their data, and Touch
// copies everything after the times verbatim. Times come back in the local
// time zone, to the nanosecond, without monotonic clock readings. A record
// that cannot be decoded (not written by this package, by a newer format, or
// damaged) makes Load, Save, CompareAndDelete, Touch and Sessions return an
// error wrapping [ErrCorrupt], never a panic; Delete and DeleteSubject still
// delete it, and the sweeper deletes it once its expiry entry has passed.
//
// # Transactions, durability and context
//
// Load and Sessions run in a read-only transaction (db.View) and may run in
// parallel. Save is a compare-and-swap in one read-write transaction
// (db.Update): it reads the stored version (an expired record counts as
// absent, version 0), compares, and writes the record and its indexes, or
// returns [store.ErrConflict] and writes nothing. bbolt has one writer at a
// time and, by default, fsyncs the file when every read-write transaction
// commits, so a Save that returned is on disk; that fsync is most of a
// Save's cost (see the benchmarks). An application that prefers speed over
// durability can open its own database with bbolt's NoSync option and pass
// it to New; a crash may then lose recent saves.
//
// Every method checks ctx before it starts each transaction and returns
// ctx.Err() if it is done. bbolt transactions cannot be interrupted: a
// transaction that has started completes (or fails) whatever happens to ctx
// meanwhile.
//
// # Sweeping and Close
//
// Load never returns an expired record, whether or not it has been swept.
// To reclaim space, a goroutine calls [Store.Sweep] every
// Options.SweepInterval (a minute by default; negative disables it). Sweep
// walks the expiry index and deletes at most 100 records per transaction,
// so it never holds the write lock for long; errors go to Options.Logger.
// [Store.Close] stops the sweeper, waits for it and for running
// transactions, and closes the database if [Open] opened it. Afterwards
// every method returns [store.ErrClosed]; Close may be called again.
package boltstore
