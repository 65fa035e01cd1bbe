package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/tagjson"
)

// RunModel checks server-side sessions (package serverside, through the
// real middleware) over stores made by newStore against a reference model
// of their guarantees, for the requests of one session:
//
//   - each committed request's changes are applied atomically, in commit
//     order (every read and every write is compared with the model);
//   - a request whose save succeeded is never lost;
//   - a session that ended (Destroy, Clear, emptied) never reappears under
//     any ID, and a record created after an end holds only what its own
//     request wrote after the end;
//   - Regenerate moves the data (merging writes that committed on the old
//     ID meanwhile) and the old ID then finds nothing;
//   - a request fails only with serverside.ErrSessionGone, and only when
//     the session ended or moved before it committed.
//
// Each round stores a session, then runs several requests on it carrying
// its cookie, each a random mix of Set, Delete, Pop, Clear, Regenerate,
// Destroy and reads. The "Scheduled" subtest wraps the store in a gate that
// lets one store operation run at a time, in an order drawn from the
// round's seed, so every interleaving of Load, Save, CompareAndDelete and
// Delete steps can come up; "FreeRunning" lets the requests race (run it
// under -race). A failing round prints its seed; set
// SESSIONKIT_MODEL_SEED to it to replay that round first. -short runs
// fewer rounds.
//
// newStore is called once per subtest; rounds use fresh session IDs, so
// the store need not be empty. Call it from the store's tests:
//
//	func TestModel(t *testing.T) { storetest.RunModel(t, newStore) }
func RunModel(t *testing.T, newStore func(t *testing.T) store.Store) {
	base := time.Now().UnixNano()
	if s := os.Getenv("SESSIONKIT_MODEL_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("SESSIONKIT_MODEL_SEED=%q: %v", s, err)
		}
		base = v
	}
	scheduled, free := 300, 60
	if testing.Short() {
		scheduled, free = 60, 15
	}
	t.Run("Scheduled", func(t *testing.T) {
		runModel(t, newStore(t), base, scheduled, true)
	})
	t.Run("FreeRunning", func(t *testing.T) {
		runModel(t, newStore(t), base, free, false)
	})
}

func runModel(t *testing.T, st store.Store, base int64, rounds int, scheduled bool) {
	t.Logf("seeds %d to %d (replay one with SESSIONKIT_MODEL_SEED)", base, base+int64(rounds)-1)
	var total stats
	for n := range rounds {
		seed := base + int64(n)
		problems := modelRound(t, st, seed, scheduled, &total)
		if len(problems) > 0 {
			t.Fatalf("round %d, seed %d (SESSIONKIT_MODEL_SEED=%d):\n%s", n, seed, seed, strings.Join(problems, "\n"))
		}
	}
	t.Logf("%d rounds: %d requests (%d on a moved or fresh session), %d store operations, %d conflicts, %d updates, %d moves, %d ends, %d fresh sessions, %d requests failed with ErrSessionGone",
		rounds, total.requests, total.followed, total.ops, total.conflicts, total.updates, total.moves, total.ends, total.fresh, total.gone)
}

// stats count what the rounds exercised.
type stats struct {
	requests, ops, conflicts, updates, moves, ends, fresh, gone int
	followed                                                    int // requests that opened a moved or fresh session
}

// stepTimeout bounds every wait of the model: for a request to reach its
// next store operation, for a granted operation, for a round to end.
const stepTimeout = 20 * time.Second

// modelOp is one thing a request's handler does to the session.
type modelOp struct {
	kind string // set, delete, pop, clear, regenerate, destroy, revoke (the subject's sessions), get
	key  string
	val  string
}

func (o modelOp) String() string {
	switch o.kind {
	case "set":
		return fmt.Sprintf("set %s=%s", o.key, o.val)
	case "delete", "pop", "get":
		return o.kind + " " + o.key
	}
	return o.kind
}

var modelKeys = []string{"a", "b", "c"}

