package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
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
	f, ok := e.stdin.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// get returns the secret from envName, the next stdin line, or a prompt
// (asked twice when confirm is set).
func (s *secretReader) get(what, envName string, confirm bool) (string, error) {
	if v := s.e.getenv(envName); v != "" {
		return v, nil
	}
	if s.useStdin {
		if s.lines == nil {
			s.lines = bufio.NewReader(s.e.stdin)
		}
		l, err := s.lines.ReadString('\n')
		l = strings.TrimRight(l, "\r\n")
		if l == "" && err != nil {
			return "", fmt.Errorf("%s: standard input ended (--password-stdin expects one line per secret)", what)
		}
		return l, nil
	}
	f, ok := s.e.stdinTerminal()
	if !ok {
		return "", fmt.Errorf("%s fehlt: bitte am Terminal eingeben, mit --password-stdin übergeben oder %s setzen", what, envName)
	}
	read := func(prompt string) (string, error) {
		fmt.Fprint(s.e.stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.e.stderr)
		return string(b), err
	}
	v, err := read(what + ": ")
	if err != nil {
		return "", err
	}
	if confirm {
		again, err := read(what + " (wiederholen): ")
		if err != nil {
			return "", err
		}
		if again != v {
			return "", fmt.Errorf("die beiden Eingaben stimmen nicht überein")
		}
	}
	return v, nil
}
