package tagjson

import (
	"encoding/hex"
	"errors"
)

// Tuple is a Python tuple. Flask writes it as {" t": [...]} and reads it back
// as a tuple, so a Tuple survives a Flask round trip where a []any would come
// back as a list.
type Tuple []any

// Markup is a string that is already safe HTML (markupsafe.Markup in Python).
// Flask writes it as {" m": "..."}.
type Markup string

// UUID is a 128-bit UUID. Flask writes it as {" u": "<32 lowercase hex digits>"}.
type UUID [16]byte

// String returns the canonical 8-4-4-4-12 lowercase form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// Hex returns the 32 lowercase hex digits Flask writes (Python's UUID.hex).
func (u UUID) Hex() string { return hex.EncodeToString(u[:]) }

var errUUID = errors.New("tagjson: invalid UUID")

// ParseUUID parses 32 hex digits, with or without the four hyphens of the
// 8-4-4-4-12 form (and an optional "urn:uuid:" prefix or braces, as Python's
// uuid.UUID accepts).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) > 9 && (s[:9] == "urn:uuid:" || s[:9] == "URN:UUID:") {
		s = s[9:]
	}
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		s = s[1 : len(s)-1]
	}
	var digits [32]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if n == 32 {
			return u, errUUID
		}
		digits[n] = c
		n++
	}
	if n != 32 {
		return u, errUUID
	}
	if _, err := hex.Decode(u[:], digits[:]); err != nil {
		return u, errUUID
	}
	return u, nil
}
