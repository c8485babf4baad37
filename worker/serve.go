package worker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/profiling"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/workloads"
)

// Tables is what a worker looks up: the workload to open and the toggles
// its feature set may name (catalog.Catalog).
type Tables interface {
	Workload(name string) (workloads.Workload, error)
	ParseSet(s string) (features.Set, error)
}

// Serve is the worker end of the protocol: it says hello on out, then
// reads requests from in and answers each, until in ends (the parent is
// done: nil) or ctx is cancelled. One instance is open at a time. A
// request that fails is answered with its error and the worker goes on; a
// malformed line ends it, since the stream can no longer be trusted.
func Serve(ctx context.Context, in io.Reader, out io.Writer, tables Tables) error {
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	send := func(m message) error {
		if err := enc.Encode(m); err != nil {
			return fmt.Errorf("worker: write: %w", err)
		}
		return w.Flush()
	}
	if err := send(message{Hello: &Hello{Protocol: Protocol, GoVersion: runtime.Version(), Build: ReadBuildInfo(), Caps: Caps()}}); err != nil {
		return err
	}

	type read struct {
		req Request
		err error
	}
	reqs := make(chan read)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		dec := json.NewDecoder(in)
		for {
			var r read
			r.err = dec.Decode(&r.req)
			select {
			case reqs <- r:
			case <-stop:
				return
			}
			if r.err != nil {
				return
			}
		}
	}()

	s := &session{tables: tables}
	defer s.close()
	for {
		var r read
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r = <-reqs:
		}
		if errors.Is(r.err, io.EOF) {
			return nil
		}
		if r.err != nil {
			return fmt.Errorf("worker: read request: %w", r.err)
		}
		m := s.handle(ctx, r.req)
		if err := send(m); err != nil {
			return err
		}
	}
}

// session is the worker's state between requests: the open instance.
type session struct {
	tables Tables
	inst   measure.Instance
}

func (s *session) handle(ctx context.Context, r Request) message {
	fail := func(err error) message { return message{Error: err.Error()} }
	switch r.Op {
	case OpOpen:
		if s.inst != nil {
			return fail(errors.New("an instance is already open"))
		}
		w, err := s.tables.Workload(r.Workload)
		if err != nil {
			return fail(err)
		}
		set, err := s.tables.ParseSet(r.Features)
		if err != nil {
			return fail(err)
		}
		if s.inst, err = measure.Local(w, set).Open(ctx); err != nil {
			return fail(err)
		}
		return message{}
	case OpRun:
		if err := s.operable("run", r.N); err != nil {
			return fail(err)
		}
		v, err := s.inst.Run(ctx, r.N)
		if err != nil {
			return fail(err)
		}
		return message{Values: floats(v)}
	case OpRunProfiled:
		if err := s.operable("run", r.N); err != nil {
			return fail(err)
		}
		// The local instance keeps its GC and the profiler's start and stop
		// outside the measured span; encoding follows the span too.
		pr, ok := s.inst.(measure.ProfiledRunner)
		if !ok {
			return fail(errors.New("this instance cannot profile a measured run"))
		}
		v, prof, err := pr.RunProfiled(ctx, r.N)
		if err != nil {
			return fail(err)
		}
		return message{Values: floats(v), Profile: prof}
	case OpWarm:
		if err := s.operable("warm", r.N); err != nil {
			return fail(err)
		}
		w, ok := s.inst.(measure.Warmer)
		if !ok {
			return fail(errors.New("this instance cannot warm up"))
		}
		if err := w.Warm(ctx, r.N); err != nil {
			return fail(err)
		}
		return message{}
	case OpProfile:
		if s.inst == nil {
			return fail(errors.New("profile before open"))
		}
		kind, err := profiling.ParseKind(r.Kind)
		if err != nil {
			return fail(err)
		}
		if r.N < 1 {
			return fail(fmt.Errorf("profile %d operations: want at least 1", r.N))
		}
		p, err := s.inst.Profile(ctx, kind, r.N)
		if err != nil {
			return fail(err)
		}
		var buf bytes.Buffer
		if err := p.Write(&buf); err != nil {
			return fail(fmt.Errorf("encode %s profile: %w", kind, err))
		}
		return message{Profile: buf.Bytes()}
	case OpClose:
		if err := s.close(); err != nil {
			return fail(err)
		}
		return message{}
	}
	return fail(fmt.Errorf("unknown op %q (valid: %s, %s, %s, %s, %s, %s)", r.Op, OpOpen, OpRun, OpRunProfiled, OpWarm, OpProfile, OpClose))
}

// operable refuses a request to verb n operations before an instance is
// open, or for fewer than one.
func (s *session) operable(verb string, n int) error {
	if s.inst == nil {
		return fmt.Errorf("%s before open", verb)
	}
	if n < 1 {
		return fmt.Errorf("%s %d operations: want at least 1", verb, n)
	}
	return nil
}

// floats carries a run's values through JSON (Float).
func floats(v map[string]float64) map[string]Float {
	out := make(map[string]Float, len(v))
	for k, x := range v {
		out[k] = Float(x)
	}
	return out
}

func (s *session) close() error {
	if s.inst == nil {
		return nil
	}
	err := s.inst.Close()
	s.inst = nil
	return err
}

// ReadBuildInfo reports how this binary was built, from runtime/debug.
func ReadBuildInfo() BuildInfo {
	var b BuildInfo
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "-tags":
			b.Tags = s.Value
		}
	}
	return b
}
