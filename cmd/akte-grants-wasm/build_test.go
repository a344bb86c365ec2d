package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxSize bounds the module: it is loaded only by the pages of grants and
// of a provider's records, but should not grow unnoticed (5.2 MB at
// first).
const maxSize = 6_000_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("the build of the module is skipped with -short")
	}
	wasm := filepath.Join(t.TempDir(), "grants.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("grants.wasm: %d bytes (at most %d)", fi.Size(), maxSize)
	if fi.Size() > maxSize {
		t.Errorf("grants.wasm is %d bytes, more than %d", fi.Size(), maxSize)
	}
}
