// Package flags holds the flags several commands take, so that one idea
// is spelled one way in every command, and the old spellings that are
// kept, hidden, for one release.
package flags

import (
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/measure"
	"github.com/perfbench/perfbench/openloop"
	"github.com/perfbench/perfbench/profiling"
)

// Rounds is --rounds, at least least; below measure.CIRounds there is no
// confidence interval, and the help says so.
func Rounds(value, least int, what string) *cli.IntFlag {
	usage := fmt.Sprintf("%s (%d to %d; ≥ %d for a confidence interval)", what, least, measure.MaxRounds, measure.CIRounds)
	if least >= measure.CIRounds {
		usage = fmt.Sprintf("%s (%d to %d)", what, least, measure.MaxRounds)
	}
	return &cli.IntFlag{Name: "rounds", Value: value, Usage: usage}
}

// Benchtime is --benchtime, the work per round: a duration or a count.
func Benchtime(value, what string, maxD time.Duration, maxN int) *cli.StringFlag {
	usage := fmt.Sprintf("%s: a duration (at most %s) or a count (5000x, at most %dx)", what, maxD, maxN)
	return &cli.StringFlag{Name: "benchtime", Value: value, Usage: usage}
}

// ProfileTime is --profile-time, the length of each profiling pass.
func ProfileTime(value time.Duration, what string, maxD time.Duration) *cli.DurationFlag {
	return &cli.DurationFlag{Name: "profile-time", Value: value, Usage: fmt.Sprintf("%s (at most %s)", what, maxD)}
}

// Top is --top, how many movers to show per profile kind.
func Top(value int, what string) *cli.IntFlag {
	return &cli.IntFlag{Name: "top", Value: value, Usage: fmt.Sprintf("%s (1 to %d)", what, profiling.MaxTop)}
}

// Rate is the value of --rate: operations per second, typed as 5000,
// 5000/s or 5k/s in every command (openloop.ParseRate), so a bad rate is
// refused while the flags are parsed, as a usage error.
type Rate struct{ perSecond float64 }

// Set parses s with openloop.ParseRate.
func (r *Rate) Set(s string) error {
	v, err := openloop.ParseRate(s)
	if err != nil {
		return err
	}
	r.perSecond = v
	return nil
}

// String is the rate in operations per second, "" for none.
func (r *Rate) String() string {
	if r == nil || r.perSecond == 0 {
		return ""
	}
	return strconv.FormatFloat(r.perSecond, 'g', -1, 64)
}

// Get is the rate per second (flag.Getter, which cli.Context.Value needs).
func (r *Rate) Get() any { return r.perSecond }

// RateFlag is --rate with a default of value per second (0: none).
func RateFlag(value float64, what string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: "rate", Value: &Rate{value}, Usage: what + ", e.g. 5000, 5000/s or 5k/s"}
}

// RateOf is the --rate of c in operations per second (0 if c has none).
func RateOf(c *cli.Context) float64 {
	if r, ok := c.Generic("rate").(*Rate); ok {
		return r.perSecond
	}
	return 0
}

// Rename is an old spelling of a flag, kept for one release. Old takes a
// value like New unless Means is set: then Old is a switch that stands
// for New given Means (--all-on for --opt all).
type Rename struct{ Old, New, Means string }

// Renamed adds the old spellings to cmd as hidden flags. Before cmd runs,
// each old spelling given prints one deprecation line on stderr and sets
// its new flag, so the command reads the new name only. Old and new
// together are refused: one of them would be dropped.
func Renamed(cmd *cli.Command, renames ...Rename) *cli.Command {
	for _, r := range renames {
		if r.Means != "" {
			cmd.Flags = append(cmd.Flags, &cli.BoolFlag{Name: r.Old, Hidden: true})
		} else {
			cmd.Flags = append(cmd.Flags, &cli.StringFlag{Name: r.Old, Hidden: true})
		}
	}
	before := cmd.Before
	cmd.Before = func(c *cli.Context) error {
		for _, r := range renames {
			if err := r.apply(c); err != nil {
				return err
			}
		}
		if before != nil {
			return before(c)
		}
		return nil
	}
	return cmd
}

func (r Rename) apply(c *cli.Context) error {
	if !c.IsSet(r.Old) {
		return nil
	}
	use, value := "--"+r.New, c.String(r.Old)
	if r.Means != "" {
		use, value = use+" "+r.Means, r.Means
	}
	if c.IsSet(r.New) {
		return cmderr.BadInputf("--%s is the old spelling of %s: give only --%s", r.Old, use, r.New)
	}
	fmt.Fprintf(c.App.ErrWriter, "perfbench: --%s is deprecated; use %s\n", r.Old, use)
	if r.Means != "" && !c.Bool(r.Old) {
		return nil
	}
	if err := c.Set(r.New, value); err != nil {
		return cmderr.BadInputf("invalid value %q for --%s: %v", value, r.Old, err)
	}
	return nil
}
