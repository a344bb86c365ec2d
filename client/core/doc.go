// Package core is the client core of Akte, shared by the CLI (through
// package client) and the browser (compiled to WebAssembly by
// cmd/akte-wasm): the key handling of design §4.1 (the password split, the
// user master key, the recovery key, the record and its items), the
// password policy, the checks against a lying server, and the upload
// protocol (chunk layout, retry rule, resume checks, plaintext digest).
// Secrets are made and opened here and never sent.
//
// It speaks no HTTP, so that the WebAssembly module stays small: the Go
// API client is package client, the browser's is web/src/api.js. Errors
// are *akte.Error values with a Reason and Params, which each client
// renders from its catalogue (package catalog); Message is the German
// text of the same.
package core
