package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/store"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "sessionkit:"

// ErrNoExpiry is returned by Save and Touch for a zero Expires: every key
// this store writes has a TTL.
var ErrNoExpiry = errors.New("redisstore: the record has no Expires; every Redis key this store writes must expire")

// Options configure a Store. The zero value is usable.
type Options struct {
	// Prefix starts every key the store writes; "" means DefaultPrefix.
	// On Redis Cluster (and Ring) it must contain a hash tag, such as
	// "{sessionkit}:", so that a session and its subject's index share a
	// slot.
	Prefix string
}

// Store keeps session records in Redis.
type Store struct {
	client redis.UniversalClient
	// single: client talks to one primary (a *redis.Client, also a
	// failover one), so Load reads the record and the server's clock with
	// one pipelined HMGET and TIME instead of a script.
	single bool
	owned  bool
	prefix string
	closed atomic.Bool
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SubjectStore = (*Store)(nil)
	_ store.Toucher      = (*Store)(nil)
)

// New returns a Store over client. The client must honour contexts
// (ContextTimeoutEnabled: true in its options), or request deadlines would
// not reach Redis; New refuses a client it can see does not. Close does not
// close client.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	var ctxTimeouts, sharded, single bool
	switch c := client.(type) {
	case *redis.Client:
		ctxTimeouts, single = c.Options().ContextTimeoutEnabled, true
	case *redis.ClusterClient:
		ctxTimeouts, sharded = c.Options().ContextTimeoutEnabled, true
	case *redis.Ring:
		ctxTimeouts, sharded = c.Options().ContextTimeoutEnabled, true
	default:
		ctxTimeouts = true // an unknown client: trust it
	}
	if !ctxTimeouts {
		return nil, errors.New("redisstore: the client ignores context deadlines; create it with ContextTimeoutEnabled: true so that request deadlines reach Redis")
	}
	if sharded && !hasHashTag(prefix) {
		return nil, fmt.Errorf("redisstore: prefix %q has no hash tag; on a cluster use one such as \"{sessionkit}:\" so that a session and its subject index share a slot", prefix)
	}
	return &Store{client: client, single: single, prefix: prefix}, nil
}

// Open connects to the Redis server at url (redis://user:password@host:port/db
// or rediss:// for TLS, as redis.ParseURL reads it), checks that it answers,
// and returns a Store whose Close closes the connection.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisstore: %w", err)
	}
	o.ContextTimeoutEnabled = true
	client := redis.NewClient(o)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redisstore: connecting to %s: %w", o.Addr, err)
	}
	s, err := New(client, opts)
	if err != nil {
		client.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// hasHashTag reports whether key has a non-empty {...} section, which Redis
// Cluster hashes instead of the whole key.
func hasHashTag(key string) bool {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return false
	}
	j := strings.IndexByte(key[i+1:], '}')
	return j > 0
}

// Client returns the client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Prefix returns the key prefix in use.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) recordKey(key string) string      { return s.prefix + "s:" + key }
func (s *Store) subjectKey(subject string) string { return s.prefix + "u:" + subject }

func (s *Store) check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	if key == "" || len(key) > store.MaxKeyLen {
		return fmt.Errorf("%w: length %d", store.ErrInvalidKey, len(key))
	}
	return nil
}

// wrap names the operation and, when ctx has ended, wraps ctx.Err() as
// well, so that a deadline shows as context.DeadlineExceeded whatever the
// client reports (an I/O timeout).
func wrap(ctx context.Context, op string, err error) error {
	if cerr := ctxErr(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("redisstore: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed: the client's socket deadline, set to ctx's, can fire before the
// context's own timer, and the I/O timeout it causes is the caller's
// deadline all the same.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// Load returns the record under key unless it is missing or expired.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return store.Record{}, false, err
	}
	if s.single {
		return s.loadPipelined(ctx, key)
	}
	res, err := loadScript.Run(ctx, s.client, []string{s.recordKey(key)}).Slice()
	if errors.Is(err, redis.Nil) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, wrap(ctx, "load", err)
	}
	rec, err := decodeRecord(res)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("redisstore: load: %w", err)
	}
	return rec, true, nil
}

