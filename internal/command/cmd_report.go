package command

import (
	"strings"

	"github.com/urfave/cli/v2"

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
			return htmlpage.RunReport(c.Context, htmlpage.Options{
				Paths: c.Args().Slice(), Format: c.String("format"), Out: c.String("o"), Log: c.App.ErrWriter,
			}, c.App.Writer)
		},
	}
}
