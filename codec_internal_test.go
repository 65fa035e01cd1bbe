package session

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

// flaskCodec's length limit counts only the value it appends, whatever dst
// already holds: exactly the limit passes, one byte over fails.
func TestFlaskCodecLimitCountsOnlyTheValue(t *testing.T) {
	s, err := signing.New([]byte("k"), nil, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	payload := []byte(`{"a":1}`)
	n := len(s.AppendSign(nil, payload, now.Unix()))
	for _, prefix := range []string{"", "prefix;"} {
		c := &flaskCodec{signer: s, maxLength: n}
		out, err := c.Encode([]byte(prefix), "session", payload, now, 0)
		if err != nil || len(out) != len(prefix)+n {
			t.Fatalf("prefix %q, at the limit: %d bytes, %v", prefix, len(out), err)
		}
		c.maxLength = n - 1
		if _, err := c.Encode([]byte(prefix), "session", payload, now, 0); !errors.Is(err, ErrCookieTooLarge) {
			t.Fatalf("prefix %q, one over: %v, want ErrCookieTooLarge", prefix, err)
		}
	}
}

// establishedAt reads every integer form a serializer may give: int64, int,
// and a *big.Int that fits (a custom Config.Serializer may decode small
// integers as *big.Int); a *big.Int that does not fit, a nil one or another
// type is malformed (the zero Time, refused by any revocation).
func TestEstablishedAtForms(t *testing.T) {
	issued := time.Unix(1_700_000_000, 0)
	at := issued.Add(-time.Hour)
	for _, tc := range []struct {
		v    any
		want time.Time
	}{
		{at.UnixNano(), at},
		{int(at.UnixNano()), at},
		{new(big.Int).SetInt64(at.UnixNano()), at},
		{new(big.Int).Lsh(big.NewInt(1), 70), time.Time{}},
		{(*big.Int)(nil), time.Time{}},
		{"1700000000", time.Time{}},
		{issued.Add(2 * time.Second).UnixNano(), issued},
	} {
		if got := establishedAt(map[string]any{EstablishedKey: tc.v}, issued); !got.Equal(tc.want) {
			t.Errorf("establishedAt(%T %v) = %v, want %v", tc.v, tc.v, got, tc.want)
		}
	}
	if got := establishedAt(map[string]any{}, issued); !got.Equal(issued) {
		t.Errorf("without the key: %v, want issued", got)
	}
}
