package serverside_test

import (
	"cmp"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// R1: a million IDs are unique, 256 bits, base64url, and well-formed.
//
// The package's slowest test: its file sorts last so that it runs last, and
// -failfast (mutation testing) stops before it when an earlier test fails.
func TestMillionIDs(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 10_000
	}
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	i, err := serverside.New(serverside.Options{Store: st}) // crypto/rand
	if err != nil {
		t.Fatal(err)
	}
	// Uniqueness by sorting the IDs' first 8 bytes (with their index) and
	// comparing whole IDs wherever two prefixes are equal: the same check
	// as a set of the IDs, at a fraction of a map's CPU time.
	type prefix struct {
		p uint64
		i int32
	}
	ids := make([]string, n)
	prefixes := make([]prefix, n)
	for k := range n {
		id, err := i.NewID()
		if err != nil {
			t.Fatal(err)
		}
		if !serverside.ValidID(id) {
			t.Fatalf("issued a malformed ID %q", id)
		}
		ids[k] = id
		prefixes[k] = prefix{binary.LittleEndian.Uint64([]byte(id[:8])), int32(k)}
	}
	slices.SortFunc(prefixes, func(a, b prefix) int { return cmp.Compare(a.p, b.p) })
	for k := 1; k < n; k++ {
		a, b := prefixes[k-1], prefixes[k]
		if a.p == b.p && ids[a.i] == ids[b.i] {
			t.Fatalf("duplicate ID %q (IDs %d and %d)", ids[a.i], a.i, b.i)
		}
	}
}
