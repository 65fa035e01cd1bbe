package bench

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// The LostUpdate workload: lostUpdateG goroutines each send lostUpdateM
// requests, one after another, all on ONE session. Request j of goroutine i
// writes its own key "g<i>-<j>" = 1, then the handler sleeps
// lostUpdateDelay between load and save, so that requests overlap as slow
// handlers do. No two requests write the same key, so a store that merged
// concurrent writes would keep all lostUpdateG×lostUpdateM keys; every key
// missing at the end is a write that returned 200 and was lost.
const (
	lostUpdateG     = 8
	lostUpdateM     = 25
	lostUpdateDelay = time.Millisecond
)

// lostUpdateResult is one run of the workload.
type lostUpdateResult struct {
	requests int // requests answered 200
	kept     int // keys g<i>-<j> present at the end
}

func (r lostUpdateResult) lost() int { return lostUpdateG*lostUpdateM - r.kept }

// lostUpdateSCS runs the workload against scs v2 with its default memstore
// through LoadAndSave, the way scs's README shows. scs loads the whole
// session when the request starts and, if it was modified, writes the whole
// session back when the handler returns: the last save wins.
func lostUpdateSCS(tb testing.TB) lostUpdateResult {
	sm := scs.New()
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := r.URL.Query().Get("k"); k != "" {
			sm.Put(r.Context(), k, 1)
			time.Sleep(lostUpdateDelay)
		}
		if r.URL.Query().Has("count") {
			n := 0
			for _, k := range sm.Keys(r.Context()) {
				if strings.HasPrefix(k, "g") {
					n++
				}
			}
			fmt.Fprint(w, n)
		}
	}))
	seed := serve(sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user_id", 42)
	})), "/", "")
	return runLostUpdate(tb, "scs", h, responseCookie(seed))
}

// runLostUpdate drives the workload through h on the session whose cookie
// is given, then counts the keys kept with a final "?count" request.
func runLostUpdate(tb testing.TB, impl string, h http.Handler, cookie string) lostUpdateResult {
	if cookie == "" {
		tb.Fatalf("%s: the seed request set no cookie", impl)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range lostUpdateG {
		wg.Go(func() {
			for j := range lostUpdateM {
				w := serve(h, fmt.Sprintf("/?k=g%d-%d", i, j), cookie)
				if w.Code == http.StatusOK {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		tb.Fatal("the overlapping requests did not finish in 2 minutes")
	}

	w := serve(h, "/?count", cookie)
	var kept int
	if _, err := fmt.Sscan(w.Body.String(), &kept); err != nil {
		tb.Fatalf("%s: counting keys: %v (body %q)", impl, err, w.Body)
	}
	return lostUpdateResult{requests: ok, kept: kept}
}

// lostUpdateSessionkit runs the same workload against sessionkit's
// server-side sessions over memstore: each request's changes are merged
// key by key into the stored record with a compare-and-swap.
func lostUpdateSessionkit(tb testing.TB) lostUpdateResult {
	iface, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{}), MaxRetries: 1000})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := session.New(session.Config{Interface: iface})
	if err != nil {
		tb.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if k := r.URL.Query().Get("k"); k != "" {
			_ = s.Set(k, 1)
			time.Sleep(lostUpdateDelay)
		}
		if r.URL.Query().Has("count") {
			n := 0
			for k := range s.Values() {
				if strings.HasPrefix(k, "g") {
					n++
				}
			}
			fmt.Fprint(w, n)
		}
	}))
	seed := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user_id", 42)
	})), "/", "")
	return runLostUpdate(tb, "sessionkit", h, responseCookie(seed))
}

// TestLostUpdateSessionkit: sessionkit must lose nothing.
func TestLostUpdateSessionkit(t *testing.T) {
	res := lostUpdateSessionkit(t)
	if res.requests != lostUpdateG*lostUpdateM || res.lost() != 0 {
		t.Fatalf("%d of %d requests answered 200, %d writes lost", res.requests, lostUpdateG*lostUpdateM, res.lost())
	}
}

// TestLostUpdateSCS measures a peer, so it asserts only that the workload ran
// (every request answered 200, the count is in range) and logs how many
// writes scs lost. It is not a pass/fail judgement on scs.
func TestLostUpdateSCS(t *testing.T) {
	res := lostUpdateSCS(t)
	if res.requests != lostUpdateG*lostUpdateM {
		t.Fatalf("%d of %d requests answered 200", res.requests, lostUpdateG*lostUpdateM)
	}
	if res.kept < 1 || res.kept > lostUpdateG*lostUpdateM {
		t.Fatalf("%d keys kept, want 1..%d", res.kept, lostUpdateG*lostUpdateM)
	}
	t.Logf("scs v2.9.0 memstore: %d×%d writes of distinct keys to one session, %d kept, %d lost (%.0f%%)",
		lostUpdateG, lostUpdateM, res.kept, res.lost(), 100*float64(res.lost())/(lostUpdateG*lostUpdateM))
}

// BenchmarkLostUpdate runs the workload once per iteration and reports the
// mean number of lost writes out of lostUpdateG×lostUpdateM ("lost/op") and
// as a percentage ("lost-%"). Its time per op is the workload's wall time,
// dominated by the artificial delay; it is not a speed figure.
func BenchmarkLostUpdate(b *testing.B) {
	b.Run("sessionkit", func(b *testing.B) {
		lost := 0
		for b.Loop() {
			lost += lostUpdateSessionkit(b).lost()
		}
		mean := float64(lost) / float64(b.N)
		b.ReportMetric(mean, "lost/op")
		b.ReportMetric(100*mean/(lostUpdateG*lostUpdateM), "lost-%")
	})
	b.Run("scs", func(b *testing.B) {
		lost := 0
		for b.Loop() {
			lost += lostUpdateSCS(b).lost()
		}
		mean := float64(lost) / float64(b.N)
		b.ReportMetric(mean, "lost/op")
		b.ReportMetric(100*mean/(lostUpdateG*lostUpdateM), "lost-%")
	})
}
