package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/flags"
)

func listCommand(cat catalog.Catalog) *cli.Command {
	return &cli.Command{
		Name:        "list",
		Usage:       "list the toggles and workloads",
		UsageText:   "perfbench list [--format text|markdown|json]\n\nExample:\n   perfbench list --format json | jq '.toggles[].name'",
		Flags:       []cli.Flag{flags.Format()},
		Action:      func(c *cli.Context) error { return runList(c, cat) },
		Description: "Each toggle with its primary workloads and the plan's criteria; each workload with what one operation is and the toggles whose code it exercises.",
	}
}

func runList(c *cli.Context, cat catalog.Catalog) error {
	return catalog.RunList(c.Context, catalog.ListOptions{Format: c.String("format"), Toggles: cat.Toggles(), Workloads: cat.Workloads()}, c.App.Writer)
}
