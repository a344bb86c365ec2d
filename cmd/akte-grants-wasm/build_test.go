package main

import (
	"testing"

	"github.com/akte/akte/internal/wasmsize"
)

// maxSize bounds the module: it is loaded only by the pages of grants and
// of a provider's records, but should not grow unnoticed (5.2 MB at
// first).
const maxSize = 6_000_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) { wasmsize.Check(t, "grants.wasm", maxSize) }
