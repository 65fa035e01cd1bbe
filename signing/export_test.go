package signing

// Test-only access to internals for the black-box tests.

// DerivedKeyForTest returns the i-th derived key in verification order.
func DerivedKeyForTest(s *Signer, i int) []byte { return s.keys[i] }

// NumKeysForTest returns the number of keys s verifies with.
func NumKeysForTest(s *Signer) int { return len(s.keys) }

// SetInflateHookForTest installs f to run at the start of every inflate and
// returns a function restoring the previous hook.
func SetInflateHookForTest(f func()) (restore func()) {
	old := testHookInflate
	testHookInflate = f
	return func() { testHookInflate = old }
}

// SessionLikeForTest returns pseudo-random session-shaped payloads.
var SessionLikeForTest = sessionLike
