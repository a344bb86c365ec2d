package main

import (
	"testing"

	"github.com/akte/akte/internal/wasmsize"
)

// maxSize bounds the module: it is loaded only by the pages of entries and
// of a status, but should not grow unnoticed (4.6 MB at first, like the
// protocol's module).
const maxSize = 6_000_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) { wasmsize.Check(t, "health.wasm", maxSize) }
