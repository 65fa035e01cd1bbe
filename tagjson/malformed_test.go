package tagjson_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/sessionkit/session/tagjson"
)

// malformedVector is one entry of testdata/flask-malformed.json, written by
// testdata/flask_malformed.py from real Flask (2.2.2, Python 3.11).
type malformedVector struct {
	In    string `json:"in"`
	Out   string `json:"out"`   // dumps(loads(in)) when Flask reads it
	Error string `json:"error"` // the exception loads raised (Flask: HTTP 500)
}

// TestFlaskMalformedVectors (issue 15): for every tag fed malformed content
// (wrong types, bad base64, UUID and date forms, nested tags, extra and
// duplicate members), Unmarshal yields what Flask's loads yields (the same
// value, written back to Flask's exact bytes; None where Werkzeug cannot
// parse a date) and fails with ErrBadTag exactly where Flask raises.
func TestFlaskMalformedVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/flask-malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Vectors []malformedVector }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) < 400 {
		t.Fatalf("only %d vectors", len(doc.Vectors))
	}
	for _, v := range doc.Vectors {
		checkLikeFlask(t, v.In, v.Out, v.Error)
	}
}

// checkLikeFlask checks Unmarshal(in) against Flask's outcome: out (its
// dumps of what it read) or errName (it raised).
func checkLikeFlask(t *testing.T, in, out, errName string) {
	t.Helper()
	got, err := tagjson.Unmarshal([]byte(in))
	if errName != "" {
		if !errors.Is(err, tagjson.ErrBadTag) {
			t.Errorf("%s: Flask raises %s; Unmarshal = %s, %v", in, errName, show(got), err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: Flask reads %s; Unmarshal: %v", in, out, err)
		return
	}
	back, err := tagjson.Marshal(got)
	if err != nil {
		t.Errorf("%s: Flask reads %s; Marshal(%s): %v", in, out, show(got), err)
		return
	}
	if string(back) != out {
		t.Errorf("%s:\n  Flask %s\n  Go    %s", in, out, back)
	}
}
