package signing

import (
	"errors"
	"strings"
	"testing"
)

// TestSplitFallsBackToLastSeparator: a cookie whose byte sigLen+1 from the
// end is a '.' followed by another '.' is split at its last '.', as is one
// whose only '.' is its first byte, not at the expected signature position:
// the errors are those of the split at the last separator.
func TestSplitFallsBackToLastSeparator(t *testing.T) {
	s, err := New([]byte("secret"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cookie string
		want   error
	}{
		// The last '.' is at index 2, the timestamp separator at 1: the
		// signature is one byte short. Split at index 1 instead, there
		// would be no timestamp separator.
		{"p.." + strings.Repeat("A", s.sigLen-1), ErrBadSignature},
		// The only '.' is the first byte, and the rest is not sigLen long:
		// there is a separator but no timestamp.
		{".abc", errNoTimestamp},
		{"." + strings.Repeat("A", s.sigLen+1), errNoTimestamp},
	} {
		_, _, err := s.Verify(tc.cookie, 0)
		if !errors.Is(err, tc.want) {
			t.Errorf("Verify(%q): %v, want %v", tc.cookie, err, tc.want)
		}
		if ok := s.PayloadMayContain(tc.cookie, nil); tc.want == errNoTimestamp && ok {
			t.Errorf("PayloadMayContain(%q) = true for a cookie without a timestamp", tc.cookie)
		}
	}
}

// TestPayloadMayContainEmptyPayload: a cookie with an empty payload (its
// first byte is the timestamp separator) verifies to that empty payload,
// which contains the empty sub: PayloadMayContain must not say otherwise.
func TestPayloadMayContainEmptyPayload(t *testing.T) {
	s, err := New([]byte("secret"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cookie := string(s.AppendSign(nil, nil, 1700000000))
	if cookie[0] != '.' {
		t.Fatalf("cookie of the empty payload %q does not start with its separator", cookie)
	}
	if p, _, err := s.Verify(cookie, 0); err != nil || len(p) != 0 {
		t.Fatalf("Verify(%q) = %q, %v; want the empty payload", cookie, p, err)
	}
	if !s.PayloadMayContain(cookie, nil) || !s.PayloadMayContain(cookie, []byte{}) {
		t.Errorf("PayloadMayContain(%q, empty) = false; the verified payload contains it", cookie)
	}
	if s.PayloadMayContain(cookie, []byte("x")) {
		t.Errorf("PayloadMayContain(%q, x) = true for an empty uncompressed payload", cookie)
	}
}
