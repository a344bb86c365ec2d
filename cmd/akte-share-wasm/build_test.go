package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxSize bounds the module: it is loaded only by the share pages, and
// should not grow unnoticed (7.8 MB at first, most of it the PDF library
// and fonts of the access-code sheet).
const maxSize = 8_500_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("the build of the module is skipped with -short")
	}
	wasm := filepath.Join(t.TempDir(), "share.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("share.wasm: %d bytes (at most %d)", fi.Size(), maxSize)
	if fi.Size() > maxSize {
		t.Errorf("share.wasm is %d bytes, more than %d", fi.Size(), maxSize)
	}
}
