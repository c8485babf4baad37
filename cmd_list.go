package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/report"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:        "list",
		Usage:       "list the toggles and workloads",
		UsageText:   "perfbench list [--format text|markdown|json]\n\nExample:\n   perfbench list --format json | jq '.toggles[].name'",
		Flags:       []cli.Flag{formatFlag()},
		Action:      runList,
		Description: "Each toggle with its primary workloads and the plan's criteria; each workload with what one operation is and the toggles whose code it exercises.",
	}
}

func runList(c *cli.Context) error {
	f, err := parseFormat(c)
	if err != nil {
		return err
	}
	if err := noArgs(c); err != nil {
		return err
	}
	w := c.App.Writer
	if f == report.JSON {
		type wl struct {
			Name    string   `json:"name"`
			Doc     string   `json:"doc"`
			Op      string   `json:"op"`
			Toggles []string `json:"toggles"`
		}
		doc := struct {
			Toggles   []toggles.Toggle `json:"toggles"`
			Workloads []wl             `json:"workloads"`
		}{Toggles: toggles.All()}
		for _, x := range workloads.All() {
			doc.Workloads = append(doc.Workloads, wl{x.Name, x.Doc, x.Op, x.Toggles})
		}
		return report.WriteJSON(w, doc)
	}
	var rows [][]string
	for _, t := range toggles.All() {
		var crit []string
		for _, k := range append([]toggles.Criterion{t.Primary}, t.Criteria...) {
			crit = append(crit, k.String())
		}
		rows = append(rows, []string{t.Name, t.Doc, strings.Join(t.Workloads, ", "), strings.Join(crit, "; ")})
	}
	if err := report.WriteTable(w, f, []string{"toggle", "what it does", "primary workloads", "criteria"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rows = rows[:0]
	for _, x := range workloads.All() {
		ts := strings.Join(x.Toggles, ", ")
		if ts == "" {
			ts = "none (an A/A control)"
		}
		rows = append(rows, []string{x.Name, x.Doc, x.Op, ts})
	}
	return report.WriteTable(w, f, []string{"workload", "what it does", "one op", "toggles exercised"}, rows)
}
