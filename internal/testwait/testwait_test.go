package testwait

import (
	"sync"
	"testing"
	"time"
)

// fakeT records Fatalf instead of stopping the goroutine of a real test.
type fakeT struct {
	testing.TB
	failed string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = format
}

func TestRecv(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if got := Recv(t, ch, time.Second, "a value"); got != 7 {
		t.Fatalf("Recv = %d, want 7", got)
	}
	f := &fakeT{}
	start := time.Now()
	Recv(f, make(chan int), 20*time.Millisecond, "nothing")
	if f.failed == "" {
		t.Fatal("Recv on a silent channel did not fail")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Recv did not stop at its deadline")
	}
}

func TestWait(t *testing.T) {
	var wg sync.WaitGroup
	wg.Go(func() {})
	Wait(t, &wg, time.Second, "a finished group")

	var stuck sync.WaitGroup
	stuck.Add(1)
	defer stuck.Done()
	f := &fakeT{}
	Wait(f, &stuck, 20*time.Millisecond, "a stuck group")
	if f.failed == "" {
		t.Fatal("Wait on a stuck group did not fail")
	}
}

func TestClientHasATimeout(t *testing.T) {
	if Client().Timeout <= 0 {
		t.Fatal("the test client can wait forever")
	}
}
