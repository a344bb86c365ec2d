// Package cli is what every command of the akte binary shares: the
// process environment, the language (AKTE_LANG, then LC_ALL, LC_MESSAGES
// and LANG), the rendering of errors from the catalogue by reason, and
// cobra in German or English (usage, help, flag and argument errors).
package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
)

// Env is the process environment, injected so that tests can run commands
// side by side, and the language the commands speak.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Lang   string // "de" or "en"
}

// NewEnv returns the environment with the language it names.
func NewEnv(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *Env {
	return &Env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr, Lang: catalog.LangFromEnv(getenv)}
}

// Tr returns the German or the English text, as the language is: every
// sentence a command prints is written in both where it is used.
func (e *Env) Tr(de, en string) string {
	if e.Lang == "de" {
		return de
	}
	return en
}

// Printf prints to standard output.
func (e *Env) Printf(format string, args ...any) { fmt.Fprintf(e.Stdout, format, args...) }

// PrintJSON prints v as indented JSON (the --json output of commands).
func (e *Env) PrintJSON(v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Fail is an error with a reason of the command line itself (a missing
// flag, a file that exists), to be rendered from the catalogue.
func Fail(kind akte.Kind, reason string, params map[string]any) error {
	return &akte.Error{Op: "cli", Kind: kind, Reason: reason, Params: params}
}

// ExitError ends the program with an exit code other than 1 and no
// message.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// InFile prefixes an error with the file it concerns.
func InFile(file string, err error) error { return &fileError{file: file, err: err} }

type fileError struct {
	file string
	err  error
}

func (f *fileError) Error() string { return f.file + ": " + f.err.Error() }
func (f *fileError) Unwrap() error { return f.err }

// Message renders an error for people in the language: from the
// catalogue by its reason; without one it knows, the English message of
// the API (in English) or the text of its kind; errors of the file system by what went
// wrong; anything else as it is.
func (e *Env) Message(err error) string {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.file + ": " + e.Message(fe.err)
	}
	reason, params := akte.ReasonOf(err)
	if reason != "" && catalog.Has(e.Lang, reason) {
		return catalog.Text(e.Lang, reason, params)
	}
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return catalog.Text(e.Lang, "file_not_found", map[string]any{"file": pe.Path})
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return catalog.Text(e.Lang, "file_not_permitted", map[string]any{"file": pe.Path})
	}
	var ae *akte.Error
	m := akte.MessageOf(err)
	k := akte.KindOf(err)
	switch {
	case !errors.As(err, &ae), reason == "" && m == "", k == akte.KindOther, k == akte.KindInternal:
		// No words for people: the chain says what failed where (an
		// operator's "open database HOST: ...").
		return err.Error()
	case e.Lang == "en" && m != "":
		// A reason this client does not know yet: the server's English
		// message says more than the kind.
		return m
	}
	return catalog.Text(e.Lang, k.String(), nil)
}

// PrintError prints an error as the last line of a failed command.
func (e *Env) PrintError(err error) {
	fmt.Fprintln(e.Stderr, e.Tr("Fehler:", "Error:"), e.Message(err))
}

// Required marks flags a command cannot do without. Cobra's own marking
// would say so in English; Localize checks these before the command runs.
func Required(cmd *cobra.Command, names ...string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations["akte_required"] = strings.Join(names, " ")
}

// checkRequired fails if a flag Required names was not given.
func checkRequired(cmd *cobra.Command) error {
	var missing []string
	for _, n := range strings.Fields(cmd.Annotations["akte_required"]) {
		if f := cmd.Flags().Lookup(n); f != nil && !f.Changed {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": strings.Join(missing, ", ")})
	}
	return nil
}

// NoArgs, ExactArgs, MinArgs and MaxArgs are cobra's argument checks with reasons.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return Fail(akte.KindInvalid, "args_none", map[string]any{"command": cmd.CommandPath(), "got": args[0]})
	}
	return nil
}

// ExactArgs requires n arguments.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return Fail(akte.KindInvalid, "args_exact", map[string]any{"command": cmd.CommandPath(), "want": n, "got": len(args)})
		}
		return nil
	}
}

// MinArgs requires at least n arguments.
func MinArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return Fail(akte.KindInvalid, "args_min", map[string]any{"command": cmd.CommandPath(), "want": n, "got": len(args)})
		}
		return nil
	}
}

// MaxArgs allows at most n arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return Fail(akte.KindInvalid, "args_max", map[string]any{"command": cmd.CommandPath(), "want": n, "got": len(args)})
		}
		return nil
	}
}

