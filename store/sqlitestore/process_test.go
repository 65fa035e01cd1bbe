package sqlitestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
)

// The test binary re-executes itself as a second process on the same
// database file when SQLITESTORE_TEST_CHILD names a role.
const (
	childEnv     = "SQLITESTORE_TEST_CHILD"
	childPathEnv = "SQLITESTORE_TEST_PATH"
	childArgEnv  = "SQLITESTORE_TEST_ARG"
)

func TestMain(m *testing.M) {
	switch role := os.Getenv(childEnv); role {
	case "":
		os.Exit(m.Run())
	case "hammer":
		os.Exit(childHammer(os.Getenv(childPathEnv), os.Getenv(childArgEnv)))
	case "lock":
		os.Exit(childLock(os.Getenv(childPathEnv)))
	case "save-race":
		os.Exit(childSaveRace(os.Getenv(childPathEnv), os.Getenv(childArgEnv)))
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, role)
		os.Exit(2)
	}
}

// child is a running copy of the test binary in another role.
type child struct {
	stdin io.WriteCloser
	lines chan string   // its standard output, line by line; closed at EOF
	done  chan struct{} // closed when the child has exited
	err   error         // cmd.Wait's result, once done is closed
}

// startChild starts the test binary in role on path. When t ends the
// child's standard input is closed and it must exit within testwait.Timeout
// (it is killed otherwise).
func startChild(t *testing.T, role, path, arg string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+role, childPathEnv+"="+path, childArgEnv+"="+arg)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{stdin: stdin, lines: make(chan string, 1024), done: make(chan struct{})}
	var reading sync.WaitGroup
	reading.Go(func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	})
	go func() {
		reading.Wait() // Wait closes stdout: read it all first
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-c.done:
		case <-time.After(testwait.Timeout):
			cmd.Process.Kill()
			t.Errorf("child %s still running after %v; killed", role, testwait.Timeout)
		}
	})
	return c
}

// expect waits for the child's next line and fails t unless it is want.
func (c *child) expect(t *testing.T, want string) {
	t.Helper()
	line, ok := <-c.linesWithin(t)
	if !ok || line != want {
		t.Fatalf("child said %q (open %v), want %q", line, ok, want)
	}
}

func (c *child) linesWithin(t *testing.T) <-chan string {
	out := make(chan string, 1)
	select {
	case l, ok := <-c.lines:
		if ok {
			out <- l
		} else {
			close(out)
		}
	case <-time.After(testwait.Timeout):
		t.Fatalf("the child said nothing for %v", testwait.Timeout)
	}
	return out
}

