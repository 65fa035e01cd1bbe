package serverside

import (
	"crypto/rand"
	"testing"
)

// R1: a million IDs are unique, 256 bits, base64url, and well-formed.
func TestMillionIDs(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	i := &Interface{opts: Options{Rand: rand.Reader}}
	seen := make(map[string]struct{}, n)
	for range n {
		id, err := i.newID()
		if err != nil {
			t.Fatal(err)
		}
		if !validID(id) {
			t.Fatalf("issued a malformed ID %q", id)
		}
		if _, dup := seen[id]; dup {
			t.Fatalf("duplicate ID after %d", len(seen))
		}
		seen[id] = struct{}{}
	}
}
