package tagjson_test

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

// pythonPeer is run by /usr/bin/python3 with Flask installed. Mode "echo"
// reads tagged JSON lines and writes back dumps(loads(line)), as a session
// round trip through Flask does; mode "gen N SEED" writes N random sessions.
// It runs inside an app context so that Flask's JSON provider settings
// (sort_keys, ensure_ascii, compact separators) apply as they do to
// sessions.
const pythonPeer = `
import sys, random, struct, uuid, datetime
import flask
from flask.json.tag import TaggedJSONSerializer
from markupsafe import Markup

app = flask.Flask("peer")
s = TaggedJSONSerializer()

def rand_str(r):
    n = r.randrange(0, 12)
    out = []
    for _ in range(n):
        k = r.random()
        if k < 0.5:
            out.append(chr(r.randrange(0x20, 0x7f)))
        elif k < 0.6:
            out.append(chr(r.randrange(0, 0x20)))
        elif k < 0.7:
            out.append(r.choice(['"', '\\', '/', '<', '>', '&', "'", '\x7f', ' t', ' di', '__']))
        else:
            c = r.choice([r.randrange(0x80, 0x800), r.randrange(0x800, 0xd800), r.randrange(0xe000, 0x10000), r.randrange(0x10000, 0x110000)])
            out.append(chr(c))
    return "".join(out)

def rand_float(r):
    k = r.random()
    if k < 0.4:
        return struct.unpack("<d", r.randbytes(8))[0]
    if k < 0.7:
        return float(r.choice(["1e16", "1e15", "1e-5", "1e-4", "0.1", "-0.0", "1e22", "5e-324", "nan", "inf", "-inf", "123456789012345680.0"]))
    return r.randrange(-10**6, 10**6) / r.choice([1, 10, 100, 1000, 3, 7])

def rand_int(r):
    k = r.random()
    if k < 0.5:
        return r.randrange(-1000, 1000)
    if k < 0.8:
        return r.randrange(-2**64, 2**64)
    return r.randrange(-10**r.randrange(1, 4300), 10**r.randrange(1, 4300))

def rand_value(r, depth):
    kinds = ["str", "int", "float", "bool", "none", "bytes", "markup", "uuid", "dt"]
    if depth < 4:
        kinds += ["dict", "dict", "list", "tuple", "tagdict"]
    k = r.choice(kinds)
    if k == "str": return rand_str(r)
    if k == "int": return rand_int(r)
    if k == "float": return rand_float(r)
    if k == "bool": return r.random() < 0.5
    if k == "none": return None
    if k == "bytes": return r.randbytes(r.randrange(0, 20))
    if k == "markup": return Markup(rand_str(r))
    if k == "uuid": return uuid.UUID(bytes=r.randbytes(16))
    if k == "dt":
        return datetime.datetime(r.randrange(100, 10000), r.randrange(1, 13), r.randrange(1, 29),
            r.randrange(24), r.randrange(60), r.randrange(60), r.randrange(10**6), tzinfo=datetime.timezone.utc).replace(microsecond=0)
    if k == "dict": return {rand_str(r): rand_value(r, depth + 1) for _ in range(r.randrange(0, 6))}
    if k == "tagdict": return {r.choice([" di", " t", " b", " m", " u", " d", " t__", " x"]): rand_value(r, depth + 1)}
    if k == "list": return [rand_value(r, depth + 1) for _ in range(r.randrange(0, 5))]
    return tuple(rand_value(r, depth + 1) for _ in range(r.randrange(0, 5)))

with app.app_context():
    if sys.argv[1] == "echo":
        for line in sys.stdin:
            try:
                print(s.dumps(s.loads(line.rstrip("\n"))))
            except Exception as e:
                print("ERROR", type(e).__name__)
    else:
        r = random.Random(int(sys.argv[3]))
        for _ in range(int(sys.argv[2])):
            print(s.dumps({rand_str(r): rand_value(r, 1) for _ in range(r.randrange(0, 6))}))
`

func python(t *testing.T, stdin []byte, args ...string) []string {
	t.Helper()
	py := os.Getenv("SESSIONKIT_TEST_PYTHON")
	if py == "" && os.Getenv("CI") == "true" {
		t.Fatal("SESSIONKIT_TEST_PYTHON is not set under CI=true: the comparison with real Flask must run")
	}
	if py == "" {
		t.Skip("SESSIONKIT_TEST_PYTHON is not set (e.g. /usr/bin/python3 with python3-flask): skipping the comparison with real Flask")
	}
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SESSIONKIT_TEST_PYTHON=%s under CI=true: %v", py, err)
		}
		t.Skipf("SESSIONKIT_TEST_PYTHON=%s: %v: skipping the comparison with real Flask", py, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-c", pythonPeer}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.Bytes())
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// TestPythonReadsWhatGoWrites: Flask decodes and re-encodes every random
// session Marshal writes to the same bytes, so Marshal writes exactly what
// Flask would write for the value Flask reads.
func TestPythonReadsWhatGoWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var in bytes.Buffer
	var sent []string
	for range 2000 {
		b, err := tagjson.Marshal(randomSession(r))
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, string(b))
		in.Write(b)
		in.WriteByte('\n')
	}
	got := python(t, in.Bytes(), "echo")
	if len(got) != len(sent) {
		t.Fatalf("python answered %d lines for %d", len(got), len(sent))
	}
	for i := range sent {
		if got[i] != sent[i] {
			t.Errorf("Flask re-encodes differently:\n  go %s\n  py %s", sent[i], got[i])
		}
	}
}

