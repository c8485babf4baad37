package command

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/cluster"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:        "node",
		Usage:       "run one cluster node (started by perfbench cluster, or by hand on another host)",
		UsageText:   cluster.NodeUsage,
		Description: cluster.NodeDoc,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "nats", Required: true, Usage: "NATS server URL(s), comma-separated"},
			&cli.StringFlag{Name: "id", Required: true, Usage: "node id (letters, digits, '-', '_'); the coordinator names nodes 0 … N-1"},
			&cli.StringFlag{Name: "prefix", Value: cluster.DefaultPrefix, Usage: "subject namespace of the run (the coordinator's --prefix)"},
			&cli.DurationFlag{Name: "heartbeat", Value: cluster.DefaultHeartbeat, Usage: "heartbeat interval"},
		},
		Action: func(c *cli.Context) error {
			return cluster.RunNode(c.Context, cluster.NodeOptions{
				ID: c.String("id"), NATS: c.String("nats"), Prefix: c.String("prefix"),
				Heartbeat: c.Duration("heartbeat"), Given: c.IsSet,
			}, c.App.ErrWriter)
		},
	}
}
