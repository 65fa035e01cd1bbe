package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/session/store"
)

// ErrCorrupt is wrapped by the errors of Load, Save, Touch and Sessions when
// a stored record cannot be decoded: it was not written by this package, was
// written by a newer format, or the file is damaged.
var ErrCorrupt = errors.New("boltstore: corrupt record")

// formatV1 is the first byte of every record this version writes.
//
// A record is, in order:
//
//	byte     format version (1)
//	uvarint  Version
//	time     Created, LastSeen, Expires: varint Unix seconds, uvarint nanoseconds
//	uvarint  len(Subject), Subject
//	uvarint  number of Meta entries, then for each: uvarint len, key, uvarint len, value
//	uvarint  len(Data), Data
//
// and nothing after. Data is last so that listing a subject's sessions never
// copies it, and everything after Expires (the tail) is copied verbatim by
// Touch.
const formatV1 = 1

// zeroUnix is time.Time{}.Unix(): the zero Time is stored as this and 0 ns.
var zeroUnix = time.Time{}.Unix()

// maxVarint is the longest encoding of a 64-bit varint.
const maxVarint = binary.MaxVarintLen64

// encodedLen returns the exact size of encodeRecord(rec), so that
// encodeRecord allocates once, even for a record of several megabytes.
func encodedLen(rec *store.Record) int {
	n := headLen(rec.Version, rec.Created, rec.LastSeen, rec.Expires) + bytesLen(len(rec.Subject)) +
		uvarintLen(uint64(len(rec.Meta)))
	for k, v := range rec.Meta {
		n += bytesLen(len(k)) + bytesLen(len(v))
	}
	return n + bytesLen(len(rec.Data))
}

// headLen is the size of what appendHead appends.
func headLen(version uint64, created, lastSeen, expires time.Time) int {
	return 1 + uvarintLen(version) + timeLen(created) + timeLen(lastSeen) + timeLen(expires)
}

// timeLen is the size of what appendTime appends.
func timeLen(t time.Time) int {
	return varintLen(t.Unix()) + uvarintLen(uint64(t.Nanosecond()))
}

// bytesLen is the size of a length-prefixed string of n bytes.
func bytesLen(n int) int { return uvarintLen(uint64(n)) + n }

func uvarintLen(x uint64) int {
	var b [maxVarint]byte
	return binary.PutUvarint(b[:], x)
}

func varintLen(x int64) int {
	var b [maxVarint]byte
	return binary.PutVarint(b[:], x)
}

// encodeRecord returns the stored form of rec, version included.
func encodeRecord(rec *store.Record) []byte {
	b := make([]byte, 0, encodedLen(rec))
	b = appendHead(b, rec.Version, rec.Created, rec.LastSeen, rec.Expires)
	b = appendString(b, rec.Subject)
	b = binary.AppendUvarint(b, uint64(len(rec.Meta)))
	for k, v := range rec.Meta {
		b = appendString(b, k)
		b = appendString(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(rec.Data)))
	return append(b, rec.Data...)
}

