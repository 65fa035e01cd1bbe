// Package tagjson is Flask's tagged JSON (flask.json.tag.TaggedJSONSerializer),
// the serialization inside Flask's session cookie, written so that Go and
// Python produce the same bytes for the same session.
//
// # Wire format
//
// Flask writes JSON with its default provider's settings: keys sorted by code
// point at every level, no spaces (separators "," and ":"), ensure_ascii
// (every character outside printable ASCII as \uxxxx, lowercase hex, above
// U+FFFF as a surrogate pair; / < > & and the apostrophe as is), integers of
// any size in full, floats as Python's repr (1e+16, 1e-05, 100.0, -0.0) and
// NaN, Infinity, -Infinity bare. Types JSON lacks are wrapped in a
// one-member object whose key is a tag:
//
//	order  key    Python value                      written as
//	1      " di"  dict whose only key is a tag key  {" di": {key + "__": value}}
//	2             any other dict                    {key: value, ...}
//	3      " t"   tuple                             {" t": [...]}
//	4             list                              [...]
//	5      " b"   bytes                             {" b": "standard base64, padded"}
//	6      " m"   Markup (anything with __html__)   {" m": "..."}
//	7      " u"   UUID                              {" u": "32 lowercase hex digits"}
//	8      " d"   datetime                          {" d": "Tue, 02 Jan 2024 03:04:05 GMT"}
//
// Tags are tried in this order when encoding, at every level, the session
// dict included: a session {" t": [1, 2]} is written {" di": {" t__": [1,2]}}.
// Decoding untags bottom-up: an object is untagged only if it has exactly
// one member and that member's name is a registered tag key.
//
// # Go and Python values
//
// Decoding produces only these types:
//
//	Python       Go
//	dict         map[string]any
//	list         []any
//	tuple        Tuple
//	str          string
//	int          int64, or *big.Int when it does not fit
//	float        float64
//	bool         bool
//	None         nil
//	bytes        []byte
//	Markup       Markup
//	UUID         UUID
//	datetime     time.Time, in UTC (a fixed zone for a " d" payload with an offset)
//
// Encoding accepts those, and also:
//
//   - every Go integer type, and big.Int; float32 (written as the float64
//     nearest to its shortest decimal form, so float32(0.1) is 0.1);
//   - map[string]string and []string (without conversion);
//   - json.Number (an integer literal as an int, anything else as a float);
//   - time.Time in any location: converted to UTC and truncated to the
//     second, as Werkzeug's http_date does;
//   - pointers (followed; nil is null), named basic types (as their basic
//     type), other slices and arrays (as lists; byte slices as bytes), other
//     maps with string keys (as dicts): their elements are tagged as usual,
//     so a map[string]time.Time keeps its " d" tags;
//   - anything else (structs, json.Marshaler and encoding.TextMarshaler
//     implementations, maps with non-string keys) through encoding/json:
//     marshalled, decoded generically with UseNumber, then written tagged.
//     Inside such values, Go types Flask tags lose their tag (a Tuple field
//     becomes a list).
//
// nil slices and maps are written as [] and {}. A Go string that is not
// valid UTF-8 (a query parameter "caf%E9") is written as encoding/json
// writes it, each invalid byte as U+FFFD, in values, member names and
// tagged payloads alike; Flask reads "caf\ufffd". Channels, functions and
// complex numbers fail with ErrUnsupportedType. Other packages' UUID and
// HTML types are not recognised (github.com/google/uuid.UUID would be
// written as a plain string, html/template.HTML as a str): convert them,
// tagjson.UUID(u) and tagjson.Markup(h), to keep Flask's types.
//
// # Strictness, and where this package differs from Flask
//
// The decoder reads JSON as Python's json.loads does in strict mode: it
// accepts whitespace, NaN and Infinity, raw UTF-8, unsorted keys, and keeps
// the last of duplicate keys; it rejects raw control characters in strings,
// invalid escapes, trailing data, and invalid UTF-8 (Flask fails on those
// too).
//
// Tagged objects are read as Flask 2.2.2 reads them (and 3.1), whatever
// the payload: where Flask yields a value the decoder yields the same,
// where Flask raises (and answers HTTP 500) it returns ErrBadTag.
//
//	" di"  {k[:-2]: v} for the first member k of an object, whatever k;
//	       anything else fails
//	" t"   a Tuple of a list's elements, a string's characters, an
//	       object's member names (in input order) or bytes' values
//	" b"   Python's lenient b64decode of an ASCII string (or of bytes):
//	       characters outside the alphabet are skipped, data after a
//	       completing '=' is ignored; bad padding fails
//	" m"   Markup of Python's str() of the payload: Markup("5") for 5,
//	       Markup("None") for null, Python's repr of lists and objects
//	" u"   Python's UUID(): see ParseUUID; anything but a string fails
//	" d"   Werkzeug's parse_date: RFC 2822 dates in many forms (weekday
//	       optional and not checked, two-digit years, named and numeric
//	       zones); nil (None) for a date it cannot read, for null, bytes
//	       and values Python finds false; a time in a fixed zone when the
//	       date names a non-zero offset (UTC otherwise); other payloads
//	       (a number, a list) and numbers that overflow fail
//
// An object with a tag key and other members is a plain object. Of
// duplicate member names the last value is kept, and every value is
// untagged as it is read, as Flask 2.2.2 does (its object_hook): a
// failing tag in an overwritten value fails the whole input, where Flask
// 3 untags only the value it keeps.
// testdata/flask-malformed.json records what real Flask makes of several
// hundred such payloads; the tests hold the decoder to it.
//
// Where the package deliberately parts from Flask:
//
//   - Lone surrogate escapes ("\ud800") are rejected with ErrInvalidUTF8.
//     Python accepts them, but a Go string cannot hold one.
//   - Nesting is limited to Serializer.MaxDepth (64) levels of objects and
//     arrays, when encoding and decoding; Flask stops near 1000, at Python's
//     recursion limit.
//   - Integers are limited to 4300 digits both ways, as in Python 3.11 (see
//     Serializer.MaxIntDigits).
//   - Encoding a time before the year 100 fails with ErrUnsupportedType:
//     Python writes it ("Mon, 01 Jan 0001 ..."), but reads years 0001-0099
//     back as two-digit years (2001), so the value would not survive. The
//     decoder reads such dates as Flask does: 00-68 as 2000-2068, 69-99 as
//     1969-1999. A time.Time{} is year 1: do not store it in a session.
//     (A lenient " d" payload can still decode to such a year, "2 Jan -1950
//     ..." is the year 50: it decodes, and fails to encode.)
//   - Python's character classes (printable for repr, digits and spaces
//     for int() and split()) are those of Python 3.11, Unicode 14.
//   - Serializer.Register appends unless given At(index); Python's
//     index=-1 inserts before the last tag, At refuses a negative index.
//
// # Custom tags
//
// A Tag is Flask's JSONTag: Serializer.Register adds one, at a position in
// the order (before the dict tags, it sees dicts first). Its ToJSON result
// is tagged in turn and its ToGo receives an untagged value, as with a
// Python tag that calls self.serializer.tag.
//
// # Performance
//
// Common types are written by a type switch, without reflection or
// encoding/json; Append into a reused buffer does not allocate (except for
// *big.Int beyond 64 bits). The decoder copies its input into one string,
// and strings without escapes are substrings of it: a decoded session keeps
// its whole input alive while one of its strings is referenced.
package tagjson
