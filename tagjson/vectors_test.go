package tagjson_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/sessionkit/session/tagjson"
)

// vector is the part of a testdata/flask-vectors.json entry these tests use.
type vector struct {
	ID                string `json:"id"`
	Kind              string `json:"kind"`
	Expect            string `json:"expect"`
	CookieValue       string `json:"cookie_value"`
	SessionOut        any    `json:"session_out"`
	ReencodeIdentical bool   `json:"reencode_identical"`
	Wire              *struct {
		PayloadJSON string `json:"payload_json"`
	} `json:"wire"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile("../testdata/flask-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&file); err != nil {
		t.Fatal(err)
	}
	return file.Vectors
}

// TestFlaskSignVectors: for every session Flask signed, Marshal writes
// Flask's exact payload and Unmarshal reads it back as Flask does.
func TestFlaskSignVectors(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		if v.Kind != "sign" {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			want := fromTyped(t, v.SessionOut)
			payload := v.Wire.PayloadJSON

			if v.ReencodeIdentical {
				got, err := tagjson.Marshal(want)
				if err != nil {
					t.Fatalf("Marshal: %v", err)
				}
				if string(got) != payload {
					t.Errorf("Marshal:\n got %s\nwant %s", got, payload)
				}
			}

			got, err := tagjson.UnmarshalMap([]byte(payload))
			if err != nil {
				t.Fatalf("UnmarshalMap: %v", err)
			}
			if !equal(got, want) {
				t.Errorf("UnmarshalMap:\n got %s\nwant %s", show(got), show(want))
			}
		})
	}
	if n < 25 {
		t.Fatalf("only %d sign vectors", n)
	}
}

// TestFlaskDecodeVectors: the payload of every cookie Flask accepted reads
// back as the session Flask saw.
func TestFlaskDecodeVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Kind != "decode" || v.Expect != "valid" {
			continue
		}
		t.Run(v.ID, func(t *testing.T) {
			payload := cookiePayload(t, v.CookieValue)
			got, err := tagjson.UnmarshalMap(payload)
			if err != nil {
				t.Fatalf("UnmarshalMap(%s): %v", payload, err)
			}
			if want := fromTyped(t, v.SessionOut); !equal(got, want) {
				t.Errorf("got %s, want %s", show(got), show(want))
			}
		})
	}
}

// cookiePayload extracts the JSON of a Flask cookie (no signature check:
// that is the signing package's job).
func cookiePayload(t *testing.T, cookie string) []byte {
	t.Helper()
	p := cookie[:strings.Index(cookie[1:], ".")+1]
	compressed := strings.HasPrefix(p, ".")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(p, "."))
	if err != nil {
		t.Fatal(err)
	}
	if !compressed {
		return raw
	}
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
