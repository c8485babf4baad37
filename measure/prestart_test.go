package measure

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/stats"
)

// procs stands for the worker processes of a measurement: every start,
// hello, open, run, close, exit and kill goes to one log, in the order it
// happened, and live counts the processes started and not yet gone.
type procs struct {
	mu     sync.Mutex
	log    []string
	n      int
	live   int
	failAt string // an instance whose Close fails
	// cancelAt, when a measured run of this instance begins, cancels
	// cancel (the run then returns the context's error).
	cancelAt string
	cancel   context.CancelFunc
}

func (ps *procs) add(format string, a ...any) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.log = append(ps.log, fmt.Sprintf(format, a...))
}

func (ps *procs) events() []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]string(nil), ps.log...)
}

// begin starts a process of name: the id it gets.
func (ps *procs) begin(name string) string {
	ps.mu.Lock()
	ps.n++
	ps.live++
	id := fmt.Sprintf("%s#%d", name, ps.n)
	ps.log = append(ps.log, "start "+id)
	ps.mu.Unlock()
	return id
}

// gone ends a process.
func (ps *procs) gone(what, id string) {
	ps.mu.Lock()
	ps.live--
	ps.log = append(ps.log, what+" "+id)
	ps.mu.Unlock()
}

// spawner is a side whose every Open is a process (a worker.Target with
// Spares): a process started ahead says hello a little later, as a real
// one does, and exits a little after it is asked to close.
type spawner struct {
	name   string
	ps     *procs
	spares *[]*fakeSpare
}

func newSpawner(name string, ps *procs) spawner {
	return spawner{name: name, ps: ps, spares: new([]*fakeSpare)}
}

func (s spawner) String() string { return s.name }

// startup is how long a fake process takes to say hello, and to exit.
const startup = 2 * time.Millisecond

func (s spawner) Prestart(context.Context) Spare {
	sp := &fakeSpare{id: s.ps.begin(s.name), ps: s.ps, hello: make(chan struct{})}
	s.ps.mu.Lock()
	*s.spares = append(*s.spares, sp)
	s.ps.mu.Unlock()
	go func() {
		time.Sleep(startup)
		s.ps.add("hello %s", sp.id)
		close(sp.hello)
	}()
	return sp
}

func (s spawner) Open(ctx context.Context) (Instance, error) {
	s.ps.mu.Lock()
	var sp *fakeSpare
	if len(*s.spares) > 0 {
		sp, *s.spares = (*s.spares)[0], (*s.spares)[1:]
		sp.taken = true
	}
	s.ps.mu.Unlock()
	var id string
	if sp != nil {
		<-sp.hello
		id = sp.id
	} else {
		id = s.ps.begin(s.name)
		s.ps.add("hello %s", id)
	}
	s.ps.add("open %s", id)
	return &spawned{id: id, ps: s.ps}, nil
}

type fakeSpare struct {
	id    string
	ps    *procs
	hello chan struct{}
	taken bool // guarded by ps.mu
}

func (sp *fakeSpare) Ready() error { <-sp.hello; return nil }

func (sp *fakeSpare) Discard() {
	sp.ps.mu.Lock()
	mine := !sp.taken
	sp.taken = true
	sp.ps.mu.Unlock()
	if mine {
		<-sp.hello
		sp.ps.gone("kill", sp.id)
	}
}

type spawned struct {
	id string
	ps *procs
}

func (i *spawned) Run(ctx context.Context, n int) (map[string]float64, error) {
	i.ps.add("begin %s %d", i.id, n)
	i.ps.mu.Lock()
	cancel := i.ps.cancelAt == i.id && n > 1
	i.ps.mu.Unlock()
	if cancel {
		i.ps.cancel()
	}
	i.ps.add("end %s %d", i.id, n)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name, _, _ := strings.Cut(i.id, "#")
	return map[string]float64{NsPerOp: float64(len(name)), "units/op": float64(n)}, nil
}

func (i *spawned) Profile(context.Context, profiling.Kind, int) (*profile.Profile, error) {
	return nil, errors.New("not asked")
}

func (i *spawned) Close() error { return i.CloseAsync()() }

func (i *spawned) CloseAsync() func() error {
	i.ps.add("close %s", i.id)
	done := make(chan error, 1)
	go func() {
		time.Sleep(startup)
		i.ps.gone("exit", i.id)
		var err error
		if i.ps.failAt == i.id {
			err = fmt.Errorf("%s: close: broken pipe", i.id)
		}
		done <- err
	}()
	return sync.OnceValue(func() error { return <-done })
}

// measuredQuiet checks the rule the pacing keeps: from the start of a
// measured run (n ops) to its end, no process starts, says hello, exits
// or is killed, and when it starts none is starting or exiting.
func measuredQuiet(events []string, n int) error {
	starting, exiting := map[string]bool{}, map[string]bool{}
	in := ""
	for k, e := range events {
		verb, id, _ := strings.Cut(e, " ")
		id, _, _ = strings.Cut(id, " ")
		switch verb {
		case "start":
			starting[id] = true
		case "hello":
			delete(starting, id)
		case "close":
			exiting[id] = true
		case "exit", "kill":
			delete(exiting, id)
		}
		measured := strings.HasSuffix(e, fmt.Sprintf(" %d", n))
		switch {
		case verb == "begin" && measured:
			if len(starting)+len(exiting) > 0 {
				return fmt.Errorf("event %d %q: processes starting %v, exiting %v", k, e, starting, exiting)
			}
			in = id
		case verb == "end" && measured:
			in = ""
		case in != "" && verb != "begin" && verb != "end":
			return fmt.Errorf("event %d %q during the measured run of %s", k, e, in)
		}
	}
	return nil
}

