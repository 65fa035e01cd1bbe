// Package flasktest lets sessionkit's tests talk to real Flask.
//
// It drives interop/flaskpeer.py, the project's own Flask peer, with a Python
// interpreter that can import Flask:
//
//   - [Verify] asks Flask to check and decode a cookie, exactly as Flask's
//     open_session would;
//   - [Sign] and [SignHeader] have Flask set a session cookie;
//   - [StartPeer] runs a small Flask server on 127.0.0.1 for HTTP-level tests.
//
// [Python] finds the interpreter: $SESSIONKIT_TEST_PYTHON, else
// /usr/bin/python3 (Debian's python3-flask installs Flask there). Without
// Flask a test is skipped, except when $CI is true: then a missing Flask fails
// the test, so CI can never pass by skipping.
//
// # Typed JSON
//
// Sessions cross the process boundary as "typed JSON", the notation of
// testdata/flask-vectors.json: plain JSON values stand for themselves, except
// the one-key objects {"$float": "<Python repr>"}, {"$tuple": [...]},
// {"$bytes": "<std base64>"}, {"$markup": "..."}, {"$uuid": "8-4-4-4-12"},
// {"$datetime": "ISO 8601"} and {"$dict": {...}} (a real dict whose only key
// starts with "$"). Integers are JSON integers of any size.
//
// [FromTyped] turns typed JSON into the Go values of package tagjson;
// [ToTyped] writes Go values back in the canonical form flaskpeer.py prints
// (keys sorted by code point, no spaces, ASCII with \u escapes, exactly
// Python's json.dumps(sort_keys=True, separators=(",", ":"))), so a test can
// compare what Flask decoded with what Go holds as plain strings. Floats are
// written as their Python repr (shortest round-trip digits), so equal float64
// values always give equal text.
package flasktest
