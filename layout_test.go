package akte_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The layout of the repository keeps two promises (issue 11): the HTTP
// surface is named in one place per client, and the binary's package only
// wires.

// TestAPIPathsInOnePlace: no Go file outside api/ (the server), client/
// (the Go client, one method per route) and tests names a path of the API;
// the browser's one place is web/src/api.js.
func TestAPIPathsInOnePlace(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "api" || path == "client" || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, `"/api/v1`) {
				t.Errorf("%s:%d names an API path; call a method of package client instead: %s", path, i+1, strings.TrimSpace(l))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCommandIsWiring: cmd/akte (with any package below it) holds flag
// parsing, prompts, output and wiring; logic lives in client/,
// internal/cli and internal/server. Every capability adds commands, so the
// measure is per command: under 80 lines of non-test code on average (a
// command that carries a protocol or a flow of its own shows up here;
// docs/decisions/0017-one-client.md).
func TestCommandIsWiring(t *testing.T) {
	lines, commands := 0, 0
	err := filepath.WalkDir("cmd/akte", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		for sc := bufio.NewScanner(f); sc.Scan(); {
			lines++
			commands += strings.Count(sc.Text(), "&cobra.Command{")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if commands == 0 || lines >= 80*commands {
		t.Errorf("cmd/akte has %d lines of non-test code for %d commands, want under 80 a command", lines, commands)
	}
	t.Logf("cmd/akte: %d lines of non-test code, %d commands (%.0f a command)", lines, commands, float64(lines)/float64(max(commands, 1)))
}