// deterministic keeps the events whose order the engine fixes (the
// hellos and exits of processes in the background fall where they may).
func deterministic(events []string) string {
	var keep []string
	for _, e := range events {
		if verb, _, _ := strings.Cut(e, " "); verb != "hello" && verb != "exit" {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, "|")
}

// TestPrestartPacesRounds: while a side opens and warms up, the process of
// the side that runs next starts; its Open takes that process; closes run
// in the background; and nothing starts, exits or is waited for during a
// measured run.
func TestPrestartPacesRounds(t *testing.T) {
	ps := &procs{}
	p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, newSpawner("base", ps), newSpawner("head", ps))
	res, err := p.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{N: 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	events := ps.events()
	// Round 1 runs base then head, round 2 head then base (ABBA). The
	// first base has no process ready: its Open starts one while head#1,
	// for the next side, starts ahead. Each later side takes the process
	// started during the side before it; the last side starts none.
	want := "start head#1|start base#2|open base#2|begin base#2 1|end base#2 1|begin base#2 10|end base#2 10|close base#2|" +
		"start head#3|open head#1|begin head#1 1|end head#1 1|begin head#1 10|end head#1 10|close head#1|" +
		"start base#4|open head#3|begin head#3 1|end head#3 1|begin head#3 10|end head#3 10|close head#3|" +
		"open base#4|begin base#4 1|end base#4 1|begin base#4 10|end base#4 10|close base#4"
	if got := deterministic(events); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
	if err := measuredQuiet(events, 10); err != nil {
		t.Errorf("%v\nin %s", err, strings.Join(events, "|"))
	}
	if ps.live != 0 {
		t.Errorf("%d processes outlive Measure: %s", ps.live, strings.Join(events, "|"))
	}

	// The same targets without prestarting or background closes measure
	// the same samples.
	plain := &procs{}
	q := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, syncSide{newSpawner("base", plain)}, syncSide{newSpawner("head", plain)})
	want2, err := q.Measure(context.Background(), Settings{Rounds: 2, Benchtime: Benchtime{N: 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Samples, want2.Samples) {
		t.Errorf("samples\n%v\nwant\n%v", res.Samples, want2.Samples)
	}
	if strings.Contains(deterministic(plain.events()), "start head#1|start base#2") {
		t.Errorf("a side that cannot prestart was prestarted: %s", deterministic(plain.events()))
	}
}

// syncSide hides a spawner's Prestart, and its instances' CloseAsync.
type syncSide struct{ s spawner }

func (s syncSide) String() string { return s.s.String() }

func (s syncSide) Open(ctx context.Context) (Instance, error) {
	inst, err := s.s.Open(ctx)
	return struct{ Instance }{inst}, err
}

// TestPrestartEndsWithMeasure: whatever ends the rounds — a look that
// decides, a budget, a cancelled context, a close that failed — every
// process prestarted and not used is killed and every close has ended when
// Measure returns, and a close's error is Measure's.
func TestPrestartEndsWithMeasure(t *testing.T) {
	tests := []struct {
		name     string
		rounds   int
		decided  bool
		budget   bool
		cancelAt string
		failAt   string
		err      string
		used     int // round pairs
		kills    int
	}{
		{name: "full", rounds: 6, used: 6},
		{name: "decided at the first look", rounds: 20, decided: true, used: 10, kills: 1},
		{name: "budget after one block", rounds: 20, budget: true, used: 2, kills: 1},
		{name: "cancelled in a measured run", rounds: 6, cancelAt: "base#5", err: context.Canceled.Error(), kills: 1},
		{name: "a close fails", rounds: 6, failAt: "base#4", err: "base#4: close: broken pipe", kills: 1},
		{name: "the last close fails", rounds: 2, failAt: "base#4", err: "close a round's instance: base#4: close: broken pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ps := &procs{cancelAt: tt.cancelAt, cancel: cancel, failAt: tt.failAt}
			s := Settings{Rounds: tt.rounds, Benchtime: Benchtime{N: 10}}
			if tt.decided {
				s.Decided = func(*Result) bool { return true }
			}
			if tt.budget {
				start := time.Unix(0, 0)
				s.Deadline = start.Add(time.Hour)
				s.Now = func() time.Time { // the budget ends with the first block's 4 closes
					if strings.Count(strings.Join(ps.events(), "|"), "close ") >= 4 {
						return s.Deadline
					}
					return start
				}
			}
			p := NewPair("w", []stats.Metric{{Name: "units/op"}}, 0, newSpawner("base", ps), newSpawner("head", ps))
			res, err := p.Measure(ctx, s, nil)
			events := ps.events()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || res != nil {
					t.Fatalf("Measure = %v, %v; want the error %q", res, err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if res.RoundsUsed != tt.used {
				t.Errorf("rounds used %d, want %d", res.RoundsUsed, tt.used)
			}
			if ps.live != 0 {
				t.Errorf("%d processes outlive Measure: %s", ps.live, strings.Join(events, "|"))
			}
			if n := strings.Count(strings.Join(events, "|"), "kill "); n != tt.kills {
				t.Errorf("%d spares killed, want %d: %s", n, tt.kills, strings.Join(events, "|"))
			}
			if err := measuredQuiet(events, 10); err != nil {
				t.Errorf("%v\nin %s", err, strings.Join(events, "|"))
			}
		})
	}
}
