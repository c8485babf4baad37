package main

import (
	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/worker"
	"github.com/perfbench/perfbench/workloads"
)

// workerCommand serves one side of `perfbench compare` over stdin/stdout.
func workerCommand() *cli.Command {
	return &cli.Command{
		Name: worker.Command, Hidden: true,
		Usage: "serve workloads to a parent perfbench over stdin/stdout (JSON lines; used by compare)",
		Action: func(c *cli.Context) error {
			return worker.Serve(c.Context, c.App.Reader, c.App.Writer, workloads.Lookup)
		},
	}
}
