//go:build js && wasm

// Command akte-share-wasm is the browser's part of opening a share without
// an account (decision 0042): the derivation of a share's id, key and
// proof from its secret and password (client/core.ShareKeys, with
// Argon2id), compiled apart from the client core (cmd/akte-wasm, which has
// no room left) and loaded only by the share page, in a worker.
//
// It also prints the access-code sheet (package codesheet) for the
// patient's page. It exports akteShare with two functions, each taking one
// object and returning {ok: RESULT} or {error: {code, reason, params,
// message}}:
//
//	derive({text, password}) -> {id, key, proof, code, text}
//	    text is a share link, its fragment or an access code; key and
//	    proof are base64. The key never leaves the page's worker and
//	    page; only id and proof go to the server.
//	sheet({code, link, server, expires, items, password, lang, offset})
//	    -> the PDF, base64; expires is RFC 3339, offset the page's UTC
//	    offset in minutes (the sheet shows local time).
package main

import (
	"bytes"
	"encoding/base64"
	"syscall/js"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/codesheet"
	"github.com/akte/akte/internal/wasmcall"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("derive", wasmcall.Export("share", derive))
	api.Set("sheet", wasmcall.Export("share.sheet", sheet))
	js.Global().Set("akteShare", api)
	js.Global().Call("akteShareReady")
	select {}
}

func derive(a js.Value) (any, error) {
	sec, err := core.ParseShare(wasmcall.Str(a, "text"))
	if err != nil {
		return nil, err
	}
	id, key, proof, err := core.ShareKeys(sec.Secret, wasmcall.Str(a, "password"))
	if err != nil {
		return nil, err
	}
	b := base64.StdEncoding.EncodeToString
	return map[string]any{"id": id, "key": b(key), "proof": b(proof), "code": sec.Code, "text": sec.Text}, nil
}

func sheet(a js.Value) (any, error) {
	exp, err := time.Parse(time.RFC3339, wasmcall.Str(a, "expires"))
	if err != nil {
		return nil, akte.E("share.sheet", akte.KindInvalid, "expires", err)
	}
	l := codesheet.GermanLabels()
	if wasmcall.Str(a, "lang") == "en" {
		l = codesheet.EnglishLabels()
	}
	loc := time.FixedZone("", a.Get("offset").Int()*60)
	s := codesheet.Sheet{Code: wasmcall.Str(a, "code"), Link: wasmcall.Str(a, "link"), Server: wasmcall.Str(a, "server"), Expires: exp,
		Items: a.Get("items").Int(), Password: a.Get("password").Bool()}
	var buf bytes.Buffer
	if err := codesheet.Write(&buf, s, l, loc, time.Now()); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
