// Package sealed is an encrypted session cookie format: AES-256-GCM, so the
// holder of a cookie can neither read nor change it (a Flask-format cookie
// is signed only, and readable by its holder).
//
// A sealed value is one unpadded base64url string of
//
//	version (1 byte, 1) | key ID (4 bytes) | nonce (12 random bytes) | ciphertext and tag
//
// whose plaintext is issued (8 bytes, Unix seconds, big-endian) | expires
// (8 bytes, Unix seconds, 0 = none) | the session payload. The format
// version and the cookie name are the associated data, so a value moved to
// a cookie of another name does not open. Issue time and expiry are inside
// the authenticated data and enforced on open.
//
// A Keyring holds the current key and older ones: values are sealed with the
// current key; a value sealed with an old key opens (the key ID finds it in
// one lookup) and is reported stale, so the session is re-issued under the
// current key. Keys shorter than 32 bytes are refused.
//
// Use it with the default interface by configuration:
//
//	codec, err := sealed.New([][]byte{currentKey, previousKey})
//	m, err := session.New(session.Config{Interface: &session.SecureCookie{Codec: codec}})
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sessionkit/session"
)

// Format constants.
const (
	// KeySize is the only key length accepted: AES-256.
	KeySize    = 32
	version    = 1
	idSize     = 4
	nonceSize  = 12
	headerSize = 1 + idSize + nonceSize
	timesSize  = 16
	tagSize    = 16
	// DefaultMaxLength caps a value, in bytes, before it is decoded and when
	// it is sealed, the session package's hard bound (64 KiB). With session.SecureCookie the
	// configuration's own bound (session.Config.MaxCookieSize) applies first,
	// on write and on read.
	DefaultMaxLength = 64 << 10
)

// Errors. Every failure to open a value wraps session.ErrInvalidCookie, so
// the session interface starts a new empty session for it.
var (
	ErrKeySize    = errors.New("sealed: keys must be exactly 32 bytes (AES-256)")
	ErrNoKeys     = errors.New("sealed: no keys")
	ErrDuplicate  = errors.New("sealed: two keys share a key ID (the same key twice?)")
	ErrTooLong    = fmt.Errorf("%w: sealed value too long", session.ErrInvalidCookie)
	ErrMalformed  = fmt.Errorf("%w: malformed sealed value", session.ErrInvalidCookie)
	ErrUnknownKey = fmt.Errorf("%w: sealed with an unknown key", session.ErrInvalidCookie)
	ErrOpen       = fmt.Errorf("%w: sealed value does not authenticate", session.ErrInvalidCookie)
	ErrExpired    = fmt.Errorf("%w: sealed value expired", session.ErrInvalidCookie)
	ErrFuture     = fmt.Errorf("%w: sealed value issued in the future", session.ErrInvalidCookie)
)

type key struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// Codec seals and opens session cookie values. It implements
// session.Codec and is safe for concurrent use.
type Codec struct {
	current   *key
	byID      map[[idSize]byte]*key
	rand      io.Reader
	maxLength int
	// Skew is how far in the future an issue time may lie (clock skew
	// between servers); 0 means 5 seconds.
	skew time.Duration
}

var _ session.Codec = (*Codec)(nil)

// Options tune a Codec; the zero value is right for most uses.
type Options struct {
	// Rand is the nonce source; nil means crypto/rand. If it fails, sealing fails.
	Rand io.Reader
	// MaxLength caps a value (the base64url string), in bytes: Decode
	// refuses a longer one before decoding it (ErrTooLong) and Encode does
	// not make one (an error matching session.ErrCookieTooLarge), so every
	// value sealed is opened. 0 means DefaultMaxLength (64 KiB).
	MaxLength int
	// Skew tolerates issue times this far in the future; 0 means 5 seconds.
	Skew time.Duration
}

// New returns a Codec sealing with keys[0] and opening with any of keys.
func New(keys [][]byte) (*Codec, error) { return NewWithOptions(keys, Options{}) }

// NewWithOptions is New with Options.
func NewWithOptions(keys [][]byte, opts Options) (*Codec, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	c := &Codec{byID: make(map[[idSize]byte]*key, len(keys)), rand: opts.Rand, maxLength: opts.MaxLength, skew: opts.Skew}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	if c.maxLength == 0 {
		c.maxLength = DefaultMaxLength
	}
	if c.skew == 0 {
		c.skew = 5 * time.Second
	}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("%w: key %d is %d bytes", ErrKeySize, i, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		kk := &key{id: KeyID(k), aead: aead}
		if _, dup := c.byID[kk.id]; dup {
			return nil, fmt.Errorf("%w: key %d", ErrDuplicate, i)
		}
		c.byID[kk.id] = kk
		if i == 0 {
			c.current = kk
		}
	}
	return c, nil
}

