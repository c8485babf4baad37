package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/report/htmlpage"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:        "report",
		Usage:       "re-render a saved run (profile, bench suite, compare, load, monitor history) as one self-contained HTML page, Markdown, text or JSON",
		ArgsUsage:   "PATH",
		UsageText:   htmlpage.Usage,
		Description: htmlpage.Doc,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "html", Usage: "output format: " + strings.Join(htmlpage.Formats, ", ")},
			&cli.StringFlag{Name: "o", Usage: "write to FILE (atomically) instead of stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cmderr.BadInputf("report needs one PATH (a run directory or its results.json, or a monitor's history.jsonl), got %q", c.Args().Slice())
			}
			err := htmlpage.Rerender(c.Args().First(), c.String("format"), c.String("o"), c.App.Writer)
			if err == nil && c.String("o") != "" {
				fmt.Fprintf(c.App.ErrWriter, "perfbench: wrote %s\n", c.String("o"))
			}
			return err
		},
	}
}
