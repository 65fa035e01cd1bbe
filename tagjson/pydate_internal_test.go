package tagjson

import (
	"encoding/json"
	"os"
	"testing"
)

// TestParseDateLikeWerkzeug (issue 15): pyParseDate gives what Werkzeug's
// parse_date gives for every recorded date string (testdata/
// flask-malformed.json, "dates", written by real Flask): the same
// datetime, printed as Python's str() prints it (offset included), None,
// or an error where Python raises. Years before 100 are checked here: they
// cannot be written back as tagged JSON.
func TestParseDateLikeWerkzeug(t *testing.T) {
	b, err := os.ReadFile("testdata/flask-malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Dates []struct {
			In    string  `json:"in"`
			Str   *string `json:"str"`
			Error string  `json:"error"`
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Dates) < 100 {
		t.Fatalf("only %d dates", len(doc.Dates))
	}
	for _, d := range doc.Dates {
		got, ok, err := pyParseDate(d.In)
		switch {
		case d.Error != "":
			if err == nil {
				t.Errorf("%q: Python raises %s; got %v %v", d.In, d.Error, got, ok)
			}
		case err != nil:
			t.Errorf("%q: %v", d.In, err)
		case d.Str == nil:
			if ok {
				t.Errorf("%q: Python gives None; got %s", d.In, appendPyDatetimeStr(nil, got))
			}
		case !ok:
			t.Errorf("%q: Python gives %s; got None", d.In, *d.Str)
		case string(appendPyDatetimeStr(nil, got)) != *d.Str:
			t.Errorf("%q: Python gives %s; got %s", d.In, *d.Str, appendPyDatetimeStr(nil, got))
		}
	}
}
