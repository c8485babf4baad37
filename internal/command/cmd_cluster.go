package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/cluster"
	"github.com/perfbench/perfbench/internal/flags"
	rtcluster "github.com/perfbench/perfbench/runtime/cluster"
)

func clusterCommand(cat catalog.Catalog) *cli.Command {
	return &cli.Command{
		Name:        "cluster",
		Usage:       "measure the cross-node toggles across real node processes on NATS: latency, broadcast, wire bytes, conservation",
		UsageText:   cluster.Usage,
		Description: cluster.Doc,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "nodes", Value: cluster.DefaultNodes, Usage: fmt.Sprintf("node processes (2–%d)", cluster.MaxNodes)},
			&cli.StringFlag{Name: "opt", Value: cluster.AllOpt, Usage: cluster.OptUsage(cat)},
			&cli.IntFlag{Name: "rounds", Value: cluster.DefaultRounds, Usage: "rounds per side (1–20; below 6 the targets are INCONCLUSIVE: no CI)"},
			&cli.DurationFlag{Name: "duration", Value: cluster.DefaultDuration, Usage: "stream per round"},
			flags.RateFlag(cluster.DefaultRate, "signals/s over the whole cluster"),
			&cli.IntFlag{Name: "payload", Value: cluster.DefaultPayload, Usage: "payload bytes per signal"},
			&cli.StringFlag{Name: "nats", Usage: "existing NATS cluster URL(s), comma-separated (default: embedded)"},
			&cli.IntFlag{Name: "servers", Value: cluster.DefaultServers, Usage: "embedded NATS servers"},
			&cli.IntFlag{Name: "local", Usage: "nodes started here (ids 0…K-1); the rest join by hand (default: all)"},
			&cli.StringFlag{Name: "prefix", Usage: "subject namespace, needed by nodes started by hand (default: random)"},
			&cli.IntFlag{Name: "fanout", Value: rtcluster.DefaultFanout, Usage: "tree degree"},
			&cli.IntFlag{Name: "batch-bytes", Value: rtcluster.DefaultBatchBytes, Usage: "xbatch: flush an outbox at this size"},
			&cli.DurationFlag{Name: "batch-delay", Value: rtcluster.DefaultBatchDelay, Usage: "xbatch: flush an outbox this long after its first signal"},
			&cli.IntFlag{Name: "broadcasts", Value: cluster.DefaultBroadcasts, Usage: "broadcasts per group size, side and round"},
			&cli.DurationFlag{Name: "ping-every", Value: cluster.DefaultPingEvery, Usage: "timed round trip from each node"},
			&cli.DurationFlag{Name: "profile-time", Value: cluster.DefaultProfile, Usage: "profile pass per kind and side (0: none)"},
			&cli.DurationFlag{Name: "heartbeat", Value: cluster.DefaultHeartbeat, Usage: "node heartbeat; lost after 3 missed"},
			&cli.StringFlag{Name: "link-bandwidth", Usage: "emulate each node's link at this rate each way, e.g. 1Gbit (default: bare loopback)"},
			&cli.DurationFlag{Name: "link-latency", Usage: "emulated one-way link latency, e.g. 100us (default: none)"},
			&cli.StringFlag{Name: "fault", Usage: "inject half-way through the first round: node:ID (kill), freeze:ID (SIGSTOP) or server:INDEX"},
			flags.Out("profiles", "output root"),
			flags.Format(),
		},
		Action: func(c *cli.Context) error {
			f, err := flags.ParseFormat(c)
			if err != nil {
				return err
			}
			fault, err := cluster.ParseFault(c.String("fault"))
			if err != nil {
				return err
			}
			return cluster.Run(c.Context, cluster.Options{
				Catalog: cat, Nodes: c.Int("nodes"), Opt: c.String("opt"), Rounds: c.Int("rounds"), Duration: c.Duration("duration"),
				Rate: flags.RateOf(c), Payload: c.Int("payload"), NATS: c.String("nats"), Servers: c.Int("servers"),
				Local: c.Int("local"), Prefix: c.String("prefix"),
				Fanout: c.Int("fanout"), BatchBytes: c.Int("batch-bytes"), BatchDelay: c.Duration("batch-delay"),
				Broadcasts: c.Int("broadcasts"), PingEvery: c.Duration("ping-every"), ProfileTime: c.Duration("profile-time"),
				Heartbeat: c.Duration("heartbeat"), Fault: fault, Format: f, Out: c.String("out"), LinkBandwidth: c.String("link-bandwidth"), LinkLatency: c.Duration("link-latency"),
				Command: commandLine(c), Given: c.IsSet, Stderr: c.App.ErrWriter,
			}, c.App.Writer)
		},
	}
}
