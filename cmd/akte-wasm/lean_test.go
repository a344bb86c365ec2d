package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxSize is the most the WebAssembly core may weigh uncompressed (issue
// 11; docs/benchmarks.md records what it weighs).
const maxSize = 4_500_000

// TestLean: the browser's core holds no HTTP client and no encoding/json
// (the browser speaks HTTP with fetch, and reflection would be most of a
// megabyte), and stays under maxSize bytes built as web/build.mjs builds
// it.
func TestLean(t *testing.T) {
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	list := exec.Command("go", "list", "-deps", ".")
	list.Env = env
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "net" || strings.HasPrefix(p, "net/") || p == "encoding/json" || p == "image/png" {
			t.Errorf("the WebAssembly core imports %s", p)
		}
	}
	if testing.Short() {
		t.Skip("the build of the module is skipped with -short")
	}
	wasm := filepath.Join(t.TempDir(), "core.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fi, err := os.Stat(wasm)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("core.wasm: %d bytes (at most %d)", fi.Size(), maxSize)
	if fi.Size() > maxSize {
		t.Errorf("core.wasm is %d bytes, more than %d", fi.Size(), maxSize)
	}
}
