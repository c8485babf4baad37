// Package argv reorders a command line so that flags may follow positional
// arguments (`perfbench diff A B --top 5`), which urfave/cli v2 would
// otherwise hand over as arguments. It knows nothing of the CLI library:
// the caller says which words are commands and which flags take a value.
package argv

// Command is what FlagsFirst needs to know of one (sub)command.
type Command interface {
	// Sub returns the subcommand called name, or nil.
	Sub(name string) Command
	// TakesValue reports whether the flag called name ("top", "o") reads
	// the next argument.
	TakesValue(name string) bool
}

// FlagsFirst returns args with the flags of the command they select moved
// before its positional arguments, keeping their order. args[0] is the
// program; root resolves the command names that follow it. Everything
// after "--" stays where it is.
func FlagsFirst(root Command, args []string) []string {
	if len(args) == 0 {
		return args
	}
	out, rest := []string{args[0]}, args[1:]
	var cmd Command
	for next := root; len(rest) > 0; {
		if next = next.Sub(rest[0]); next == nil {
			break
		}
		cmd = next
		out, rest = append(out, rest[0]), rest[1:]
	}
	if cmd == nil {
		return args
	}
	var flags, positional []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i:]...)
			i = len(rest)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if takesValue(cmd, a) && i+1 < len(rest) {
				i++
				flags = append(flags, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return append(append(out, flags...), positional...)
}

// takesValue: "--top" and "-o" may; "--top=5" carries its value.
func takesValue(cmd Command, flag string) bool {
	name := flag
	for len(name) > 0 && name[0] == '-' {
		name = name[1:]
	}
	for _, r := range name {
		if r == '=' {
			return false
		}
	}
	return cmd.TakesValue(name)
}
