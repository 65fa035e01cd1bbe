package tagjson

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can branch with errors.Is.
var (
	// ErrSyntax: the input is not JSON as Python's json module (strict mode)
	// reads it: unexpected byte, raw control character in a string, bad
	// escape, trailing data, end of input.
	ErrSyntax = errors.New("tagjson: syntax error")

	// ErrInvalidUTF8: a string in the input is not valid UTF-8, or an
	// escape encodes a lone surrogate. Only the decoder returns it: the
	// encoder writes each invalid byte of a Go string as U+FFFD, as
	// encoding/json does.
	ErrInvalidUTF8 = errors.New("tagjson: invalid UTF-8")

	// ErrDepth: objects and arrays are nested deeper than MaxDepth.
	ErrDepth = errors.New("tagjson: nesting too deep")

	// ErrIntTooLarge: an integer has more decimal digits than MaxIntDigits
	// (Python 3.11 refuses more than 4300 both ways).
	ErrIntTooLarge = errors.New("tagjson: integer too large")

	// ErrBadTag: a tagged object whose payload Flask fails on (raises,
	// and answers HTTP 500): {" b": 5}, base64 with bad padding, a bad
	// UUID, {" d": 5}, {" di": []}, ...; or an error returned by a custom
	// Tag.
	ErrBadTag = errors.New("tagjson: bad tagged value")

	// ErrNotObject: UnmarshalMap found something else than an object at
	// the top level (after untagging).
	ErrNotObject = errors.New("tagjson: top level is not an object")

	// ErrUnsupportedType: the encoder met a value it cannot write
	// (channel, function, complex number, a time outside the years Flask
	// reads back faithfully, ...).
	ErrUnsupportedType = errors.New("tagjson: unsupported type")

	// ErrTagRegistered: Register was given a key that is already registered
	// and force was false (Flask raises KeyError).
	ErrTagRegistered = errors.New("tagjson: tag already registered")

	// ErrInvalidTag: Register was given a nil Tag or an index below -1.
	ErrInvalidTag = errors.New("tagjson: invalid tag registration")
)

// DecodeError reports where and why the input could not be decoded.
// errors.Is(err, ErrSyntax) (or the other sentinel in Err) holds for it.
type DecodeError struct {
	Offset int   // byte offset in the input where the problem was found
	Err    error // the sentinel: ErrSyntax, ErrInvalidUTF8, ErrDepth, ErrIntTooLarge or ErrBadTag
	Msg    string
	cause  error // the error of a Tag's ToGo, if any
}

func (e *DecodeError) Error() string {
	return "tagjson: " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Unwrap returns the sentinel and, for a failing custom tag, its error.
func (e *DecodeError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Err, e.cause}
	}
	return []error{e.Err}
}