// childLock holds the write lock of the database at path (a write
// transaction that has written a row) until its standard input closes.
func childLock(path string) int {
	s, err := sqlitestore.Open(context.Background(), path, sqlitestore.Options{SweepInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	table := s.Table()
	s.Close()
	db, err := openRaw(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer conn.Close()
	for _, q := range []string{"BEGIN IMMEDIATE",
		"INSERT INTO " + table + " (key, data, version) VALUES ('held-by-the-lock', x'00', 1)"} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			fmt.Fprintln(os.Stderr, q, err)
			return 1
		}
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// hammerKey is the key both processes update.
const hammerKey = "shared"

// hammer runs writers goroutines on s, each doing each read-modify-CAS
// updates of hammerKey that append a token "[who.g.i]", retrying on
// conflict. It returns the tokens whose Save succeeded, and counts of the
// conflicts and of ErrBusy; any other error is returned.
func hammer(s store.Store, who string, writers, each int) (acked []string, conflicts, busy int, err error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				token := fmt.Sprintf("[%s.%d.%d]", who, g, i)
				for attempt := 0; ; attempt++ {
					if attempt > 10000 {
						errc <- fmt.Errorf("%s: no progress", token)
						return
					}
					cur, ok, err := s.Load(context.Background(), hammerKey)
					if err != nil || !ok {
						errc <- fmt.Errorf("%s: load: %v %v", token, ok, err)
						return
					}
					next := cur
					next.Data = append([]byte(string(cur.Data)), token...)
					_, err = s.Save(context.Background(), hammerKey, next)
					mu.Lock()
					switch {
					case err == nil:
						acked = append(acked, token)
					case errors.Is(err, store.ErrConflict):
						conflicts++
					case errors.Is(err, sqlitestore.ErrBusy):
						busy++
					}
					mu.Unlock()
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) && !errors.Is(err, sqlitestore.ErrBusy) {
						errc <- fmt.Errorf("%s: save: %w", token, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	return acked, conflicts, busy, <-errc
}

// childHammer waits for "go" on its standard input, hammers the file at
// path with arg = "writers,each", and prints "ack TOKEN" for each
// successful save, then "conflicts N", "busy N" and "done".
func childHammer(path, arg string) int {
	var writers, each int
	if _, err := fmt.Sscanf(arg, "%d,%d", &writers, &each); err != nil {
		fmt.Fprintln(os.Stderr, "arg:", err)
		return 2
	}
	s, err := sqlitestore.Open(context.Background(), path, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	fmt.Println("ready")
	if line, _ := bufio.NewReader(os.Stdin).ReadString('\n'); line != "go\n" {
		fmt.Fprintf(os.Stderr, "child: got %q, want go\n", line)
		return 2
	}
	acked, conflicts, busy, err := hammer(s, "child", writers, each)
	w := bufio.NewWriter(os.Stdout)
	for _, a := range acked {
		fmt.Fprintln(w, "ack", a)
	}
	fmt.Fprintln(w, "conflicts", conflicts)
	fmt.Fprintln(w, "busy", busy)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		w.Flush()
		return 1
	}
	fmt.Fprintln(w, "done")
	w.Flush()
	return 0
}

// Two processes, and two Stores in this one, update one session record in
// one file at once with read-modify-CAS loops: no acknowledged write is
// lost, none is applied twice, nothing unacknowledged appears, and the
// version counts exactly the acknowledged saves. Each Store writes through
// its own connection, so the version check and the write of every Save
// run under SQLite's file lock, across processes.
func TestTwoProcessesNoLostUpdate(t *testing.T) {
	writers, each := 3, 40
	if testing.Short() {
		each = 10
	}
	path := t.TempDir() + "/shared.db"
	a := openAt(t, path, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	b := openAt(t, path, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	mustSave(t, a, hammerKey, rec(time.Now(), "", time.Hour))

	c := startChild(t, "hammer", path, fmt.Sprintf("%d,%d", writers, each))
	c.expect(t, "ready")
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	type result struct {
		acked           []string
		conflicts, busy int
		err             error
	}
	results := make(chan result, 2)
	for who, s := range map[string]*sqlitestore.Store{"a": a, "b": b} {
		go func() {
			var r result
			r.acked, r.conflicts, r.busy, r.err = hammer(s, who, writers, each)
			results <- r
		}()
	}
	var acked []string
	conflicts, busy := 0, 0
	for range 2 {
		r := testwait.Recv(t, results, 2*time.Minute, "this process's writers")
		if r.err != nil {
			t.Fatal(r.err)
		}
		acked = append(acked, r.acked...)
		conflicts += r.conflicts
		busy += r.busy
	}
	childDone := false
	for !childDone {
		line, ok := <-c.linesWithin(t)
		switch {
		case !ok:
			t.Fatal("the child exited before saying done")
		case strings.HasPrefix(line, "ack "):
			acked = append(acked, strings.TrimPrefix(line, "ack "))
		case strings.HasPrefix(line, "conflicts "):
			n, _ := strconv.Atoi(strings.TrimPrefix(line, "conflicts "))
			t.Logf("the child's saves: %d conflicts", n)
			conflicts += n
		case strings.HasPrefix(line, "busy "):
			n, _ := strconv.Atoi(strings.TrimPrefix(line, "busy "))
			busy += n
		case line == "done":
			childDone = true
		default:
			t.Fatalf("child: %q", line)
		}
	}
	testwait.Recv(t, c.done, 0, "the child's exit")
	if c.err != nil {
		t.Fatalf("child: %v", c.err)
	}
	t.Logf("%d acknowledged saves from 3 Stores in 2 processes, %d conflicts, %d busy", len(acked), conflicts, busy)
	if want := 3 * writers * each; len(acked) != want {
		t.Fatalf("%d acknowledged saves, want %d (every writer finishes)", len(acked), want)
	}
	got, ok := loaded(t, a, hammerKey)
	if !ok {
		t.Fatal("the record is gone")
	}
	data := string(got.Data)
	for _, tok := range acked {
		if n := strings.Count(data, tok); n != 1 {
			t.Errorf("acknowledged write %s appears %d times, want once", tok, n)
		}
	}
	if n := strings.Count(data, "["); n != len(acked) {
		t.Errorf("the record holds %d writes, %d were acknowledged", n, len(acked))
	}
	if got.Version != uint64(len(acked))+1 {
		t.Errorf("version %d after %d acknowledged saves, want %d", got.Version, len(acked), len(acked)+1)
	}
}

// raceKey is the i-th key of TestTwoProcessesCompareAndDeleteRacesSave.
func raceKey(i int) string { return fmt.Sprint("race-", i) }

// raceOrders returns two permutations of 0..n-1, different for each seed:
// the orders in which two goroutines visit the keys.
func raceOrders(n int, seed uint64) [2][]int {
	rng := rand.New(rand.NewPCG(seed, seed))
	var out [2][]int
	for g := range out {
		out[g] = rng.Perm(n)
	}
	return out
}

// childSaveRace waits for "go", then saves version 1 of raceKey(0) to
// raceKey(n-1) (n = arg) from two goroutines, each in an order of its own
// and each key once, printing "i ok" or "i conflict" for each save.
func childSaveRace(path, arg string) int {
	n, err := strconv.Atoi(arg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "arg:", err)
		return 2
	}
	s, err := sqlitestore.Open(context.Background(), path, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	fmt.Println("ready")
	if line, _ := bufio.NewReader(os.Stdin).ReadString('\n'); line != "go\n" {
		fmt.Fprintf(os.Stderr, "child: got %q, want go\n", line)
		return 2
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for _, order := range raceOrders(n, 7) {
		wg.Go(func() {
			for _, i := range order {
				r := rec(time.Now(), "saved by the child", time.Hour)
				r.Version = 1
				_, err := s.Save(context.Background(), raceKey(i), r)
				mu.Lock()
				switch {
				case err == nil:
					fmt.Println(i, "ok")
				case errors.Is(err, store.ErrConflict):
					fmt.Println(i, "conflict")
				default:
					fmt.Fprintln(os.Stderr, "child:", err)
					failed = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed {
		return 1
	}
	fmt.Println("done")
	return 0
}

// For each of many records at version 1, another process saves version 1
// (twice, from two goroutines) while this one compare-and-deletes version 1
// (twice, from two goroutines), each goroutine in an order of its own, as
// fast as they can: for every record exactly one of the four succeeds, and the file agrees
// with the winner (the saved record at version 2, or no record). A delete
// on a stale view would drop the other process's acknowledged save.
func TestTwoProcessesCompareAndDeleteRacesSave(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 100
	}
	path := t.TempDir() + "/race.db"
	s := openAt(t, path, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	for i := range n {
		mustSave(t, s, raceKey(i), rec(time.Now(), "original", time.Hour))
	}
	c := startChild(t, "save-race", path, strconv.Itoa(n))
	c.expect(t, "ready")
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	// Two goroutines here too, in orders of their own: each key is
	// compare-and-deleted twice (the second always conflicts or finds
	// nothing) and saved twice by the child.
	deleted := make([]atomic.Int32, n)
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	for _, order := range raceOrders(n, 11) {
		wg.Go(func() {
			for _, i := range order {
				err := s.CompareAndDelete(ctx, raceKey(i), 1)
				switch {
				case err == nil:
					deleted[i].Add(1)
				case !errors.Is(err, store.ErrConflict):
					errc <- fmt.Errorf("CompareAndDelete(%s, 1): %w", raceKey(i), err)
					return
				}
			}
		})
	}
	testwait.Wait(t, &wg, 0, "the compare-and-deletes")
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	saved := make([]int, n)
	for {
		line, ok := <-c.linesWithin(t)
		if !ok {
			t.Fatal("the child exited before saying done")
		}
		if line == "done" {
			break
		}
		var i int
		var outcome string
		if _, err := fmt.Sscan(line, &i, &outcome); err != nil || i < 0 || i >= n {
			t.Fatalf("child: %q", line)
		}
		if outcome == "ok" {
			saved[i]++
		}
	}
	wins := map[string]int{}
	for i := range n {
		got, present := loaded(t, s, raceKey(i))
		d := int(deleted[i].Load())
		switch {
		case saved[i]+d != 1:
			t.Errorf("%s: %d saves and %d deletes of version 1 succeeded, want exactly one in all", raceKey(i), saved[i], d)
		case saved[i] == 1 && (!present || got.Version != 2 || string(got.Data) != "saved by the child"):
			t.Errorf("%s: the acknowledged save is not there: %+v %v", raceKey(i), got, present)
		case d == 1 && present:
			t.Errorf("%s: deleted, yet loads: %+v", raceKey(i), got)
		case saved[i] == 1:
			wins["save"]++
		default:
			wins["delete"]++
		}
	}
	t.Logf("winners: %v", wins)
}
