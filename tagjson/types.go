package tagjson

import (
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"
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

// ParseUUID reads s as Python's uuid.UUID(s) does, which is how Flask
// reads a " u" payload: every "urn:" and "uuid:" is removed, then braces at
// both ends and every hyphen; what is left must be 32 characters that
// Python's int(x, 16) accepts (either case, surrounding whitespace, a "+"
// sign or "0x" prefix, single underscores between digits, Unicode decimal
// digits).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	s = strings.ReplaceAll(s, "urn:", "")
	s = strings.ReplaceAll(s, "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if utf8.RuneCountInString(s) != 32 {
		return u, errUUID
	}
	n, ok := pyInt(s, 16)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return u, errUUID
	}
	n.FillBytes(u[:])
	return u, nil
}
