package agent

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/perfbench/perfbench/runtime/dispatch"
	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/runtime/router"
	"github.com/perfbench/perfbench/runtime/signal"
)

// Values is how an action reaches Params and Context, which ZeroCopy shares
// between instructions: it must offer no way to change the map it views.
// Every field is unexported and every method is a reader; Map's result is
// the caller's own.
func TestValuesAreReadOnly(t *testing.T) {
	typ := reflect.TypeFor[Values]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.IsExported() {
			t.Errorf("Values has an exported field %s", f.Name)
		}
	}
	var methods []string
	for i := range typ.NumMethod() {
		methods = append(methods, typ.Method(i).Name)
	}
	// A new method must be a reader: add it here only after checking.
	if want := []string{"All", "Get", "Len", "Map"}; !slices.Equal(methods, want) {
		t.Errorf("Values methods = %v, want %v", methods, want)
	}
	if typ.Kind() != reflect.Struct {
		t.Errorf("Values is a %s: a map or slice type could be indexed and written", typ.Kind())
	}

	shared := map[string]any{"k": "v", "nested": map[string]any{"x": int64(1)}}
	v := Values{shared}
	m := v.Map()
	m["k"] = "changed"
	m["nested"].(map[string]any)["x"] = int64(2)
	want := map[string]any{"k": "v", "nested": map[string]any{"x": int64(1)}}
	if !reflect.DeepEqual(shared, want) {
		t.Errorf("changing Map's copy changed the viewed map: %v", shared)
	}
	got := map[string]any{}
	for k, x := range v.All() {
		got[k] = x
	}
	if x, ok := v.Get("k"); !ok || x != "v" || v.Len() != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %v, %v; Len = %d; All = %v", x, ok, v.Len(), got)
	}
}

// With ZeroCopy on, Params is the route's own map and Context one map per
// agent, both shared by every instruction; Pooling's reset must leave them
// intact. With it off every instruction has its own copies. Checked by
// identity, and by the route's params after many pooled commands.
func TestParamsAndContextSharing(t *testing.T) {
	for _, f := range []features.Set{{}, {Pooling: true}, {ZeroCopy: true}, {ZeroCopy: true, Pooling: true}} {
		t.Run(f.String(), func(t *testing.T) {
			params := map[string]any{"by": 2, "tag": "p"}
			var paramMaps, ctxMaps []uintptr
			var sums []int
			s := start(t, f, func(c *Config) {
				c.Routes = []router.Route[Binding]{
					{Pattern: "p.go", Handler: Binding{Action: "p", Params: params}},
					{Pattern: "p.go", Priority: -1, Handler: Binding{Action: "q"}},
				}
				c.Actions = map[string]Action{
					"p": func(in *Instruction, st Reader, out *Result) error {
						paramMaps = append(paramMaps, reflect.ValueOf(in.Params.m).Pointer())
						ctxMaps = append(ctxMaps, reflect.ValueOf(in.Context.m).Pointer())
						n, _ := st.Get("n")
						c, _ := n.(int)
						v, _ := in.Params.Get("by")
						by, _ := v.(int)
						sums = append(sums, c+by)
						out.Set("n", c+by)
						return nil
					},
					"q": func(in *Instruction, _ Reader, out *Result) error {
						ctxMaps = append(ctxMaps, reflect.ValueOf(in.Context.m).Pointer())
						if in.Params.Len() != 0 {
							return fmt.Errorf("q sees params %v", in.Params.Map())
						}
						return nil
					},
				}
			})
			for range 50 {
				if err := s.Call(context.Background(), sig(t, "p.go", "")); err != nil {
					t.Fatal(err)
				}
			}
			if want := map[string]any{"by": 2, "tag": "p"}; !reflect.DeepEqual(params, want) {
				t.Fatalf("route params after 50 commands = %v, want %v", params, want)
			}
			if len(sums) != 50 || sums[49] != 100 {
				t.Fatalf("n after each command = %v, want 2, 4 … 100", sums)
			}
			route := reflect.ValueOf(params).Pointer()
			for i, p := range paramMaps {
				if shared := p == route; shared != f.ZeroCopy {
					t.Fatalf("command %d: Params is the route's map = %v, want %v", i, shared, f.ZeroCopy)
				}
			}
			distinct := map[uintptr]bool{}
			for _, p := range ctxMaps {
				distinct[p] = true
			}
			if f.ZeroCopy && len(distinct) != 1 {
				t.Fatalf("zerocopy on: %d distinct Context maps in %d instructions, want 1", len(distinct), len(ctxMaps))
			}
		})
	}
}

