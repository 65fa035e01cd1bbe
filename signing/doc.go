// Package signing is itsdangerous' URL-safe timed serializer as Flask
// configures it for the session cookie (URLSafeTimedSerializer, salt
// "cookie-session", key derivation "hmac", HMAC-SHA1), working on the JSON
// payload bytes. It neither writes nor parses JSON: the caller hands it the
// tagged JSON of the session and gets back the same bytes.
//
// # Wire format
//
// A cookie value is P "." T "." S, read by splitting from the right:
//
//   - P, the payload: base64url without padding of the JSON, or "." followed
//     by base64url of its zlib compression (see Compression). A compressed
//     cookie therefore starts with ".".
//   - T, the signing time: the Unix time in seconds as 8 big-endian bytes with
//     the leading zero bytes removed, base64url (1700000000 is 65 53 f1 00,
//     "ZVPxAA"; 0 is the empty string).
//   - S, the signature: base64url of HMAC(derived key, P "." T), 27
//     characters with SHA-1. The derived key is HMAC(secret, salt) with the
//     default "hmac" derivation; "concat" is H(salt+secret), "django-concat"
//     H(salt+"signer"+secret) and "none" the secret itself.
//
// With the secret "dev-secret-key-1" the derived key is
// e39d64246fda4511f898a7d57f022f50f02e6a46, and {"user":"alice"} signed at
// 1700000000 is
//
//	eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU
//
// Keys are derived once, in [New]. Signing uses the secret; verification
// tries the secret, then the fallbacks newest first (Flask passes
// [*SECRET_KEY_FALLBACKS, SECRET_KEY] to itsdangerous, which tries the list
// in reverse).
//
// # Order of checks
//
// Verification never decodes or inflates anything an attacker could have
// chosen before the signature holds:
//
//  1. the length cap (Options.MaxLength), before any other work;
//  2. splitting from the right into P, T and S;
//  3. the signature: the expected base64url MAC of the bytes "P.T" is
//     computed for each key and compared with S in constant time;
//  4. the timestamp: at most 8 bytes, then the age rule 0 <= now-T <= maxAge
//     in whole seconds (an age equal to maxAge is accepted, a time in the
//     future rejected), computed without overflow for any T;
//  5. the payload: base64url, then, for a compressed payload, inflating
//     through a hard cap (Options.MaxInflate) and checking the zlib checksum.
//
// Errors from steps 1-4 match [ErrInvalid]: Flask starts a new, empty session
// for them. Errors from step 5 match [ErrBadPayload]: the signature was
// valid, so only a holder of a key made the cookie, and Flask answers 500.
// The specific errors [ErrTooLong], [ErrMalformed], [ErrBadSignature],
// [ErrExpired], [ErrFuture] and [ErrInflateLimit] match their class too.
//
// # Strictness compared with Flask
//
// Flask's base64 reader is lenient: it accepts "+" and "/" for "-" and "_",
// "=" padding, non-zero unused bits and skips characters outside the
// alphabet, so several spellings of one signature verify. This package
// accepts only the canonical spelling Flask writes. S is compared in its
// encoded form, so any other spelling of a valid signature is
// [ErrBadSignature]; T and P must use the URL-safe alphabet without padding,
// line breaks or unused bits ([ErrMalformed] for T; for P, which is covered
// by a valid signature, [ErrBadPayload]); a zlib stream must end exactly at
// the end of P (Python ignores trailing bytes) and may not ask for a preset
// dictionary. Flask never writes any of these forms.
//
// # Compression
//
// Flask compresses the JSON with zlib.compress (level 6) and uses the
// compressed form only if it is at least 2 bytes shorter:
// len(z) < len(json)-1. Go's compress/flate makes different, equally valid
// bytes, so a compressed cookie differs from Flask's while Flask reads it,
// and an uncompressed cookie must be byte-identical to Flask's. Sign decides
// as follows:
//
//  1. For payloads of up to 256 bytes, a lower bound on the size
//     compress/flate can reach is computed in one pass (a few hundred
//     nanoseconds; the bound and its proof are in precheck.go). When it shows
//     the zlib stream cannot be 2 bytes shorter than the JSON, the compressor
//     is not run. This is sound, not a heuristic: it only skips work whose
//     outcome is known. It settles most session payloads under about 64
//     bytes, such as {"name":"alice","role":"admin","user_id":42}; between
//     64 and about 160 bytes it often cannot, and the compressor runs.
//  2. Otherwise a pooled level-6 compress/flate writer compresses the JSON,
//     and the result is used if the zlib stream as compress/flate writes it is
//     shorter than len(json)-1.
//  3. That stream ends with an empty final stored block (4-5 bytes) that
//     zlib does not write; it is removed before encoding (payloads under 16
//     KiB, where the stream holds a single data block), so compressed cookies
//     come out about as short as Flask's. The edit checks the stream's shape
//     first and leaves anything unexpected alone; TestTrimFinalBlock pins the
//     compress/flate behaviour it relies on, and TestFlaskReadsOurCookies has
//     itsdangerous read the result.
//
// Because the decision in step 2 counts those 4-5 bytes, compression starts
// a few bytes later than in Flask: a payload zlib shrinks by only 2-6 bytes
// may stay uncompressed here (460 of 7,500 generated session payloads). The
// opposite, compressing what Flask leaves uncompressed, would break
// byte-identity. compress/flate misses 3-byte matches and pays for the extra
// block, so on small inputs its stream is longer than zlib's, and
// TestCompressionMatchesZlib finds no such payload among those 7,500 (the
// closest stays 2 bytes from compressing; 1 byte in a wider 23,000-payload
// run). That is evidence, not a proof; the Flask test vectors are checked
// byte for byte. Either way a wrong decision only costs bytes: Flask reads
// both forms.
//
// Options.Compressor replaces the writer of steps 2 and 3 with a faster one
// (module github.com/sessionkit/session/deflate has one) while keeping the
// decision for payloads near Flask's boundary with the built-in writer; see
// [Compressor].
//
// Running a pooled level-6 compress/flate writer over a 44-byte payload
// costs about 6.5 µs, most of it Reset clearing 640 KB of hash tables,
// against about 0.4 µs for a whole small Sign, which is why step 1 exists. Inflating uses pooled flate readers
// with this package's own zlib framing, so a compressed cookie does not
// allocate a 32 KiB window per decode (compress/flate still allocates small
// tables for Huffman codes longer than 9 bits).
//
// # Limits
//
// Options.MaxLength (4096 by default) is checked before anything else.
// Browsers drop cookies longer than about 4096 bytes; Flask only warns when
// it writes one, so a Flask cookie over the cap is ErrTooLong here. Sign does
// not enforce the cap: compare the length of its result. Options.MaxInflate
// (1 MiB by default) bounds a decompressed payload: a validly signed 4 KB
// cookie can otherwise inflate to about 3 MB, and Python has no such cap.
//
// maxAge <= 0 disables both age checks, like itsdangerous' max_age=None;
// Flask always passes its PERMANENT_SESSION_LIFETIME.
package signing
