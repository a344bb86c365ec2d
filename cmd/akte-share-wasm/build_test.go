package main

import (
	"testing"

	"github.com/akte/akte/internal/wasmsize"
)

// maxSize bounds the module: it is loaded only by the share pages, and
// should not grow unnoticed (7.8 MB at first, most of it the PDF library
// and fonts of the access-code sheet).
const maxSize = 8_500_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) { wasmsize.Check(t, "share.wasm", maxSize) }