func randomPlan(rng *rand.Rand, req, round int, revoke bool) []modelOp {
	var plan []modelOp
	for j := range 1 + rng.IntN(3) {
		k := modelKeys[rng.IntN(len(modelKeys))]
		switch p := rng.IntN(100); {
		case p < 38:
			plan = append(plan, modelOp{kind: "set", key: k, val: fmt.Sprintf("r%d.%d.%d", round, req, j)})
		case p < 50:
			plan = append(plan, modelOp{kind: "delete", key: k})
		case p < 62:
			plan = append(plan, modelOp{kind: "pop", key: k})
		case p < 69:
			plan = append(plan, modelOp{kind: "clear"})
		case p < 80:
			plan = append(plan, modelOp{kind: "regenerate"})
		case p < 86:
			plan = append(plan, modelOp{kind: "destroy"})
		case p < 91 && revoke:
			plan = append(plan, modelOp{kind: "revoke"})
		default:
			plan = append(plan, modelOp{kind: "get", key: k})
		}
	}
	return plan
}

// ---- the gate: a store wrapper that logs (and may schedule) every operation

type modelReqKey struct{}

// reqOf is the number of the model request ctx belongs to, or -1.
func reqOf(ctx context.Context) int {
	if n, ok := ctx.Value(modelReqKey{}).(int); ok {
		return n
	}
	return -1
}

// event is one store operation as it happened.
type event struct {
	req     int
	op      string // Load, Save, CompareAndDelete, Delete
	key     string
	found   bool // Load: a record came back
	values  map[string]any
	version uint64 // Save: the expected version
	err     error
}

// gate runs the operations of the model's requests one at a time (so the
// log is their linear order) and, when sched is set, only when the
// scheduler grants them.
type gate struct {
	inner store.Store
	sched *scheduler

	mu  sync.Mutex
	log []event
}

func decodeValues(data []byte) map[string]any {
	v, err := tagjson.Default.UnmarshalMap(data)
	if err != nil {
		return map[string]any{"!undecodable": err.Error()}
	}
	if v == nil {
		v = map[string]any{}
	}
	return v
}

func (g *gate) enter(ctx context.Context, op string) error {
	if g.sched == nil {
		return nil
	}
	if n := reqOf(ctx); n >= 0 {
		return g.sched.wait(n, op)
	}
	return nil
}

func (g *gate) record(e event) {
	g.log = append(g.log, e)
}

func (g *gate) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := g.enter(ctx, "Load"); err != nil {
		return store.Record{}, false, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	rec, ok, err := g.inner.Load(ctx, key)
	e := event{req: reqOf(ctx), op: "Load", key: key, found: ok, err: err}
	if ok {
		e.values = decodeValues(rec.Data)
	}
	g.record(e)
	return rec, ok, err
}

func (g *gate) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := g.enter(ctx, "Save"); err != nil {
		return 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	v, err := g.inner.Save(ctx, key, rec)
	g.record(event{req: reqOf(ctx), op: "Save", key: key, values: decodeValues(rec.Data), version: rec.Version, err: err})
	return v, err
}

func (g *gate) Delete(ctx context.Context, key string) error {
	if err := g.enter(ctx, "Delete"); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	err := g.inner.Delete(ctx, key)
	g.record(event{req: reqOf(ctx), op: "Delete", key: key, err: err})
	return err
}

func (g *gate) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := g.enter(ctx, "CompareAndDelete"); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	err := g.inner.CompareAndDelete(ctx, key, version)
	g.record(event{req: reqOf(ctx), op: "CompareAndDelete", key: key, version: version, err: err})
	return err
}

// subjectGate is a gate over a store.SubjectStore.
type subjectGate struct{ *gate }

func (g subjectGate) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	return g.inner.(store.SubjectStore).Sessions(ctx, subject)
}

func (g subjectGate) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := g.enter(ctx, "DeleteSubject"); err != nil {
		return 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n, err := g.inner.(store.SubjectStore).DeleteSubject(ctx, subject, keep)
	g.record(event{req: reqOf(ctx), op: "DeleteSubject", key: subject, err: err})
	return n, err
}

// ---- the scheduler: one granted store operation at a time

var errAborted = errors.New("storetest: model round aborted")

type ticket struct {
	req   int
	op    string
	grant chan struct{}
}

