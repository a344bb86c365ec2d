package web

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBrowser runs the browser tests (web/test/*.test.mjs, node's test
// runner with playwright-core) in Debian's Chromium against the real akte
// binary. `make test` sets AKTE_BROWSER_TESTS=1 after building the app, and
// then a missing piece fails the test; a plain `go test ./...` without a
// built app, node_modules or Chromium skips it.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests skipped with -short")
	}
	required := os.Getenv("AKTE_BROWSER_TESTS") != ""
	missing := func(what string) {
		if required {
			t.Fatalf("browser tests need %s (make web; scripts/test-deps.sh)", what)
		}
		t.Skipf("browser tests skipped: %s missing (make test runs them)", what)
	}
	if !Built() {
		missing("the built app (web/dist)")
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		missing("node_modules")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("Chromium")
	}
	bin := filepath.Join(t.TempDir(), "akte")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/akte").CombinedOutput(); err != nil {
		t.Fatalf("build akte: %v\n%s", err, out)
	}
	// The malicious-server proxy (internal/evilproxy) for malicious.test.mjs.
	evil := filepath.Join(t.TempDir(), "evilproxy")
	if out, err := exec.Command("go", "build", "-o", evil, "../internal/evilproxy/cmd/evilproxy").CombinedOutput(); err != nil {
		t.Fatalf("build evilproxy: %v\n%s", err, out)
	}
	files, err := filepath.Glob("test/*.test.mjs")
	if err != nil || len(files) == 0 {
		t.Fatalf("no browser tests found (%v)", err)
	}
	cmd := exec.Command("node", append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)...)
	cmd.Env = append(os.Environ(), "AKTE_BIN="+bin, "AKTE_EVILPROXY_BIN="+evil, "CHROMIUM="+chromium)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}
