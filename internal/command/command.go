// Package command is perfbench's command line, importable so that a
// binary of one's own (package workbench) runs the same commands: command.go
// wires them and maps errors to exit codes, internal/flags and
// internal/runout hold what they share (the common flags, writing a run,
// its verdict), and each cmd_NAME.go reads its flags into the owning
// package's Options and makes one call. Help text that documents a method
// lives beside it (experiment.Doc, load.Usage …).
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/perfbench/perfbench/catalog"
	"github.com/perfbench/perfbench/internal/argv"
	"github.com/perfbench/perfbench/internal/cmderr"
	"github.com/perfbench/perfbench/internal/flags"
)

// Exit codes, the contract scripts and CI rely on.
const (
	exitOK       = 0
	exitError    = 1 // something failed while running
	exitUsage    = 2 // bad flags, names or files: nothing was run or written
	exitCriteria = 3 // a criterion failed or a regression was found
)

// ExitUsage is the exit code of bad usage or input, for a binary of one's
// own that refuses its tables before the command line runs.
const ExitUsage = exitUsage

// exitCode maps an error to its exit code: every package marks bad input
// and a missed criterion with cmderr's two types.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case cmderr.IsBadInput(err):
		return exitUsage
	case cmderr.IsCriterion(err):
		return exitCriteria
	}
	return exitError
}

// newApp is the command line over the tables of cat.
func newApp(cat catalog.Catalog, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "perfbench",
		Usage: "profile the runtime's optimizations off against on, with profiles and statistics",
		Description: "Typical use:\n\n" +
			"   perfbench profile --opt=zerocopy --workload=mixed\n" +
			"   go tool pprof -top -diff_base profiles/zerocopy/mixed/cpu.off.pb.gz profiles/zerocopy/mixed/cpu.on.pb.gz\n\n" +
			"Exit codes: 0 ok, 1 error while running, 2 bad usage or input, 3 a criterion failed or a regression was found.",
		Writer:          stdout,
		ErrWriter:       stderr,
		OnUsageError:    flags.UsageError,
		HideHelpCommand: true,
		Commands: []*cli.Command{
			listCommand(cat),
			profileCommand(cat),
			diffCommand(),
			benchCommand(cat),
			baselineCommand(cat),
			loadCommand(cat),
			reportCommand(),
			clusterCommand(cat),
			nodeCommand(),
			monitorCommand(cat),
			compareCommand(cat),
			workerCommand(cat),
		},
		// Returning errors to main (instead of cli.Exit) keeps deferred
		// cleanup running; main picks the exit code.
		ExitErrHandler: func(*cli.Context, error) {},
	}
	flags.Strict(app.Commands)
	return app
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runApp(ctx, newApp(catalog.Builtin(), stdout, stderr), args)
}

// runApp runs app on args and maps its error to an exit code.
func runApp(ctx context.Context, app *cli.App, args []string) int {
	stderr := app.ErrWriter
	if err := argv.Unknown(app.Commands, args); err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		return exitUsage
	}
	if err := app.RunContext(ctx, argv.FlagsFirst(argv.Commands(app.Commands), args)); err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		if errors.Is(err, context.Canceled) {
			return exitError
		}
		return exitCode(err)
	}
	return exitOK
}

// Main runs the command line in args (args[0] is the program) over the
// runtime's own tables until it ends or the process is interrupted, and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return MainCatalog(catalog.Builtin(), args, stdout, stderr)
}

// MainCatalog is Main over the toggles and workloads of cat: a binary of
// one's own runs every command on its own tables.
func MainCatalog(cat catalog.Catalog, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunCatalog(ctx, cat, args, stdout, stderr)
}

// RunCatalog runs the command line in args over cat until it ends or ctx
// is done, and returns the exit code; Main with a context of the caller's,
// for tests and embedding.
func RunCatalog(ctx context.Context, cat catalog.Catalog, args []string, stdout, stderr io.Writer) int {
	return runApp(ctx, newApp(cat, stdout, stderr), args)
}