type scheduler struct {
	arrive chan *ticket
	spawn  chan int
	done   chan int
	abort  chan struct{}
	rng    *rand.Rand
	trace  []string
}

func newScheduler(rng *rand.Rand) *scheduler {
	return &scheduler{arrive: make(chan *ticket), spawn: make(chan int), done: make(chan int), abort: make(chan struct{}), rng: rng}
}

// wait blocks request req at a store operation until it is granted.
func (s *scheduler) wait(req int, op string) error {
	tk := &ticket{req: req, op: op, grant: make(chan struct{})}
	select {
	case s.arrive <- tk:
	case <-s.abort:
		return errAborted
	case <-time.After(stepTimeout):
		return fmt.Errorf("storetest: request %d: the scheduler never took its %s", req, op)
	}
	select {
	case <-tk.grant:
		return nil
	case <-s.abort:
		return errAborted
	case <-time.After(stepTimeout):
		return fmt.Errorf("storetest: request %d: its %s was never granted", req, op)
	}
}

// started tells the scheduler a running request started request req.
func (s *scheduler) started(req int) {
	select {
	case s.spawn <- req:
	case <-s.abort:
	case <-time.After(stepTimeout):
	}
}

// finished tells the scheduler request req is over.
func (s *scheduler) finished(req int) {
	select {
	case s.done <- req:
	case <-s.abort:
	case <-time.After(stepTimeout):
	}
}

