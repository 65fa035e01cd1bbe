package sealed_test

import (
	"testing"
	"time"
)

// FuzzDecode: any value opens cleanly or fails with an error, never panics;
// whatever opens re-seals and opens to the same payload.
func FuzzDecode(f *testing.F) {
	c := codec(f, keyA, keyB)
	f.Add(seal(f, c, "session", `{"a":1}`, t0, time.Hour), int64(0))
	f.Add("", int64(0))
	f.Add("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", int64(1))
	f.Fuzz(func(t *testing.T, value string, dt int64) {
		now := t0.Add(time.Duration(dt%(1<<40)) * time.Second)
		payload, _, _, err := c.Decode(nil, "session", value, now, time.Hour)
		if err != nil {
			return
		}
		v, err := c.Encode(nil, "session", payload, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		again, _, stale, err := c.Decode(nil, "session", string(v), now, time.Hour)
		if err != nil || stale || string(again) != string(payload) {
			t.Fatalf("re-sealed value: %q %v %v", again, stale, err)
		}
	})
}
