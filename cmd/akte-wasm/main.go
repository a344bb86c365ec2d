//go:build js && wasm

// Command akte-wasm is the client core for the browser: the same Go code
// the CLI runs (package client and seal), compiled to WebAssembly and
// called by the web app's worker (web/src/core-worker.js).
//
// Every exported function takes one JSON string and returns one JSON
// string: {"ok": RESULT} or {"error": {"code": KIND, "reason": REASON,
// "params": {...}, "message": TEXT}}.
// Byte slices travel as base64, as encoding/json writes them, which is
// also how the HTTP API's wire types carry them: what a function returns
// can go to the server as it is. Bulk stream encryption does not pass
// through here; the browser does it with WebCrypto (docs/crypto.md §14).
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/skip2/go-qrcode"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

func main() {
	api := js.Global().Get("Object").New()
	for name, f := range funcs {
		api.Set(name, export(f))
	}
	js.Global().Set("akteCore", api)
	js.Global().Call("akteCoreReady")
	select {}
}

type handler func(in json.RawMessage) (any, error)

// funcs is the whole surface the browser sees.
var funcs = map[string]handler{
	"checkPassword":   checkPassword,
	"newAccount":      newAccount,
	"split":           split,
	"keyVersions":     keyVersions,
	"unlock":          unlock,
	"recoveryKey":     recoveryKey,
	"parseRecovery":   parseRecovery,
	"unlockRecovery":  unlockRecovery,
	"rewrap":          rewrap,
	"openItems":       openItems,
	"newItem":         newItem,
	"sealSmall":       sealSmall,
	"openSmall":       openSmall,
	"qr":              qr,
	"vector":          vector,
	"ciphertextSize":  ciphertextSize,
	"formatRecovery":  formatRecovery,
	"streamRandomLen": func(json.RawMessage) (any, error) { return seal.StreamRandomSize, nil },
}

func export(f handler) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if v := recover(); v != nil {
				res = reply(nil, akte.E("core", akte.KindInternal, fmt.Sprint(v), nil))
			}
		}()
		in := "null"
		if len(args) > 0 {
			in = args[0].String()
		}
		out, err := f(json.RawMessage(in))
		return reply(out, err)
	})
}

func reply(out any, err error) string {
	var m any
	if err != nil {
		msg := akte.MessageOf(err)
		if msg == "" {
			msg = err.Error()
		}
		reason, params := akte.ReasonOf(err)
		m = map[string]any{"error": map[string]any{"code": akte.KindOf(err).String(), "reason": reason, "params": params, "message": msg}}
	} else {
		m = map[string]any{"ok": out}
	}
	b, jerr := json.Marshal(m)
	if jerr != nil {
		return `{"error":{"code":"internal","message":"encode"}}`
	}
	return string(b)
}

func decode[T any](in json.RawMessage) (T, error) {
	var v T
	if err := json.Unmarshal(in, &v); err != nil {
		return v, akte.E("core", akte.KindInvalid, "bad arguments", err)
	}
	return v, nil
}

func checkPassword(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Password, Email, KVNR string }](in)
	if err != nil {
		return nil, err
	}
	if err := client.CheckPassword(a.Password, a.Email, a.KVNR); err != nil {
		return akte.MessageOf(err), nil
	}
	return "", nil
}

// newAccount makes the keys of a new account, or of a reset without the
// recovery key. The recovery key is returned as text and its QR code is
// made by the caller; the UMK stays in the page's memory.
func newAccount(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Password string }](in)
	if err != nil {
		return nil, err
	}
	m, err := client.NewMaterial(a.Password, client.DefaultKDF())
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"kdf": m.KDF, "login_secret": m.LoginSecret, "recovery_verifier": m.RecoveryVerifier, "keys": m.Keys,
		"record": m.Record, "umk": m.UMK, "recovery_key": client.FormatRecoveryKey(m.RecoveryKey),
	}, nil
}

// split derives the password key and the login secret from parameters the
// server offered, after the checks of client.CheckOffered against the
// floor and against last, the parameters this browser last used for the
// account (kept by the page, null if none); changed_elsewhere says the
// person confirmed a password change on another device.
func split(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		Password         string
		KDF              akte.KDFParams
		Last             *akte.KDFParams
		ChangedElsewhere bool `json:"changed_elsewhere"`
	}](in)
	if err != nil {
		return nil, err
	}
	if err := client.CheckOffered(a.KDF, a.Last, a.ChangedElsewhere); err != nil {
		return nil, err
	}
	pk, ls, err := client.Split(a.Password, a.KDF)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"password_key": pk, "login_secret": ls}, nil
}

