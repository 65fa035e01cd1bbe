// Package deflate is a faster compressor for Flask-compatible session
// cookies: a [signing.Compressor] built on
// github.com/klauspost/compress/flate, for session.Config.Signing.Compressor
// (or signing.Options.Compressor).
//
//	c, err := deflate.New(deflate.Options{}) // level 2
//	...
//	m, err := session.New(session.Config{
//		SecretKey: key,
//		Signing:   signing.Options{Compressor: c},
//	})
//
// It lives in its own module so that the root module keeps to the standard
// library; only applications that ask for it depend on klauspost/compress.
//
// # What changes
//
// Only the bytes of compressed cookies: Sign wraps this package's DEFLATE
// stream in zlib framing, and Flask (Python's zlib) and [signing.Signer]
// read it like any other. Which payloads are compressed still follows
// Flask's rule (compress iff zlib level 6 saves at least 2 bytes): the
// signing package uses this stream only when it clears the rule by a margin
// and lets its built-in compress/flate writer decide every other payload,
// so a payload Flask sends uncompressed gives the same cookie, byte for
// byte, as Flask's. Near the cookie size limit it also keeps whichever of
// the two streams is shorter, so a session that fits without this package
// fits with it. See [signing.Compressor] for the rules and their numbers.
// Reading is unchanged (compress/flate, with the package's limits).
//
// # Level
//
// [DefaultLevel] is 2. Measured on the bench module's 1,881-byte
// readwrite-2KB session JSON (instructions per call, valgrind, no cache
// simulation; raw DEFLATE bytes):
//
//	built-in compress/flate level 6   341 k instructions   372 bytes
//	klauspost level 1                  78 k                407
//	klauspost level 2                  82 k                383
//	klauspost level 3                  95 k                392
//	klauspost level 4                 104 k                373
//	klauspost level 6                 128 k                369
//	klauspost StatelessDeflate         80 k                401
//
// Level 2 costs a quarter of the built-in writer for 3% more bytes (about
// 15 more base64 characters here) and is the fastest level within a few
// percent of its size; level 4 matches the built-in writer's size for 27%
// more work than level 2, and level 1 saves 4% of level 2's work for 6%
// more bytes. Signing the whole cookie (BenchmarkSign, instructions per
// Sign):
//
//	                                   built-in   level 1   level 2   level 4
//	the 2 KB session                     379 k      113 k     116 k     138 k
//	small token-heavy payloads (mean)    272 k      219 k     220 k     187 k
//
// The second row is 2,000 payloads of 20 to 1,500 bytes made of random hex,
// base64url and printable tokens, many near Flask's compression boundary.
// There level 2's zlib streams run about 12% longer than Python's zlib
// (level 4's 6%), so more of them land within signing's margin and fall back
// to the built-in writer after the fast one has run, or miss Flask's rule and
// go uncompressed. Use Options{Level: 4} for
// sessions of that shape, or where cookie bytes matter more than CPU.
//
// Payloads the fast stream does not compress go uncompressed, without the
// built-in writer running (see signing.Compressor): a short session costs
// a Huffman pass instead of the built-in writer's 640 KiB table reset, and
// its cookie may be a few bytes longer than without this module.
//
// # Errors
//
// [New] returns an error wrapping [ErrLevel] for a level outside 1..9.
// Compressing into memory cannot fail.
package deflate
