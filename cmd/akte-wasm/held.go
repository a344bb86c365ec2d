//go:build js && wasm

package main

import "strconv"

// The keys the worker holds (docs/decisions/0020-browser-keys-in-worker.md):
// the UMK and the keys that open it (the password key, the recovery key)
// stay in the WebAssembly module's memory for the tab's life; the page
// names them by handle. What derives from the UMK (record and category
// keys, private keys) is derived inside each call and never returned.
var (
	held    = map[string][]byte{}
	handles int
)

// hold keeps k and returns its handle.
func hold(k []byte) string {
	handles++
	h := "key-" + strconv.Itoa(handles)
	held[h] = k
	return h
}

// key reads a handle field; an unknown handle reads as no key, which the
// core refuses as a key of the wrong size.
func (o obj) key(name string) []byte { return held[o.str(name)] }

// take reads a handle field and forgets the key: for keys used once (the
// password key, the recovery key), whether the use succeeds or not.
func (o obj) take(name string) []byte {
	h := o.str(name)
	k := held[h]
	delete(held, h)
	return k
}

// forget drops the key of a handle (at logout, or a UMK opened only to
// prove a password) and overwrites its bytes.
func forget(a obj) (any, error) {
	h := a.str("handle")
	clear(held[h])
	delete(held, h)
	return nil, nil
}
