package flasklogin_test

import (
	"os"
	"testing"

	"github.com/sessionkit/session/internal/flasktest"
)

// TestVectorsAreCurrent reruns testdata/gen_vectors.py with the installed
// packages: the checked-in vectors must be what they produce today, so the
// vectors are the real package's behaviour, not a stale copy.
func TestVectorsAreCurrent(t *testing.T) {
	res := flasktest.RunScript(t, []string{"flask_login"}, "testdata/gen_vectors.py")
	if res.Exit != 0 {
		t.Fatalf("gen_vectors.py exit %d\n%s", res.Exit, res.Stderr)
	}
	want, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != string(want) {
		t.Fatal("testdata/vectors.json differs from what gen_vectors.py writes now: regenerate it (see the script's doc) and review the diff")
	}
}
