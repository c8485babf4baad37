package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/perfbench/perfbench/runtime/features"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

// Catalog is the toggle table and the workload table one perfbench binary
// runs from. Commands receive it from the command line as a value; nothing
// looks the tables up in a package of its own, so a binary of one's own
// (package workbench) runs the same commands on its own tables.
type Catalog struct {
	toggles   []toggles.Toggle
	workloads []workloads.Workload // sorted by name
}

// workloadName is kebab-case, with "/" between a family and its variant.
var workloadName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*$`)

// Builtin is the runtime's own tables (runtime/), as package main
// registers them.
func Builtin() Catalog {
	c, err := New(toggles.All(), workloads.All())
	if err != nil {
		// The built-in tables are checked by this package's tests.
		panic(err)
	}
	return c
}

// New checks the tables (see Check) and returns them as a Catalog. The
// toggles keep their order; the workloads are sorted by name.
func New(ts []toggles.Toggle, ws []workloads.Workload) (Catalog, error) {
	c := Catalog{toggles: slices.Clone(ts), workloads: slices.Clone(ws)}
	slices.SortStableFunc(c.workloads, func(a, b workloads.Workload) int { return strings.Compare(a.Name, b.Name) })
	return c, c.Check()
}

// Check reports every defect of the tables at once: a toggle or workload
// name that is not kebab-case or is given twice, a toggle named like a
// group of --opt, a workload a toggle names that is not in the table, a
// primary or cost workload that does not list the toggle among those it
// exercises, a credit naming an unknown toggle, and a workload without New
// or MinOps.
func (c Catalog) Check() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	byName := map[string]workloads.Workload{}
	for _, w := range c.workloads {
		if !workloadName.MatchString(w.Name) {
			bad("invalid workload name %q: want kebab-case parts joined by /, a letter first, e.g. route-cache/zipf or signal-pass/map-64", w.Name)
		}
		if _, dup := byName[w.Name]; dup {
			bad("workload %q is registered twice", w.Name)
		}
		byName[w.Name] = w
		if w.New == nil {
			bad("workload %q has no New", w.Name)
		}
		if w.MinOps < 1 {
			bad("workload %q: MinOps %d, want at least 1", w.Name, w.MinOps)
		}
	}
	names := map[string]bool{}
	for _, t := range c.toggles {
		if err := features.ValidName(t.Name); err != nil {
			bad("toggle: %v", err)
		}
		if t.Name == GroupAll || t.Name == GroupMemory {
			bad("toggle %q: the name is a group of --opt (%s, %s)", t.Name, GroupAll, GroupMemory)
		}
		if names[t.Name] {
			bad("toggle %q is registered twice", t.Name)
		}
		names[t.Name] = true
	}
	for _, t := range c.toggles {
		if len(t.Workloads) == 0 {
			bad("toggle %q has no primary workload", t.Name)
		}
		exercised := func(role, name string) {
			w, ok := byName[name]
			switch {
			case !ok:
				bad("toggle %q: %s workload %q is not registered", t.Name, role, name)
			case role != "view" && role != "control" && !slices.Contains(w.Toggles, t.Name):
				bad("toggle %q: %s workload %q does not exercise it (its Toggles: %s)", t.Name, role, name, strings.Join(w.Toggles, ", "))
			}
		}
		for _, w := range t.Workloads {
			exercised("primary", w)
		}
		for _, u := range t.Costs {
			exercised("cost", u.Workload)
		}
		for _, u := range t.Controls {
			exercised("control", u.Workload)
		}
		for _, u := range t.Views {
			exercised("view", u.Workload)
		}
		for _, without := range t.Credit {
			for _, n := range without {
				if !names[n] {
					bad("toggle %q: credit names unknown toggle %q", t.Name, n)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Toggles returns the toggle table in its order.
func (c Catalog) Toggles() []toggles.Toggle { return slices.Clone(c.toggles) }

// Workloads returns the workload table sorted by name.
func (c Catalog) Workloads() []workloads.Workload { return slices.Clone(c.workloads) }

// ToggleNames lists the toggles' names in the table's order.
func (c Catalog) ToggleNames() []string {
	ns := make([]string, len(c.toggles))
	for i, t := range c.toggles {
		ns[i] = t.Name
	}
	return ns
}

// WorkloadNames lists the workloads' names, sorted.
func (c Catalog) WorkloadNames() []string {
	ns := make([]string, len(c.workloads))
	for i, w := range c.workloads {
		ns[i] = w.Name
	}
	return ns
}

// Toggle finds a toggle; the error lists the valid names.
func (c Catalog) Toggle(name string) (toggles.Toggle, error) {
	for _, t := range c.toggles {
		if t.Name == name {
			return t, nil
		}
	}
	return toggles.Toggle{}, fmt.Errorf("unknown toggle %q (valid: %s)", name, strings.Join(c.ToggleNames(), ", "))
}

// Workload finds a workload; the error lists the valid names. As a method
// value it is a Lookup.
func (c Catalog) Workload(name string) (workloads.Workload, error) {
	for _, w := range c.workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return workloads.Workload{}, fmt.Errorf("unknown workload %q (valid: %s)", name, strings.Join(c.WorkloadNames(), ", "))
}

// AllOn is a Set with every toggle of the table on.
func (c Catalog) AllOn() features.Set {
	var s features.Set
	for _, t := range c.toggles {
		s = t.Apply(s, true)
	}
	return s
}

// ParseSet reads a feature set as Set.String writes it (ParseSet), and
// refuses a switch that is not one of the table's toggles: a Set carries
// any well-formed name, so only the table can tell a typo.
func (c Catalog) ParseSet(s string) (features.Set, error) {
	set, err := ParseSet(s)
	if err != nil {
		return set, err
	}
	names := c.ToggleNames()
	for _, n := range set.On() {
		if !slices.Contains(names, n) {
			return features.Set{}, fmt.Errorf("unknown toggle %q in feature set %q (valid: %s)", n, s, strings.Join(names, ", "))
		}
	}
	return set, nil
}
