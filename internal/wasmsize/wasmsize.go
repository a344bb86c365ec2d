// Package wasmsize is the size check of the lazily loaded WebAssembly
// modules (cmd/akte-*-wasm): each builds as web/build.mjs builds it and
// stays under its bound, so that no module grows unnoticed.
package wasmsize

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Check builds the package in the current directory for js/wasm as name
// and fails t if it is larger than max bytes. It skips with -short.
func Check(t *testing.T, name string, max int64) {
	t.Helper()
	if testing.Short() {
		t.Skip("the build of the module is skipped with -short")
	}
	wasm := filepath.Join(t.TempDir(), name)
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes (at most %d)", name, fi.Size(), max)
	if fi.Size() > max {
		t.Errorf("%s is %d bytes, more than %d", name, fi.Size(), max)
	}
}
