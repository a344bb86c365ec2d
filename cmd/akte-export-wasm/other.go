//go:build !(js && wasm)

// Command akte-export-wasm is built for the browser only (GOOS=js
// GOARCH=wasm); see main.go.
package main

func main() {}
