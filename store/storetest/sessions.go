package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

var sessionsCases = []testCase{
	{
		name: "SessionsOrder",
		explanation: "a SubjectStore lists a subject's sessions oldest first (by Created), and sessions created " +
			"at the same instant by key in byte order, whatever order they were saved in: a device list does " +
			"not reshuffle between two page loads.",
		f: func(t *testing.T, s store.Store) {
			ss, ok := s.(store.SubjectStore)
			if !ok {
				t.Skip("not a store.SubjectStore")
			}
			base := now()
			// Saved in an order that is neither by Created nor by key; the
			// four ties are saved out of byte order, and "B-tie" sorts
			// before "a-tie" in byte order but not in a case-insensitive
			// collation.
			saves := []struct {
				key string
				age time.Duration // Created is base plus this
			}{
				{"m-third", 2 * time.Second},
				{"z-oldest", 0},
				{"b-tie", time.Second},
				{"A-newest", 3 * time.Second},
				{"c-tie", time.Second},
				{"a-tie", time.Second},
				{"B-tie", time.Second},
			}
			for _, sv := range saves {
				r := record("data of " + sv.key)
				r.Subject = "alice"
				r.Created = base.Add(sv.age)
				mustSave(t, s, sv.key, r)
			}
			other := record("bob's")
			other.Subject = "bob"
			other.Created = base.Add(time.Second)
			mustSave(t, s, "0-bob", other)
			want := []string{"z-oldest", "B-tie", "a-tie", "b-tie", "c-tie", "m-third", "A-newest"}
			// Twice: a store that lists in an unstable order is caught more often.
			for range 2 {
				infos, err := ss.Sessions(ctx, "alice")
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, in := range infos {
					got = append(got, in.Key)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("Sessions(alice) lists %q, want %q (by Created, then key)", got, want)
				}
			}
		},
	},
}