// TestGoReadsWhatPythonWrites: random sessions written by Flask decode, and
// encode back to Flask's exact bytes.
func TestGoReadsWhatPythonWrites(t *testing.T) {
	lines := python(t, nil, "gen", "2000", "7")
	if len(lines) != 2000 {
		t.Fatalf("python wrote %d lines", len(lines))
	}
	for _, line := range lines {
		v, err := tagjson.UnmarshalMap([]byte(line))
		if err != nil {
			t.Errorf("UnmarshalMap(%s): %v", line, err)
			continue
		}
		b, err := tagjson.Marshal(v)
		if err != nil {
			t.Errorf("Marshal(%s): %v", show(v), err)
			continue
		}
		if string(b) != line {
			t.Errorf("re-encoded differently:\n  py %s\n  go %s", line, b)
		}
	}
}

// randomSession builds a session of every type the encoder accepts.
func randomSession(r *rand.Rand) map[string]any {
	m := map[string]any{}
	for range r.IntN(6) {
		m[randomString(r)] = randomValue(r, 1)
	}
	return m
}

func randomValue(r *rand.Rand, depth int) any {
	n := 17
	if depth < 4 {
		n = 22
	}
	switch r.IntN(n) {
	case 0:
		return randomString(r)
	case 1:
		return r.Int64N(2000) - 1000
	case 2:
		return int64(r.Uint64())
	case 3:
		x := new(big.Int).Lsh(big.NewInt(1), uint(r.IntN(300)))
		if r.IntN(2) == 0 {
			x.Neg(x)
		}
		return x.Add(x, big.NewInt(r.Int64()))
	case 4:
		return r.Uint64() // Go-only type: written as an int
	case 5:
		return math.Float64frombits(r.Uint64())
	case 6:
		return []float64{0, math.Copysign(0, -1), 1e16, 1e15, 1e-5, 1e-4, 0.1, 1e22, 5e-324, math.Inf(1), math.Inf(-1), math.NaN(), 123456789012345680.0}[r.IntN(13)]
	case 7:
		return float64(r.Int64N(2_000_000)-1_000_000) / []float64{1, 10, 100, 1000, 3, 7}[r.IntN(6)]
	case 8:
		return r.IntN(2) == 0
	case 9:
		return nil
	case 10:
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	case 11:
		return tagjson.Markup(randomString(r))
	case 12:
		var u tagjson.UUID
		for i := range u {
			u[i] = byte(r.Uint32())
		}
		return u
	case 13:
		loc := time.FixedZone("", (r.IntN(48)-24)*1800)
		return time.Date(200+r.IntN(9700), time.Month(1+r.IntN(12)), 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), loc)
	case 14:
		return int32(r.Uint32())
	case 15:
		return []string{randomString(r), randomString(r)}
	case 16:
		return map[string]string{randomString(r): randomString(r)}
	case 17:
		m := map[string]any{}
		for range r.IntN(6) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	case 18:
		return map[string]any{[]string{" di", " t", " b", " m", " u", " d", " t__", " x"}[r.IntN(8)]: randomValue(r, depth+1)}
	case 19:
		l := make([]any, r.IntN(5))
		for i := range l {
			l[i] = randomValue(r, depth+1)
		}
		return l
	case 20:
		l := make(tagjson.Tuple, r.IntN(5))
		for i := range l {
			l[i] = randomValue(r, depth+1)
		}
		return l
	default:
		return map[string]any{randomString(r): randomValue(r, depth+1)}
	}
}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(12) {
		switch k := r.IntN(10); {
		case k < 5:
			b.WriteByte(byte(0x20 + r.IntN(0x5f)))
		case k < 6:
			b.WriteByte(byte(r.IntN(0x20)))
		case k < 7:
			b.WriteString([]string{`"`, `\`, "/", "<", ">", "&", "'", "\x7f", " t", " di", "__"}[r.IntN(11)])
		default:
			ranges := [][2]int{{0x80, 0x800}, {0x800, 0xd800}, {0xe000, 0x10000}, {0x10000, 0x110000}}
			rg := ranges[r.IntN(4)]
			b.WriteRune(rune(rg[0] + r.IntN(rg[1]-rg[0])))
		}
	}
	return b.String()
}
