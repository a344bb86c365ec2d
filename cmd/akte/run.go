package main

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
	servercmd "github.com/akte/akte/internal/server"
)

// env is the process environment and language (package cli) with the
// client commands' helpers.
type env struct {
	*cli.Env
	pwStdin bool   // --password-stdin of a command that opens the user master key
	record  string // the global --record: the record the record-scoped commands address
}

// run is the whole program: main only wires the process to it, so that
// end-to-end tests can call it (or the built binary) with their own
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{Env: cli.NewEnv(getenv, stdin, stdout, stderr)}
	root := cli.Group(&cobra.Command{
		Use:           "akte",
		Short:         e.Tr("Akte – Ihre verschlüsselte Gesundheitsakte", "Akte – your end-to-end encrypted health record"),
		SilenceUsage:  true,
		SilenceErrors: true,
	})
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&e.record, "record", "", e.Tr("die Akte, auf die sich ein Befehl bezieht (Vorgabe: die eigene; akte records zeigt sie)",
		"the record a command addresses (default: one's own; akte records lists them)"))
	root.AddCommand(servercmd.Commands(e.Env)...)
	root.AddCommand(clientCmds(e)...)
	e.Localize(root)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var xe cli.ExitError
	if errors.As(err, &xe) {
		return xe.Code
	}
	e.PrintError(err)
	return 1
}
