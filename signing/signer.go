package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// Defaults, as Flask configures itsdangerous for the session cookie.
const (
	DefaultSalt          = "cookie-session"
	DefaultKeyDerivation = "hmac"
	DefaultMaxLength     = 4096
	DefaultMaxInflate    = 1 << 20
)

// Options configures a [Signer]. The zero value is Flask's session
// configuration with this package's safety limits.
type Options struct {
	// Salt is mixed into the key derivation. "" means "cookie-session".
	Salt string
	// KeyDerivation is itsdangerous' key_derivation: "hmac" (the default
	// when ""), "django-concat", "concat" or "none".
	KeyDerivation string
	// Digest is the hash of the HMAC and of the key derivation. nil means
	// SHA-1, as Flask uses.
	Digest func() hash.Hash
	// MaxLength caps the cookie value length; it is checked before anything
	// else. 0 means 4096; a negative value means no cap.
	MaxLength int
	// MaxInflate caps the size of a decompressed payload. 0 means 1 MiB.
	// Negative values are rejected by New.
	MaxInflate int
	// Now is the clock used by Sign and Verify. nil means time.Now.
	Now func() time.Time
	// Compressor, if set, makes the DEFLATE stream of compressed cookies in
	// Sign in place of the built-in level-6 compress/flate writer (nil, the
	// default, keeps that writer and its exact bytes). Module
	// github.com/sessionkit/session/deflate provides a faster one. Flask
	// reads any valid stream; which payloads get compressed still follows
	// Flask's rule, with the built-in writer deciding every case the faster
	// one does not settle clearly, and a cookie that fits a size limit
	// without it still fits with it. See [Compressor]. Verify does not use
	// it.
	Compressor Compressor
}

// Signer signs and verifies Flask session cookie values. It is safe for
// concurrent use.
type Signer struct {
	digest     func() hash.Hash
	keys       [][]byte // derived keys in verification order: secret, then fallbacks newest first
	sigLen     int      // length of the base64url signature
	maxLength  int      // < 0: no cap
	maxInflate int
	now        func() time.Time
	states     sync.Pool  // *state
	compressor Compressor // nil: the built-in writer only
	refAbove   int        // with a compressor: P longer than this also runs the built-in writer
}

// state is the per-call scratch space of a Signer, pooled.
type state struct {
	macs []hash.Hash // one HMAC per key, same order as Signer.keys
	sum  []byte      // raw MAC
	sig  []byte      // expected signature, base64url
	buf  []byte      // Verify: copy of the cookie; Sign: the cookie being built
}

// New returns a Signer that signs with secret and verifies with secret and
// fallbacks. fallbacks are ordered oldest first, like Flask's
// SECRET_KEY_FALLBACKS list; verification tries secret first, then fallbacks
// newest first (itsdangerous: reversed([*fallbacks, secret])). Each key is
// derived once, here.
func New(secret []byte, fallbacks [][]byte, opts Options) (*Signer, error) {
	if len(secret) == 0 {
		return nil, errors.New("signing: empty secret key")
	}
	for i, k := range fallbacks {
		if len(k) == 0 {
			return nil, fmt.Errorf("signing: fallback key %d is empty", i)
		}
	}
	if opts.MaxInflate < 0 {
		return nil, fmt.Errorf("signing: negative MaxInflate %d", opts.MaxInflate)
	}
	s := &Signer{
		digest:     opts.Digest,
		maxLength:  opts.MaxLength,
		maxInflate: opts.MaxInflate,
		now:        opts.Now,
	}
	if s.digest == nil {
		s.digest = sha1.New
	}
	if s.maxLength == 0 {
		s.maxLength = DefaultMaxLength
	}
	if s.maxInflate == 0 {
		s.maxInflate = DefaultMaxInflate
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.compressor = opts.Compressor
	salt := opts.Salt
	if salt == "" {
		salt = DefaultSalt
	}
	derivation := opts.KeyDerivation
	if derivation == "" {
		derivation = DefaultKeyDerivation
	}
	size := s.digest().Size()
	if size <= 0 {
		return nil, errors.New("signing: digest has no output")
	}
	s.sigLen = base64.RawURLEncoding.EncodedLen(size)
	s.refAbove = refThreshold(s.maxLength, s.sigLen)

	ordered := make([][]byte, 0, 1+len(fallbacks))
	ordered = append(ordered, secret)
	for i := len(fallbacks) - 1; i >= 0; i-- {
		ordered = append(ordered, fallbacks[i])
	}
	for _, k := range ordered {
		dk, err := deriveKey(s.digest, derivation, []byte(salt), k)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, dk)
	}
	s.states.New = s.newState
	return s, nil
}

// deriveKey implements itsdangerous' Signer.derive_key.
func deriveKey(digest func() hash.Hash, derivation string, salt, secret []byte) ([]byte, error) {
	switch derivation {
	case "hmac":
		m := hmac.New(digest, secret)
		m.Write(salt)
		return m.Sum(nil), nil
	case "concat":
		h := digest()
		h.Write(salt)
		h.Write(secret)
		return h.Sum(nil), nil
	case "django-concat":
		h := digest()
		h.Write(salt)
		h.Write([]byte("signer"))
		h.Write(secret)
		return h.Sum(nil), nil
	case "none":
		return append([]byte(nil), secret...), nil
	}
	return nil, fmt.Errorf("signing: unknown key derivation %q", derivation)
}

// MaxLength returns the longest cookie value Verify accepts, or -1 for no
// cap (Options.MaxLength). Sign does not enforce it: a caller that must read
// back what it signs checks the length itself.
func (s *Signer) MaxLength() int {
	if s.maxLength < 0 {
		return -1
	}
	return s.maxLength
}

func (s *Signer) newState() any {
	st := &state{macs: make([]hash.Hash, len(s.keys))}
	for i, k := range s.keys {
		st.macs[i] = hmac.New(s.digest, k)
	}
	return st
}

func (s *Signer) getState() *state   { return s.states.Get().(*state) }
func (s *Signer) putState(st *state) { s.states.Put(st) }

// appendSignature appends the base64url MAC of msg under key i to dst.
func (s *Signer) appendSignature(st *state, dst []byte, i int, msg []byte) []byte {
	m := st.macs[i]
	m.Reset()
	m.Write(msg)
	st.sum = m.Sum(st.sum[:0])
	return base64.RawURLEncoding.AppendEncode(dst, st.sum)
}