// keyVersions authenticates the newest category key versions of the record
// and refuses versions lower than seen (by category, kept by the page);
// it returns the versions to remember.
func keyVersions(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		UMK    []byte
		Record wire.Record
		Seen   map[string]uint32
	}](in)
	if err != nil {
		return nil, err
	}
	rec, err := client.OpenRecord(a.UMK, a.Record)
	if err != nil {
		return nil, err
	}
	return rec.KeyVersions(a.Seen)
}

func unlock(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		PasswordKey []byte `json:"password_key"`
		Keys        akte.KeyBundle
	}](in)
	if err != nil {
		return nil, err
	}
	return client.UnlockUMK(a.PasswordKey, a.Keys)
}

func recoveryKey(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		UMK  []byte
		Keys akte.KeyBundle
	}](in)
	if err != nil {
		return nil, err
	}
	rk, err := client.RecoveryKey(a.UMK, a.Keys)
	if err != nil {
		return nil, err
	}
	return client.FormatRecoveryKey(rk), nil
}

func formatRecovery(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Key []byte }](in)
	if err != nil {
		return nil, err
	}
	return client.FormatRecoveryKey(a.Key), nil
}

func parseRecovery(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Text string }](in)
	if err != nil {
		return nil, err
	}
	k, err := client.ParseRecoveryKey(a.Text)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"key": k, "verifier": client.RecoveryVerifier(k)}, nil
}

func unlockRecovery(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		Key           []byte
		UMKByRecovery []byte `json:"umk_by_recovery"`
	}](in)
	if err != nil {
		return nil, err
	}
	return client.UnlockUMKWithRecovery(a.Key, a.UMKByRecovery)
}

// rewrap wraps the UMK under a new password with fresh KDF parameters and
// returns a wire.NewPassword.
func rewrap(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		UMK      []byte
		Password string
	}](in)
	if err != nil {
		return nil, err
	}
	kdf := client.DefaultKDF()
	ls, w, err := client.Rewrap(a.UMK, a.Password, kdf)
	if err != nil {
		return nil, err
	}
	return wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: w}, nil
}

// openedItem is an item's key and metadata, or why it could not be opened.
type openedItem struct {
	ID    string       `json:"id"`
	Key   []byte       `json:"key,omitempty"`
	Meta  *client.Meta `json:"meta,omitempty"`
	Error string       `json:"error,omitempty"`
}

// openItems opens the keys and metadata of many items in one call.
func openItems(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		UMK    []byte
		Record wire.Record
		Items  []wire.Item
	}](in)
	if err != nil {
		return nil, err
	}
	rec, err := client.OpenRecord(a.UMK, a.Record)
	if err != nil {
		return nil, err
	}
	out := make([]openedItem, 0, len(a.Items))
	for _, it := range a.Items {
		k, m, err := rec.OpenItem(it)
		if err != nil {
			out = append(out, openedItem{ID: it.ID, Error: err.Error()})
			continue
		}
		out = append(out, openedItem{ID: it.ID, Key: k, Meta: &m})
	}
	return out, nil
}

// newItem prepares a document: id, item key, key slot and sealed metadata.
func newItem(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		UMK      []byte
		Record   wire.Record
		Category string
		Meta     client.Meta
	}](in)
	if err != nil {
		return nil, err
	}
	rec, err := client.OpenRecord(a.UMK, a.Record)
	if err != nil {
		return nil, err
	}
	it, err := rec.NewItem(a.Category, a.Meta)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": it.ID, "category": it.Category, "key_version": it.KeyVersion, "key": it.Key,
		"key_slot": it.KeySlot, "meta_sealed": it.MetaSealed}, nil
}

func sealSmall(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Key, AAD, Data []byte }](in)
	if err != nil {
		return nil, err
	}
	return seal.SealSmall(a.Key, a.AAD, a.Data)
}

func openSmall(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Key, AAD, Data []byte }](in)
	if err != nil {
		return nil, err
	}
	return seal.OpenSmall(a.Key, a.AAD, a.Data)
}

func ciphertextSize(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		Plain   int64
		Segment int
	}](in)
	if err != nil {
		return nil, err
	}
	return seal.CiphertextSize(a.Plain, a.Segment), nil
}

// qr returns the modules of a QR code as rows of '0' and '1', so the page
// draws it as SVG (crisp when printed, no image decoding).
func qr(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Text string }](in)
	if err != nil {
		return nil, err
	}
	q, err := qrcode.New(a.Text, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	rows := make([]string, len(bm))
	for i, r := range bm {
		b := make([]byte, len(r))
		for j, on := range r {
			b[j] = '0'
			if on {
				b[j] = '1'
			}
		}
		rows[i] = string(b)
	}
	return rows, nil
}
