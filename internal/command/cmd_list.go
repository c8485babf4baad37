package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/flags"
	"github.com/perfbench/perfbench/toggles"
	"github.com/perfbench/perfbench/workloads"
)

func listCommand() *cli.Command {
	return &cli.Command{
		Name:        "list",
		Usage:       "list the toggles and workloads",
		UsageText:   "perfbench list [--format text|markdown|json]\n\nExample:\n   perfbench list --format json | jq '.toggles[].name'",
		Flags:       []cli.Flag{flags.Format()},
		Action:      runList,
		Description: "Each toggle with its primary workloads and the plan's criteria; each workload with what one operation is and the toggles whose code it exercises.",
	}
}

func runList(c *cli.Context) error {
	return catalog.RunList(c.Context, catalog.ListOptions{Format: c.String("format"), Toggles: toggles.All(), Workloads: workloads.All()}, c.App.Writer)
}
