//go:build race

package deflate_test

// raceEnabled: the race detector slows compress/flate about tenfold, so the
// Python corpus tests use fewer payloads under it.
const raceEnabled = true
