//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` and `go vet ./...` work on every
// platform; the real program is built with GOOS=js GOARCH=wasm (make web).
func main() {
	fmt.Fprintln(os.Stderr, "akte-wasm runs in the browser: build it with GOOS=js GOARCH=wasm (make web)")
	os.Exit(2)
}