// KeyID is the 4-byte ID a key is known by in sealed values: a prefix of
// SHA-256 over a label and the key, which reveals nothing of the key.
func KeyID(k []byte) [idSize]byte {
	h := sha256.New()
	h.Write([]byte("sessionkit sealed key id\x00"))
	h.Write(k)
	var id [idSize]byte
	copy(id[:], h.Sum(nil))
	return id
}

// aad is the associated data: the format version and the cookie name.
func aad(buf []byte, name string) []byte {
	buf = append(buf, "sessionkit/sealed/v1\x00"...)
	return append(buf, name...)
}

// Encode appends the sealed value of payload for the cookie called name,
// issued at now and expiring after lifetime (0: no expiry inside). A value
// longer than MaxLength is not made: the error matches
// session.ErrCookieTooLarge. If the random source fails or runs short, the
// error says so and nothing is appended.
func (c *Codec) Encode(dst []byte, name string, payload []byte, now time.Time, lifetime time.Duration) ([]byte, error) {
	n := headerSize + timesSize + len(payload) + tagSize
	if enc := base64.RawURLEncoding.EncodedLen(n); enc > c.maxLength {
		return dst, fmt.Errorf("%w: the sealed value would be %d bytes, over MaxLength %d", session.ErrCookieTooLarge, enc, c.maxLength)
	}
	raw := make([]byte, headerSize, n)
	raw[0] = version
	copy(raw[1:], c.current.id[:])
	if _, err := io.ReadFull(c.rand, raw[1+idSize:headerSize]); err != nil {
		return dst, fmt.Errorf("sealed: reading a nonce: %w", err)
	}
	var times [timesSize]byte
	binary.BigEndian.PutUint64(times[:8], uint64(now.Unix()))
	if lifetime > 0 {
		binary.BigEndian.PutUint64(times[8:], uint64(now.Add(lifetime).Unix()))
	}
	plain := append(append(make([]byte, 0, timesSize+len(payload)), times[:]...), payload...)
	var adBuf [64]byte
	raw = c.current.aead.Seal(raw, raw[1+idSize:headerSize], plain, aad(adBuf[:0], name))
	return base64.RawURLEncoding.AppendEncode(dst, raw), nil
}

// Decode opens value, sealed for the cookie called name, and appends its
// payload to dst. stale reports a value sealed with an old key, issued when it was sealed. Every
// failure wraps session.ErrInvalidCookie.
func (c *Codec) Decode(dst []byte, name, value string, now time.Time, lifetime time.Duration) (payload []byte, issued time.Time, stale bool, err error) {
	if len(value) > c.maxLength {
		return dst, time.Time{}, false, ErrTooLong
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < headerSize+timesSize+tagSize || raw[0] != version {
		return dst, time.Time{}, false, ErrMalformed
	}
	var id [idSize]byte
	copy(id[:], raw[1:1+idSize])
	k, ok := c.byID[id]
	if !ok {
		return dst, time.Time{}, false, ErrUnknownKey
	}
	var adBuf [64]byte
	plain, err := k.aead.Open(raw[headerSize:headerSize], raw[1+idSize:headerSize], raw[headerSize:], aad(adBuf[:0], name))
	if err != nil {
		return dst, time.Time{}, false, ErrOpen
	}
	sealedAt := binary.BigEndian.Uint64(plain[:8])
	expires := binary.BigEndian.Uint64(plain[8:16])
	t := now.Unix()
	if t >= 0 {
		ut := uint64(t)
		if sealedAt > ut && sealedAt-ut > uint64(c.skew/time.Second) {
			return dst, time.Time{}, false, ErrFuture
		}
		if expires != 0 && ut >= expires {
			return dst, time.Time{}, false, ErrExpired
		}
		if lifetime > 0 && sealedAt < ut && ut-sealedAt > uint64(lifetime/time.Second) {
			return dst, time.Time{}, false, ErrExpired
		}
	}
	return append(dst, plain[timesSize:]...), time.Unix(int64(sealedAt), 0), k != c.current, nil
}