// loadFields are the fields Load reads: those decodeRecord takes, then x.
var loadFields = []string{"v", "d", "s", "c", "l", "e", "m", "x"}

// loadPipelined is Load on a single primary: HMGET of the record, then
// TIME, sent together (one round trip, no script). It decides as
// loadScript does: no version or no expiry field, or an expiry at or
// before the server's clock, is no record. The clock is read after the
// record, so a record returned was live when it was read.
func (s *Store) loadPipelined(ctx context.Context, key string) (store.Record, bool, error) {
	pipe := s.client.Pipeline()
	fields := pipe.HMGet(ctx, s.recordKey(key), loadFields...)
	clock := pipe.Time(ctx)
	if _, err := pipe.Exec(ctx); err != nil {
		return store.Record{}, false, wrap(ctx, "load", err)
	}
	f := fields.Val()
	if len(f) != len(loadFields) {
		return store.Record{}, false, fmt.Errorf("redisstore: load: %w: %d fields", ErrCorrupt, len(f))
	}
	if f[0] == nil || f[7] == nil {
		return store.Record{}, false, nil
	}
	xs, ok := f[7].(string)
	if !ok {
		return store.Record{}, false, fmt.Errorf("redisstore: load: %w: expiry is %T", ErrCorrupt, f[7])
	}
	x, err := strconv.ParseInt(xs, 10, 64)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("redisstore: load: %w: expiry %q", ErrCorrupt, xs)
	}
	if x <= clock.Val().UnixMilli() {
		return store.Record{}, false, nil
	}
	rec, err := decodeRecord(f[:7])
	if err != nil {
		return store.Record{}, false, fmt.Errorf("redisstore: load: %w", err)
	}
	return rec, true, nil
}

func decodeRecord(f []any) (store.Record, error) {
	if len(f) != 7 {
		return store.Record{}, fmt.Errorf("%w: %d fields", ErrCorrupt, len(f))
	}
	var str [7]string
	for i, v := range f {
		s, ok := v.(string)
		if !ok {
			return store.Record{}, fmt.Errorf("%w: field %d is %T", ErrCorrupt, i, v)
		}
		str[i] = s
	}
	var rec store.Record
	var err error
	if rec.Version, err = strconv.ParseUint(str[0], 10, 64); err != nil {
		return store.Record{}, fmt.Errorf("%w: version: %v", ErrCorrupt, err)
	}
	rec.Data = []byte(str[1])
	rec.Subject = str[2]
	if rec.Created, err = parseTime(str[3]); err != nil {
		return store.Record{}, err
	}
	if rec.LastSeen, err = parseTime(str[4]); err != nil {
		return store.Record{}, err
	}
	if rec.Expires, err = parseTime(str[5]); err != nil {
		return store.Record{}, err
	}
	if rec.Meta, err = decodeMeta(str[6]); err != nil {
		return store.Record{}, err
	}
	return rec, nil
}

// ErrCorrupt means a key under the prefix holds something this package did
// not write.
var ErrCorrupt = errors.New("redisstore: malformed record")

// formatTime writes t as "<unix seconds>.<nanoseconds>", exact for every
// time; the zero Time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	b := strconv.AppendInt(make([]byte, 0, 32), t.Unix(), 10)
	b = append(b, '.')
	ns := strconv.Itoa(t.Nanosecond())
	b = append(b, "000000000"[len(ns):]...)
	b = append(b, ns...)
	return string(b)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	sec, ns, ok := strings.Cut(s, ".")
	// Exactly what formatTime writes: no "+" before the seconds, nine
	// digits and no sign after the dot.
	if ok && len(ns) == 9 && !strings.HasPrefix(sec, "+") {
		a, err1 := strconv.ParseInt(sec, 10, 64)
		b, err2 := strconv.ParseUint(ns, 10, 64)
		if err1 == nil && err2 == nil {
			return time.Unix(a, int64(b)), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: time %q", ErrCorrupt, s)
}

func encodeMeta(m map[string]string) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeMeta(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%w: meta: %v", ErrCorrupt, err)
	}
	return m, nil
}

// expiryMillis is Expires in Unix milliseconds, rounded down, so that Redis
// drops the key at or before Expires, never after.
func expiryMillis(t time.Time) int64 { return t.UnixMilli() }

