package main

import (
	"testing"

	"github.com/akte/akte/internal/wasmsize"
)

// maxSize bounds the module: it is loaded only by the export page, and is
// heavy because it holds all of the CLI's export and import (net/http,
// age, the PDF writer with its embedded font, FHIR checks of the entries,
// DICOM for studies; 21.3 MB at first, about a quarter of that brotli'd),
// but should not grow unnoticed.
const maxSize = 24_000_000

// TestBuild: the module builds as web/build.mjs builds it and stays under
// maxSize bytes.
func TestBuild(t *testing.T) { wasmsize.Check(t, "export.wasm", maxSize) }