// run waits until every one of the n requests started at once (and those
// they start) is blocked at a store operation or finished, grants one of
// the blocked operations at random, and repeats until all have finished.
func (s *scheduler) run(n int) error {
	running := n
	var waiting []*ticket
	for {
		for running > 0 {
			select {
			case tk := <-s.arrive:
				waiting = append(waiting, tk)
				running--
			case <-s.spawn:
				running++
			case <-s.done:
				running--
			case <-time.After(stepTimeout):
				return fmt.Errorf("no progress for %v (%d requests running)", stepTimeout, running)
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		slices.SortFunc(waiting, func(a, b *ticket) int { return a.req - b.req })
		k := s.rng.IntN(len(waiting))
		tk := waiting[k]
		waiting = slices.Delete(waiting, k, k+1)
		s.trace = append(s.trace, fmt.Sprintf("r%d:%s", tk.req, tk.op))
		running++
		close(tk.grant)
	}
}

// ---- one round

type result struct {
	sent     string // the cookie the request carried ("" for none)
	late     int    // the request whose response it waited for, or -1
	opened   bool
	snapshot map[string]any
	code     int
	err      error
	cookie   string // value of the session cookie the response sets
	setsOne  bool   // the response sets the session cookie
	deletes  bool   // the response deletes it
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func storeKeyOf(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func modelRound(t *testing.T, inner store.Store, seed int64, scheduled bool, total *stats) []string {
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)>>32^0x5e55))
	g := &gate{inner: inner}
	var gated store.Store = g
	_, subjects := inner.(store.SubjectStore)
	if subjects {
		gated = subjectGate{g}
	}
	iface, err := serverside.New(serverside.Options{Store: gated})
	if err != nil {
		return []string{err.Error()}
	}
	n := 2 + rng.IntN(3)
	if !scheduled {
		n = 6 + rng.IntN(5)
	}
	plans := make([][]modelOp, n)
	for i := range plans {
		plans[i] = randomPlan(rng, i, int(seed%1000), subjects)
	}
	results := make([]result, n)
	// Free-running rounds make a random subset of the requests read before
	// any of them writes, so that their saves overlap.
	joins := make([]bool, n)
	var opened sync.WaitGroup
	allOpened := make(chan struct{})
	if !scheduled {
		for k := range joins {
			joins[k] = rng.IntN(3) > 0
			if joins[k] {
				opened.Add(1)
			}
		}
		go func() { opened.Wait(); close(allOpened) }()
	}
	initial := map[string]any{}
	for _, k := range modelKeys {
		if rng.IntN(3) > 0 {
			initial[k] = "init-" + k
		}
	}
	if len(initial) == 0 {
		initial["a"] = "init-a"
	}
	subject, user := "", fmt.Sprintf("user-%d", seed) // a subject of this round only
	if rng.IntN(2) == 0 {
		subject = user
	}
	m, err := session.New(session.Config{Interface: iface, Logger: discardLogger(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if k := reqOf(r.Context()); k >= 0 {
				results[k].err = err
			}
			http.Error(w, "session error", http.StatusInternalServerError)
		}})
	if err != nil {
		return []string{err.Error()}
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := reqOf(r.Context())
		s := session.From(r)
		if k < 0 { // setup
			_ = s.Update(maps.Clone(initial))
			if subject != "" {
				_ = s.SetSubject(subject)
			}
			return
		}
		results[k].opened = !s.IsNew()
		results[k].snapshot = s.Values()
		if joins[k] { // hold the writes of these requests until all have read
			opened.Done()
			select {
			case <-allOpened:
			case <-time.After(stepTimeout):
				results[k].err = errors.New("storetest: the barrier never opened")
			}
		}
		for _, o := range plans[k] {
			switch o.kind {
			case "set":
				_ = s.Set(o.key, o.val)
			case "delete":
				_ = s.Delete(o.key)
			case "pop":
				_, _, _ = s.Pop(o.key)
			case "clear":
				_ = s.Clear()
			case "regenerate":
				_ = s.Renew()
			case "destroy":
				_ = s.Destroy()
			case "revoke":
				_ = m.Revoke(r.Context(), user, nil)
			case "get":
				s.Get(o.key)
			}
		}
	}))
	do := func(ctx context.Context, cookie string) *http.Response {
		r := httptest.NewRequestWithContext(ctx, "GET", "/", nil)
		if cookie != "" {
			r.Header.Set("Cookie", "session="+cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	setup := do(context.Background(), "")
	var id0 string
	for _, c := range setup.Cookies() {
		if c.Name == "session" {
			id0 = c.Value
		}
	}
	if setup.StatusCode != 200 || id0 == "" {
		return []string{fmt.Sprintf("setup: status %d, cookie %q", setup.StatusCode, id0)}
	}
	g.mu.Lock()
	g.log = nil
	g.mu.Unlock()

	var sched *scheduler
	if scheduled {
		sched = newScheduler(rng)
		g.sched = sched
	}
	// Some requests start only when an earlier one has answered, with the
	// cookie a browser would then hold (the last one set, in answer order).
	var jarMu sync.Mutex
	jar := id0
	immediate := 0
	for k := range results {
		results[k].late = -1
		if k > 0 && !joins[k] && rng.IntN(3) == 0 {
			results[k].late = rng.IntN(k)
		} else {
			immediate++
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	var run func(k int)
	run = func(k int) {
		defer wg.Done()
		jarMu.Lock()
		cookie := jar
		jarMu.Unlock()
		results[k].sent = cookie
		res := do(context.WithValue(context.Background(), modelReqKey{}, k), cookie)
		results[k].code = res.StatusCode
		for _, c := range res.Cookies() {
			if c.Name == "session" {
				results[k].setsOne = true
				results[k].cookie = c.Value
				results[k].deletes = c.MaxAge < 0 || c.Value == ""
				jarMu.Lock()
				jar = c.Value
				if results[k].deletes {
					jar = ""
				}
				jarMu.Unlock()
			}
		}
		for j := range results {
			if results[j].late == k {
				wg.Add(1)
				if sched != nil {
					sched.started(j)
				}
				go run(j)
			}
		}
		if sched != nil {
			sched.finished(k)
		}
	}
	for k := range n {
		if results[k].late >= 0 {
			continue
		}
		wg.Add(1)
		go func() {
			if sched == nil {
				select {
				case <-start:
				case <-time.After(stepTimeout):
					results[k].err = errors.New("never started")
					wg.Done()
					return
				}
			}
			run(k)
		}()
	}
	var problems []string
	if sched != nil {
		if err := sched.run(immediate); err != nil {
			problems = append(problems, "scheduler: "+err.Error())
			close(sched.abort)
		}
	} else {
		close(start)
	}
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(stepTimeout):
		return append(problems, "the requests did not finish")
	}
	g.mu.Lock()
	log := slices.Clone(g.log)
	g.mu.Unlock()
	problems = append(problems, check(inner, storeKeyOf(id0), initial, subject != "", plans, results, log, total)...)
	if len(problems) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "initial %v, subject %q\n", initial, subject)
		for k := range plans {
			fmt.Fprintf(&b, "request %d (after %d, cookie %.6s): %v → opened %v, status %d, err %v, cookie set %.6s deleted %v\n",
				k, results[k].late, results[k].sent, plans[k], results[k].opened, results[k].code, results[k].err, results[k].cookie, results[k].deletes)
		}
		if sched != nil {
			fmt.Fprintf(&b, "schedule: %s\n", strings.Join(sched.trace, " "))
		}
		for _, e := range log {
			fmt.Fprintf(&b, "  r%d %s %.8s v%d found=%v %v err=%v\n", e.req, e.op, e.key, e.version, e.found, e.values, e.err)
		}
		problems = append(problems, b.String())
	}
	return problems
}

// ---- the reference model

// intent is what a request means to do, derived from its plan and the
// values it read, independently of the code under test.
type intent struct {
	opened   bool
	modified bool
	ended    bool // Clear or Destroy: the session it opened ends
	destroy  bool // ... unconditionally
	revoke   bool // ... by revoking its subject
	regen    bool
	set      map[string]any // changes, when not ended
	deleted  map[string]bool
	final    map[string]any // the values at the end of the handler
}

func intentOf(plan []modelOp, res result, withSubject bool) *intent {
	in := &intent{opened: res.opened, set: map[string]any{}, deleted: map[string]bool{}, final: map[string]any{}}
	if res.opened {
		maps.Copy(in.final, res.snapshot)
	}
	for _, o := range plan {
		switch o.kind {
		case "set":
			in.final[o.key] = o.val
			in.set[o.key] = o.val
			delete(in.deleted, o.key)
			in.modified = true
		case "delete", "pop":
			if _, ok := in.final[o.key]; ok {
				delete(in.final, o.key)
				delete(in.set, o.key)
				in.deleted[o.key] = true
				in.modified = true
			}
		case "revoke":
			// Revoking the subject ends the request's own session, if it
			// has the subject and was not ended already.
			if in.opened && withSubject && !in.ended {
				in.final = map[string]any{}
				in.set, in.deleted = map[string]any{}, map[string]bool{}
				in.modified, in.ended, in.destroy, in.revoke = true, true, true, true
			}
		case "clear", "destroy":
			in.final = map[string]any{}
			in.set, in.deleted = map[string]any{}, map[string]bool{}
			in.modified = true
			if in.opened {
				in.ended = true
				in.destroy = in.destroy || o.kind == "destroy"
			}
		case "regenerate":
			in.regen, in.modified = true, true
		}
	}
	return in
}

// apply is the request's changes applied to values.
func (in *intent) apply(values map[string]any) map[string]any {
	out := maps.Clone(values)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, in.set)
	for k := range in.deleted {
		delete(out, k)
	}
	return out
}

