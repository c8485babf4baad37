package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/perfbench/perfbench/stats"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// BenchRound is one measured round of one side, as one line of bench.txt.
type BenchRound struct {
	// Name is the benchmark name without the "Benchmark" prefix, e.g.
	// "Profile/zerocopy/mixed"; it must not contain white space.
	Name string
	// Config becomes file configuration lines ("toggle: off") written before
	// the rounds they apply to; `benchstat -col toggle` splits on them. Keys
	// must start with a lower-case letter and hold no space, upper case or
	// colon, as the format requires. Empty values are left out.
	Config map[string]string
	Iters  int                // iterations the values are averaged over; >= 1
	Values map[string]float64 // unit -> value
}

// WriteBench writes rounds in the Go benchmark format so benchstat can
// re-check perfbench's numbers. Rounds stay in the order given (interleaved
// off/on rounds remain visible). Every unit in units first gets a
// "Unit <unit> better=higher|lower" line, because benchstat otherwise only
// knows the direction of ns/op, B/op, allocs/op and B/s.
//
// On each line the values follow the order of units, then any other units
// sorted by name, so the file is byte-for-byte reproducible. NaN and ±Inf
// values are left out (the format cannot carry them); a round left without
// values is an error.
func WriteBench(w io.Writer, units []stats.Metric, rounds []BenchRound) error {
	bw := benchfmt.NewWriter(w)
	order := make(map[string]int, len(units))
	for i, m := range units {
		if err := checkToken("unit", m.Name); err != nil {
			return err
		}
		if _, dup := order[m.Name]; dup {
			return fmt.Errorf("report: bench: unit %q listed twice", m.Name)
		}
		order[m.Name] = i
		_, tidy := benchunit.Tidy(1, m.Name)
		md := &benchfmt.UnitMetadata{
			UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: tidy, Key: "better"},
			OrigUnit:        m.Name, // the Writer prints OrigUnit; empty would print "Unit  better=…"
			Value:           m.Better.String(),
		}
		if err := bw.Write(md); err != nil {
			return fmt.Errorf("report: bench: write unit %s: %w", m.Name, err)
		}
	}
	for i, r := range rounds {
		res, err := benchResult(r, order)
		if err != nil {
			return fmt.Errorf("report: bench: round %d (%s): %w", i, r.Name, err)
		}
		if err := bw.Write(res); err != nil {
			return fmt.Errorf("report: bench: write round %d: %w", i, err)
		}
	}
	return nil
}

func benchResult(r BenchRound, order map[string]int) (*benchfmt.Result, error) {
	if err := checkToken("name", r.Name); err != nil {
		return nil, err
	}
	if r.Iters < 1 {
		return nil, fmt.Errorf("iters %d < 1", r.Iters)
	}
	res := &benchfmt.Result{Name: benchfmt.Name(r.Name), Iters: r.Iters}

	keys := make([]string, 0, len(r.Config))
	for k, v := range r.Config {
		if v == "" {
			continue
		}
		if err := checkConfigKey(k); err != nil {
			return nil, err
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("config %s: value %q spans lines", k, v)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		// File=true: the Writer prints only file configuration.
		res.Config = append(res.Config, benchfmt.Config{Key: k, Value: []byte(r.Config[k]), File: true})
	}

	names := make([]string, 0, len(r.Values))
	for u, v := range r.Values {
		if !isFinite(v) {
			continue
		}
		if err := checkToken("unit", u); err != nil {
			return nil, err
		}
		names = append(names, u)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return names[i] < names[j]
	})
	if len(names) == 0 {
		return nil, fmt.Errorf("no finite values")
	}
	for _, u := range names {
		res.Values = append(res.Values, benchfmt.Value{Value: r.Values[u], Unit: u})
	}
	return res, nil
}

// checkToken rejects what the reader would split or mis-parse: names and
// units are single white-space-separated fields.
func checkToken(what, s string) error {
	if s == "" {
		return fmt.Errorf("empty %s", what)
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return fmt.Errorf("%s %q contains white space", what, s)
	}
	return nil
}

// checkConfigKey mirrors benchfmt's key grammar; any other key would be
// silently read back as an ordinary line.
func checkConfigKey(k string) error {
	for i, r := range k {
		if (i == 0 && !unicode.IsLower(r)) || unicode.IsSpace(r) || unicode.IsUpper(r) || r == ':' {
			return fmt.Errorf("config key %q: must start lower-case and hold no space, upper case or colon", k)
		}
	}
	if k == "" {
		return fmt.Errorf("empty config key")
	}
	return nil
}
