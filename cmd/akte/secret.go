package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/cli"
)

// secretReader gets passwords and recovery keys without ever taking them
// from a command-line argument: from an AKTE_* variable, from lines of
// standard input (--password-stdin), or from a prompt on the terminal.
type secretReader struct {
	e        *env
	useStdin bool
	lines    *bufio.Reader
}

func (e *env) secrets(useStdin bool) *secretReader {
	return &secretReader{e: e, useStdin: useStdin}
}

func (e *env) stdinTerminal() (*os.File, bool) {
	f, ok := e.Stdin.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// get returns the secret from envName, the next stdin line, or a prompt
// (asked twice when confirm is set).
func (s *secretReader) get(what, envName string, confirm bool) (string, error) {
	if v := s.e.Getenv(envName); v != "" {
		return v, nil
	}
	if s.useStdin {
		if s.lines == nil {
			s.lines = bufio.NewReader(s.e.Stdin)
		}
		l, err := s.lines.ReadString('\n')
		l = strings.TrimRight(l, "\r\n")
		if l == "" && err != nil {
			return "", cli.Fail(akte.KindInvalid, "stdin_ended", map[string]any{"what": what})
		}
		return l, nil
	}
	f, ok := s.e.stdinTerminal()
	if !ok {
		return "", cli.Fail(akte.KindInvalid, "secret_missing", map[string]any{"what": what, "env": envName})
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(s.e.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.e.Stderr)
		return string(b), err
	}
	v, err := read(what + ": ")
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := read(what + s.e.Tr(" (wiederholen): ", " (again): "))
		if err != nil {
			return "", err
		}
		if again != v {
			return "", cli.Fail(akte.KindInvalid, "secrets_differ", nil)
		}
	}
	return v, nil
}