// observed is what the log shows a request did.
type observed struct {
	opened    *lineage // the session it opened; nil for a fresh one
	openedKey string
	in        *intent
	committed bool
	staging   string // the new record of a regeneration, until it moves
	staged    map[string]any
	movedTo   string
	fresh     string // the record of a fresh session it created
	discarded []string
}

// lineage is one session as the model sees it, across its IDs.
type lineage struct {
	cur     string // the store key of its current ID
	values  map[string]any
	alive   bool
	subject bool // it has the round's subject
}

func equalValues(a, b map[string]any) bool {
	return maps.EqualFunc(a, b, func(x, y any) bool { return fmt.Sprint(x) == fmt.Sprint(y) })
}

// check replays the log against the model and then checks every response
// and the store's final contents.
func check(inner store.Store, k0 string, initial map[string]any, withSubject bool, plans [][]modelOp, results []result, log []event, total *stats) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	first := &lineage{cur: k0, values: maps.Clone(initial), alive: true, subject: withSubject}
	lineages := []*lineage{first}
	owner := map[string]*lineage{k0: first} // every key a session ever had
	dead := map[string]bool{}
	obs := make([]*observed, len(plans))
	for k := range plans {
		obs[k] = &observed{}
	}
	// intentOf k, once the session it opened (if any) is known.
	intent := func(k int) *intent {
		ob := obs[k]
		if ob.in == nil {
			ob.in = intentOf(plans[k], results[k], ob.opened != nil && ob.opened.subject)
		}
		return ob.in
	}
	end := func(l *lineage) { l.alive, dead[l.cur] = false, true; total.ends++ }
	loaded := make([]bool, len(plans))
	for i, e := range log {
		if e.req < 0 {
			continue
		}
		ob := obs[e.req]
		where := fmt.Sprintf("step %d (r%d %s)", i, e.req, e.op)
		total.ops++
		if e.err != nil {
			if !errors.Is(e.err, store.ErrConflict) {
				bad("%s: store error %v", where, e.err)
			}
			total.conflicts++
			continue
		}
		l := owner[e.key]
		live := l != nil && e.key == l.cur && l.alive
		if e.op == "Load" && !loaded[e.req] { // its Open
			loaded[e.req] = true
			if results[e.req].opened {
				if !live {
					bad("%s: opened a record the model does not hold live", where)
				} else {
					ob.opened, ob.openedKey = l, e.key
					if e.key != k0 {
						total.followed++
					}
				}
			}
		}
		if e.op != "Load" && e.op != "DeleteSubject" && !loaded[e.req] {
			loaded[e.req] = true // a request without a cookie: fresh
		}
		in := intent(e.req)
		switch e.op {
		case "Load":
			switch {
			case live && !e.found:
				bad("%s: the live session was not found", where)
			case live && !equalValues(e.values, l.values):
				bad("%s: read %v, the model holds %v", where, e.values, l.values)
			case dead[e.key] && e.found:
				bad("%s: an ended or moved ID found a record %v", where, e.values)
			}
		case "Save":
			switch {
			case live && l == ob.opened:
				want := in.apply(l.values)
				switch {
				case in.ended || in.regen:
					bad("%s: a request that does not update its session saved it", where)
				case !equalValues(e.values, want):
					bad("%s: committed %v, the model wants %v (its changes on %v)", where, e.values, want, l.values)
				}
				l.values, ob.committed = e.values, true
				total.updates++
			case live:
				bad("%s: saved a session it did not open", where)
			case dead[e.key]:
				bad("%s: a save brought back an ended session's ID with %v", where, e.values)
			case e.key == ob.staging:
				ob.staged = e.values
			case e.version == 0 && l == nil:
				if ob.opened != nil && in.regen && !in.ended && ob.staging == "" && ob.movedTo == "" {
					ob.staging, ob.staged = e.key, e.values
					break
				}
				if ob.opened != nil && !in.ended {
					bad("%s: a request that neither regenerated nor ended its session created a record", where)
				}
				if ob.fresh != "" {
					bad("%s: a second fresh record", where)
				}
				if !equalValues(e.values, in.final) {
					bad("%s: a fresh session holds %v, but its request wrote only %v", where, e.values, in.final)
				}
				ob.fresh = e.key
				nl := &lineage{cur: e.key, values: e.values, alive: true}
				lineages = append(lineages, nl)
				owner[e.key] = nl
				total.fresh++
			default:
				bad("%s: unexpected save of %v", where, e.values)
			}
		case "CompareAndDelete", "Delete":
			switch {
			case live && l != ob.opened:
				bad("%s: deleted a session it did not open", where)
				end(l)
			case live:
				switch {
				case in.ended: // Clear, Destroy, revocation
					end(l)
					ob.committed = true
				case in.regen && ob.staging != "":
					want := in.apply(l.values)
					if !equalValues(ob.staged, want) {
						bad("%s: regenerate moved %v, the model wants %v (its changes on %v)", where, ob.staged, want, l.values)
					}
					dead[l.cur] = true
					l.cur, l.values = ob.staging, ob.staged
					owner[ob.staging] = l
					ob.movedTo, ob.staging, ob.committed = ob.staging, "", true
					total.moves++
				default:
					if want := in.apply(l.values); len(want) != 0 {
						bad("%s: deleted the session, which still holds %v after this request's changes (others' acknowledged writes lost)", where, want)
					}
					end(l)
					ob.committed = true
				}
			case e.key == ob.staging:
				ob.discarded = append(ob.discarded, ob.staging)
				ob.staging = ""
			}
		case "DeleteSubject":
			// Every record of the subject goes: its sessions, wherever they
			// moved, and the new records of their regenerations in progress.
			for _, l := range lineages {
				if l.subject && l.alive {
					end(l)
					if l == ob.opened && in.revoke {
						ob.committed = true
					}
				}
			}
			for _, o := range obs {
				if o.staging != "" && o.opened != nil && o.opened.subject {
					o.discarded = append(o.discarded, o.staging)
					o.staging = ""
				}
			}
		}
	}
	total.requests += len(plans)
	for k, ob := range obs {
		res, in := results[k], intent(k)
		if errors.Is(res.err, serverside.ErrSessionGone) {
			total.gone++
		}
		who := fmt.Sprintf("request %d", k)
		var cookieKey string
		if res.setsOne && !res.deletes {
			cookieKey = storeKeyOf(res.cookie)
		}
		if res.opened && ob.opened == nil {
			bad("%s: opened a session the model never saw it load", who)
			continue
		}
		switch res.code {
		case http.StatusOK:
			switch {
			case ob.opened == nil || in.ended:
				if len(in.final) > 0 {
					if ob.fresh == "" || cookieKey != ob.fresh {
						bad("%s: wrote %v into a fresh session, but the response cookie does not name its record", who, in.final)
					}
				} else if cookieKey != "" {
					bad("%s: an empty fresh session got a cookie", who)
				}
				if in.ended && len(in.final) == 0 && !res.deletes {
					bad("%s: ended its session without clearing the cookie", who)
				}
			case !in.modified:
				if res.setsOne {
					bad("%s: a read-only request set a cookie", who)
				}
			case !ob.committed:
				// Success without a commit: only for a request that only
				// removes keys, from a session another request ended or moved.
				if !dead[ob.openedKey] || len(in.set) != 0 {
					bad("%s: succeeded but its changes were never committed", who)
				}
				if !res.deletes {
					bad("%s: emptied its session without clearing the cookie", who)
				}
			case ob.movedTo != "":
				if cookieKey != ob.movedTo {
					bad("%s: regenerated, but the cookie does not name the new record", who)
				}
			case cookieKey == "" && !res.deletes:
				bad("%s: committed but set no cookie", who)
			case cookieKey != "" && cookieKey != ob.openedKey:
				bad("%s: an update changed the ID", who)
			}
		case http.StatusInternalServerError:
			if !errors.Is(res.err, serverside.ErrSessionGone) {
				bad("%s: failed with %v (only ErrSessionGone is acceptable)", who, res.err)
			}
			if ob.committed {
				bad("%s: failed after committing", who)
			}
			if ob.opened == nil || !dead[ob.openedKey] {
				bad("%s: failed with ErrSessionGone though its session never ended", who)
			}
			if res.setsOne {
				bad("%s: a failed request set a cookie", who)
			}
		default:
			bad("%s: status %d (%v)", who, res.code, res.err)
		}
	}
	ctx := context.Background()
	load := func(key string) (map[string]any, bool) {
		rec, ok, err := inner.Load(ctx, key)
		if err != nil {
			bad("final Load: %v", err)
		}
		if !ok {
			return nil, false
		}
		return decodeValues(rec.Data), true
	}
	for _, l := range lineages {
		if !l.alive {
			continue
		}
		if got, ok := load(l.cur); !ok || !equalValues(got, l.values) {
			bad("final: a session holds %v (found %v), the model %v", got, ok, l.values)
		}
	}
	for key := range dead {
		if got, ok := load(key); ok {
			bad("final: an ended or moved ID still has a record %v", got)
		}
	}
	for k, ob := range obs {
		for _, key := range append(ob.discarded, ob.staging) {
			if key == "" {
				continue
			}
			if got, ok := load(key); ok {
				bad("final: request %d left an unused new record %v", k, got)
			}
		}
	}
	return problems
}