// Group makes a command that only holds others runnable: without
// arguments it shows its help, with an unknown one it says so (cobra
// would in English).
func Group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.SuggestionsMinimumDistance = 2
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		p := map[string]any{"command": args[0], "parent": c.CommandPath(), "suggestions": strings.Join(c.SuggestionsFor(args[0]), ", ")}
		if p["suggestions"] == "" {
			return Fail(akte.KindInvalid, "command_unknown", p)
		}
		return Fail(akte.KindInvalid, "command_unknown_suggest", p)
	}
	return cmd
}

// Localize makes cobra speak the language in the whole tree under root:
// usage and help templates, the help command and flags, flag errors, and
// the check of Required flags. Call it after every command was added.
func (e *Env) Localize(root *cobra.Command) {
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetUsageTemplate(e.usageTemplate())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError(err) })
	root.SetHelpCommand(&cobra.Command{
		Use:   e.Tr("help [Befehl]", "help [command]"),
		Short: e.Tr("Hilfe zu einem Befehl", "Help about any command"),
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return Fail(akte.KindInvalid, "command_unknown", map[string]any{"command": strings.Join(args, " "), "parent": c.Root().Name()})
			}
			return target.Help()
		},
	})
	root.InitDefaultHelpCmd()
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkRequired(cmd) }
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableFlagsInUseLine = true
		c.InitDefaultHelpFlag()
		c.Flags().Lookup("help").Usage = e.Tr("Hilfe zu "+c.Name(), "help for "+c.Name())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// flagError gives pflag's errors reasons.
func flagError(err error) error {
	var (
		ne *pflag.NotExistError
		ve *pflag.ValueRequiredError
		ie *pflag.InvalidValueError
		se *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &ne):
		name := "--" + ne.GetSpecifiedName()
		if s := ne.GetSpecifiedShortnames(); s != "" {
			name = "-" + ne.GetSpecifiedName()[:1]
		}
		return Fail(akte.KindInvalid, "flag_unknown", map[string]any{"flag": name})
	case errors.As(err, &ve):
		name := "--" + ve.GetSpecifiedName()
		if ve.GetSpecifiedShortnames() != "" {
			name = "-" + ve.GetSpecifiedName()[:1]
		}
		return Fail(akte.KindInvalid, "flag_needs_value", map[string]any{"flag": name})
	case errors.As(err, &ie):
		return Fail(akte.KindInvalid, "flag_invalid_value", map[string]any{"flag": "--" + ie.GetFlag().Name, "value": ie.GetValue()})
	case errors.As(err, &se):
		return Fail(akte.KindInvalid, "flag_syntax", map[string]any{"flag": se.GetSpecifiedFlag()})
	}
	return err
}

// usageTemplate is cobra's default usage template in the language (flags
// are named in the use line by the template, not by cobra).
func (e *Env) usageTemplate() string {
	r := strings.NewReplacer(
		"USAGE", e.Tr("Aufruf:", "Usage:"), "FLAGSWORD", e.Tr("[Optionen]", "[flags]"), "COMMANDWORD", e.Tr("[Befehl]", "[command]"),
		"COMMANDS", e.Tr("Befehle:", "Available Commands:"), "LOCALFLAGS", e.Tr("Optionen:", "Flags:"),
		"GLOBALFLAGS", e.Tr("Optionen für alle Befehle:", "Global Flags:"), "EXAMPLES", e.Tr("Beispiele:", "Examples:"),
		"MORE", e.Tr(`Mehr zu einem Befehl: "{{.CommandPath}} [Befehl] --help".`, `Use "{{.CommandPath}} [command] --help" for more information about a command.`))
	return r.Replace(`USAGE{{if .Runnable}}
  {{.UseLine}}{{if .HasAvailableFlags}} FLAGSWORD{{end}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} COMMANDWORD{{end}}{{if .HasExample}}

EXAMPLES
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

COMMANDS{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

LOCALFLAGS
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

GLOBALFLAGS
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

MORE{{end}}
`)
}

// TestClock is a clock for end-to-end tests of deadlines: with path
// naming a file that holds a Go duration (AKTE_TEST_CLOCK_FILE), the time
// is the real time plus that duration, read anew at every use; nil for an
// empty path. akte serve honours it only on a loopback address; the
// client signs its session key requests with it (a client that lies about
// its time only locks itself out).
func TestClock(path string) func() time.Time {
	if path == "" {
		return nil
	}
	return func() time.Time {
		b, _ := os.ReadFile(path)
		d, _ := time.ParseDuration(strings.TrimSpace(string(b)))
		return time.Now().Add(d)
	}
}
