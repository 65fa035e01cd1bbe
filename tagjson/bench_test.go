package tagjson_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

var small = map[string]any{"user_id": 42, "name": "alice", "role": "admin"}

// largeSession is about 2 KB of JSON with every kind of value.
func largeSession() map[string]any {
	u, _ := tagjson.ParseUUID("0f8fad5b-d9cb-469f-a165-70867728950e")
	return map[string]any{
		"_permanent": true,
		"_fresh":     true,
		"_user_id":   "7f1c0a4e-2b7d-4e55-9a51-1a2b3c4d5e6f",
		"_id":        strings.Repeat("ab12", 32),
		"csrf_token": "5d41402abc4b2a76b9719d911017c592b1b1c1c3",
		"user": map[string]any{
			"id":       int64(123456),
			"email":    "alice@example.com",
			"name":     "Alice Liddell",
			"roles":    []any{"admin", "editor", "viewer"},
			"verified": true,
			"quota":    1234.5,
			"prefs":    map[string]any{"theme": "dark", "lang": "fr", "tz": "Europe/Paris", "page_size": int64(50)},
		},
		"_flashes": []any{
			tagjson.Tuple{"message", "Welcome back, Alice!"},
			tagjson.Tuple{"warning", tagjson.Markup("<b>Your password expires soon</b>")},
		},
		"cart": []any{
			map[string]any{"sku": "A-1001", "qty": int64(2), "price": 19.99, "name": "Café crème"},
			map[string]any{"sku": "B-2002", "qty": int64(1), "price": 5.0, "name": "Thé vert"},
			map[string]any{"sku": "C-3003", "qty": int64(12), "price": 0.35, "name": "Croissant"},
		},
		"visits":     int64(9876543210),
		"last_seen":  time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"device":     u,
		"nonce":      []byte("0123456789abcdef0123456789abcdef"),
		"history":    []any{"/", "/products", "/products/A-1001", "/cart", "/checkout", "/account", "/account/settings"},
		"ab_tests":   map[string]any{"checkout_v2": "B", "search_ranking": "control", "banner": "summer-sale"},
		"locale":     "fr_FR",
		"referrer":   "https://www.example.com/some/long/path?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
		"notes":      strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 12),
		"score":      0.30000000000000004,
		"big":        bigInt("18446744073709551615"), // beyond int64; beyond uint64 costs an allocation
		"tag_lookup": map[string]any{" t": "not a tuple"},
	}
}

func BenchmarkMarshalSmall(b *testing.B) {
	benchMarshal(b, small)
}

func BenchmarkMarshalLarge(b *testing.B) {
	benchMarshal(b, largeSession())
}

func benchMarshal(b *testing.B, v map[string]any) {
	buf, err := tagjson.Append(nil, v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, err = tagjson.Append(buf[:0], v)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalSmall(b *testing.B) {
	benchUnmarshal(b, small)
}

func BenchmarkUnmarshalLarge(b *testing.B) {
	benchUnmarshal(b, largeSession())
}

func benchUnmarshal(b *testing.B, v map[string]any) {
	data, err := tagjson.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tagjson.UnmarshalMap(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts need a normal build")
	}
	buf, _ := tagjson.Append(nil, largeSession())
	for name, v := range map[string]map[string]any{"small": small, "large": largeSession()} {
		if n := testing.AllocsPerRun(100, func() { buf, _ = tagjson.Append(buf[:0], v) }); n != 0 {
			t.Errorf("Append(%s) into a reused buffer: %v allocations, want 0", name, n)
		}
	}
	data, _ := tagjson.Marshal(small)
	if n := testing.AllocsPerRun(100, func() { tagjson.UnmarshalMap(data) }); n > 6 {
		t.Errorf("UnmarshalMap(3 keys): %v allocations, want at most 6", n)
	}
}