// Save writes rec if the stored version is rec.Version, atomically with the
// subject index, and sets the key to expire at rec.Expires.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	if rec.Expires.IsZero() {
		return 0, ErrNoExpiry
	}
	meta, err := encodeMeta(rec.Meta)
	if err != nil {
		return 0, fmt.Errorf("redisstore: save: encoding meta: %w", err)
	}
	res, err := saveScript.Run(ctx, s.client, []string{s.recordKey(key)},
		s.prefix, key, strconv.FormatUint(rec.Version, 10), rec.Data, rec.Subject,
		formatTime(rec.Created), formatTime(rec.LastSeen), formatTime(rec.Expires),
		expiryMillis(rec.Expires), meta).Int64Slice()
	if err != nil {
		return 0, wrap(ctx, "save", err)
	}
	if len(res) != 2 {
		return 0, fmt.Errorf("redisstore: save: unexpected reply %v", res)
	}
	if res[0] != 1 {
		return 0, fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, res[1], rec.Version)
	}
	return uint64(res[1]), nil
}

// Delete removes the record under key and its subject index entry.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if err := deleteScript.Run(ctx, s.client, []string{s.recordKey(key)}, s.prefix, key).Err(); err != nil {
		return wrap(ctx, "delete", err)
	}
	return nil
}

// CompareAndDelete removes the record under key and its subject index
// entry, atomically, if its version is version. A missing or expired record
// has version 0 (an expired one is deleted on a match). On a mismatch it
// returns an error wrapping store.ErrConflict and deletes nothing.
func (s *Store) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	res, err := compareAndDeleteScript.Run(ctx, s.client, []string{s.recordKey(key)},
		s.prefix, key, strconv.FormatUint(version, 10)).Int64Slice()
	if err != nil {
		return wrap(ctx, "compare-and-delete", err)
	}
	if len(res) != 2 {
		return fmt.Errorf("redisstore: compare-and-delete: unexpected reply %v", res)
	}
	if res[0] != 1 {
		return fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, res[1], version)
	}
	return nil
}

// Touch sets LastSeen and Expires of a live record, and its TTL, without
// changing its data or version. A missing or expired record is left alone.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if expires.IsZero() {
		return ErrNoExpiry
	}
	err := touchScript.Run(ctx, s.client, []string{s.recordKey(key)}, s.prefix, key,
		formatTime(lastSeen), formatTime(expires), expiryMillis(expires)).Err()
	if err != nil {
		return wrap(ctx, "touch", err)
	}
	return nil
}

// Sessions lists the live sessions of subject, oldest first.
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	if subject == "" {
		return nil, nil
	}
	res, err := sessionsScript.Run(ctx, s.client, []string{s.subjectKey(subject)}, s.prefix, subject).StringSlice()
	if err != nil {
		return nil, wrap(ctx, "listing sessions", err)
	}
	if len(res)%5 != 0 {
		return nil, fmt.Errorf("redisstore: listing sessions: %w: %d fields", ErrCorrupt, len(res))
	}
	out := make([]store.Info, 0, len(res)/5)
	for i := 0; i < len(res); i += 5 {
		in := store.Info{Key: res[i], Subject: subject}
		if in.Created, err = parseTime(res[i+1]); err == nil {
			if in.LastSeen, err = parseTime(res[i+2]); err == nil {
				if in.Expires, err = parseTime(res[i+3]); err == nil {
					in.Meta, err = decodeMeta(res[i+4])
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("redisstore: listing sessions: %w", err)
		}
		out = append(out, in)
	}
	slices.SortFunc(out, func(a, b store.Info) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// DeleteSubject deletes every session of subject except the one under keep.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if s.closed.Load() {
		return 0, store.ErrClosed
	}
	if subject == "" {
		return 0, nil
	}
	n, err := deleteSubjectScript.Run(ctx, s.client, []string{s.subjectKey(subject)}, s.prefix, subject, keep).Int()
	if err != nil {
		return 0, wrap(ctx, "revoking sessions", err)
	}
	return n, nil
}

// Close makes later calls fail with store.ErrClosed. It closes the client
// only if Open created it.
func (s *Store) Close() error {
	if s.closed.Swap(true) || !s.owned {
		return nil
	}
	return s.client.Close()
}