// The same signals give the same state, outputs and errors with ZeroCopy
// off and on, with and without Pooling (and Batching): params are read,
// handed to the state, merged, and passed on by Enqueue; the context is
// stored.
func TestZeroCopyPoolingEquivalence(t *testing.T) {
	routes := []router.Route[Binding]{
		{Pattern: "p.add", Handler: Binding{Action: "add", Params: map[string]any{"by": 3, "tags": []any{"a", "b"}}}},
		{Pattern: "p.add", Priority: -5, Handler: Binding{Action: "keep", Params: map[string]any{"m": map[string]any{"x": int64(1)}}}},
		{Pattern: "p.chain", Handler: Binding{Action: "chain", Params: map[string]any{"next": "add"}}},
		{Pattern: "p.ctx", Handler: Binding{Action: "ctx"}},
		{Pattern: "p.bad", Handler: Binding{Action: "bad", Params: map[string]any{"why": "no"}}},
	}
	actions := map[string]Action{
		"add": func(in *Instruction, st Reader, out *Result) error {
			n, _ := st.Get("n")
			c, _ := n.(int)
			v, _ := in.Params.Get("by")
			by, ok := v.(int)
			if !ok {
				by = 1
			}
			out.Set("n", c+by)
			out.Set("last", in.Signal.ID())
			return nil
		},
		"keep": func(in *Instruction, _ Reader, out *Result) error {
			out.Set("params", in.Params) // deep-merged as a map
			out.Directive(SetState{Key: "set-" + in.Signal.Type(), Value: in.Params})
			return nil
		},
		"chain": func(in *Instruction, _ Reader, out *Result) error {
			v, _ := in.Params.Get("next")
			next, _ := v.(string)
			out.Directive(Enqueue{Action: next, Params: map[string]any{"by": 10}})
			return nil
		},
		"ctx": func(in *Instruction, _ Reader, out *Result) error {
			out.Set("ctx", []any{in.Context, in.Params})
			id, _ := in.Context.Get("agent_id")
			e, err := signal.New("p.out", "/"+id.(string), map[string]any{"from": in.Signal.ID()}, signal.WithID("out-"+in.Signal.ID()))
			if err != nil {
				return err
			}
			out.Directive(Emit{Signal: e, To: dispatch.Config{Adapter: "named", Target: "sink"}})
			return nil
		},
		"bad": func(in *Instruction, _ Reader, _ *Result) error {
			why, _ := in.Params.Get("why")
			return fmt.Errorf("refused: %v", why)
		},
	}
	var sigs []*signal.Signal
	for i := range 120 {
		typ := []string{"p.add", "p.chain", "p.ctx", "p.bad"}[i%4]
		s, err := signal.New(typ, "/test", map[string]any{"i": i, "body": []byte(fmt.Sprint(i))}, signal.WithID(fmt.Sprintf("id-%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	type result struct {
		State             map[string]any
		Version           uint64
		Errors            []string
		Emitted           []string
		Processed, Failed uint64
	}
	replay := func(f features.Set) result {
		sink := make(chan *signal.Signal, len(sigs))
		d := dispatch.NewDispatcher(nil)
		if err := d.Register("sink", dispatch.Channel(sink, f.ZeroCopy)); err != nil {
			t.Fatal(err)
		}
		s := start(t, f, func(c *Config) { c.Routes, c.Actions, c.Dispatcher = routes, actions, d })
		var r result
		ctx := context.Background()
		for i, x := range sigs {
			var err error
			if i%2 == 0 {
				err = s.Cast(x)
			} else {
				err = s.Call(ctx, x)
			}
			if err != nil {
				r.Errors = append(r.Errors, err.Error())
			}
		}
		snap, err := s.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.Stop()
		st := s.Stats()
		r.State, r.Version, r.Processed, r.Failed = snap.Map(), snap.Version(), st.Processed, st.Failed
		close(sink)
		for e := range sink {
			from, _ := e.Data()["from"].(string)
			r.Emitted = append(r.Emitted, e.ID()+" "+e.Type()+" "+e.Source()+" "+from)
		}
		return r
	}
	base := replay(features.Set{})
	// p.bad is every 4th signal from the 4th, so always a call: 30 errors.
	if base.Processed != 120 || base.Failed != 30 || len(base.Errors) != 30 || base.State["n"] != 30*3+30*10 ||
		len(base.Emitted) != 30 || base.Emitted[0] != "out-id-002 p.out /a1 id-002" {
		t.Fatalf("baseline: processed %d failed %d, %d errors, n %v, emitted %v; want 120, 30, 30, 390, 30 from out-id-002 p.out /a1 id-002",
			base.Processed, base.Failed, len(base.Errors), base.State["n"], base.Emitted)
	}
	for _, f := range []features.Set{
		{ZeroCopy: true}, {Pooling: true}, {ZeroCopy: true, Pooling: true},
		{ZeroCopy: true, Pooling: true, Batching: true}, features.All(),
	} {
		t.Run(f.String(), func(t *testing.T) {
			if got := replay(f); !reflect.DeepEqual(got, base) {
				t.Errorf("%s differs from all off:\n got: %+v\nwant: %+v", f, got, base)
			}
		})
	}
}
