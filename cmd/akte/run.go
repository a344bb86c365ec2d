package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
)

// env is the process environment, injected so tests can run commands
// side by side.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// exitError carries an exit code other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// run is the whole program: main only wires the process to it, so that
// end-to-end tests can call it (or the built binary) with their own
// arguments, environment and streams.
// errText is what an error says to a person: its message (an API
// answer's), else the catalogue's text of its reason.
func errText(err error) string {
	if msg := akte.MessageOf(err); msg != "" {
		return msg
	}
	if r, p := akte.ReasonOf(err); r != "" {
		return catalog.Text("de", r, p)
	}
	return ""
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "akte",
		Short:         "Akte – Ihre verschlüsselte Gesundheitsakte / your end-to-end encrypted health record",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(serveCmd(e), adminCmd(e))
	for _, c := range clientCmds(e) {
		root.AddCommand(c)
	}
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var xe exitError
	if errors.As(err, &xe) {
		return xe.code
	}
	msg := errText(err)
	if msg == "" || akte.KindOf(err) == akte.KindInternal {
		msg = err.Error()
	}
	fmt.Fprintln(stderr, "Fehler:", msg)
	return 1
}
