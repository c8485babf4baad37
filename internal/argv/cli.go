package argv

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Commands lets FlagsFirst see urfave/cli commands and their flags, so
// that flags may follow arguments: urfave/cli stops reading flags at the
// first argument.
func Commands(cmds []*cli.Command) Command { return cliCommand{subs: cmds} }

type cliCommand struct {
	subs  []*cli.Command
	flags []cli.Flag
}

func (c cliCommand) Sub(name string) Command {
	if i := slices.IndexFunc(c.subs, func(s *cli.Command) bool { return s.HasName(name) }); i >= 0 {
		return cliCommand{c.subs[i].Subcommands, c.subs[i].Flags}
	}
	return nil
}

func (c cliCommand) TakesValue(name string) bool {
	for _, f := range c.flags {
		if v, ok := f.(cli.DocGenerationFlag); ok && slices.Contains(f.Names(), name) {
			return v.TakesValue()
		}
	}
	return false
}

// Unknown refuses a command line whose first word is neither a flag, help,
// nor one of cmds, naming the commands that are valid.
func Unknown(cmds []*cli.Command, args []string) error {
	if len(args) < 2 || strings.HasPrefix(args[1], "-") || args[1] == "help" ||
		slices.ContainsFunc(cmds, func(c *cli.Command) bool { return c.HasName(args[1]) }) {
		return nil
	}
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	return fmt.Errorf("unknown command %q (valid: %s)", args[1], strings.Join(names, ", "))
}