// appendHead appends the format byte, the version and the three times.
func appendHead(b []byte, version uint64, created, lastSeen, expires time.Time) []byte {
	b = append(b, formatV1)
	b = binary.AppendUvarint(b, version)
	b = appendTime(b, created)
	b = appendTime(b, lastSeen)
	return appendTime(b, expires)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// rawRecord is a parsed record whose byte slices alias the stored value:
// valid only inside the transaction that read it.
type rawRecord struct {
	version                    uint64
	created, lastSeen, expires time.Time
	subject                    []byte
	meta                       []byte // the Meta section, count first; already validated
	metaLen                    int
	data                       []byte
	tail                       []byte // subject, meta and data sections as stored
}

func (r *rawRecord) expired(now time.Time) bool {
	return !r.expires.IsZero() && !now.Before(r.expires)
}

// record materializes r into a Record that shares no memory with the
// database. withData false leaves Data nil (for listings).
func (r *rawRecord) record(withData bool) store.Record {
	rec := store.Record{
		Version:  r.version,
		Subject:  string(r.subject),
		Created:  r.created,
		LastSeen: r.lastSeen,
		Expires:  r.expires,
	}
	if withData && len(r.data) > 0 {
		rec.Data = append(make([]byte, 0, len(r.data)), r.data...)
	}
	if r.metaLen > 0 {
		rec.Meta = make(map[string]string, r.metaLen)
		d := decoder{b: r.meta}
		d.uvarint() // the count
		for range r.metaLen {
			k := d.bytes()
			rec.Meta[string(k)] = string(d.bytes())
		}
	}
	return rec
}

// touched returns the stored form of r with lastSeen and expires in place
// of its own: the head re-encoded, the tail copied, in one allocation.
func (r *rawRecord) touched(lastSeen, expires time.Time) []byte {
	val := make([]byte, 0, headLen(r.version, r.created, lastSeen, expires)+len(r.tail))
	val = appendHead(val, r.version, r.created, lastSeen, expires)
	return append(val, r.tail...)
}

func (r *rawRecord) info(key string) store.Info {
	rec := r.record(false)
	return store.Info{Key: key, Subject: rec.Subject, Created: rec.Created,
		LastSeen: rec.LastSeen, Expires: rec.Expires, Meta: rec.Meta}
}

// parseRecord checks the whole of b and returns its fields without copying.
// Every malformed input yields an error wrapping ErrCorrupt, never a panic.
func parseRecord(b []byte) (rawRecord, error) {
	var r rawRecord
	if len(b) == 0 {
		return r, fmt.Errorf("%w: empty value", ErrCorrupt)
	}
	if b[0] != formatV1 {
		return r, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, b[0])
	}
	d := decoder{b: b[1:]}
	r.version = d.uvarint()
	r.created = d.time()
	r.lastSeen = d.time()
	r.expires = d.time()
	r.tail = d.b
	r.subject = d.bytes()
	r.meta = d.b
	n := d.uvarint()
	if n > uint64(len(d.b)/2) { // each entry takes at least two bytes
		d.fail("meta count %d exceeds the record", n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		d.bytes()
		d.bytes()
	}
	r.meta = r.meta[:len(r.meta)-len(d.b)]
	r.metaLen = int(n)
	r.data = d.bytes()
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the data", len(d.b))
	}
	if d.err != nil {
		return rawRecord{}, d.err
	}
	return r, nil
}

// decoder reads varints and length-prefixed byte strings; the first
// problem is kept in err and turns every later read into a no-op.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("length %d exceeds the %d bytes left", n, len(d.b))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail("nanoseconds %d out of range", nsec)
		return time.Time{}
	}
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec))
}

// Index keys.

// expiryLen is the length of the time prefix of an expiry index key.
const expiryLen = 12

// expiryPrefix encodes t so that byte order is time order: Unix seconds
// with the sign bit flipped, big-endian, then nanoseconds, big-endian.
func expiryPrefix(dst []byte, t time.Time) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(dst, uint32(t.Nanosecond()))
}

// expiryKey is the expiry index key of a record, or nil if it never expires.
func expiryKey(key []byte, expires time.Time) []byte {
	if expires.IsZero() {
		return nil
	}
	return append(expiryPrefix(make([]byte, 0, expiryLen+len(key)), expires), key...)
}

// subjectPrefix is uvarint(len(subject)) + subject: unambiguous whatever
// bytes the subject holds, so one subject's keys never match another's
// prefix scan.
func subjectPrefix(dst, subject []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(subject)))
	return append(dst, subject...)
}

// subjectKey is the subject index key of a record, or nil without a subject.
func subjectKey(key, subject []byte) []byte {
	if len(subject) == 0 {
		return nil
	}
	return append(subjectPrefix(make([]byte, 0, bytesLen(len(subject))+len(key)), subject), key...)
}
