//go:build js && wasm

// Command akte-wasm is the client core for the browser: the same Go code
// the CLI runs (packages client/core and seal), compiled to WebAssembly
// and called by the web app's worker (web/src/core-worker.js).
//
// Every exported function takes one object and returns {ok: RESULT} or
// {error: {code: KIND, reason: REASON, params: {...}, message: TEXT}}.
// Objects have the names of the HTTP API's wire types and byte slices
// travel as base64, so that what a function returns can go to the server
// as it is. Keys that open the account (the UMK, the password key, the
// recovery key) never travel: the worker holds them and the page passes
// their handles (held.go). Bulk stream encryption does not pass through here; the
// browser does it with WebCrypto (docs/crypto.md §14).
//
// The module is kept lean (decision 0017): no HTTP (the browser's API
// client is web/src/api.js), and no encoding/json or fmt, whose
// reflection would be most of a megabyte: arguments are read from the
// JavaScript objects field by field (args.go), results built as maps.
package main

import (
	"syscall/js"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/qr"
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

type handler func(a obj) (any, error)

// funcs is the whole surface the browser sees.
var funcs = map[string]handler{
	"checkPassword":   checkPassword,
	"checkKVNR":       checkKVNR,
	"newAccount":      newAccount,
	"split":           split,
	"keyVersions":     keyVersions,
	"unlock":          unlock,
	"recoveryKey":     recoveryKey,
	"parseRecovery":   parseRecovery,
	"unlockRecovery":  unlockRecovery,
	"rewrap":          rewrap,
	"rotate":          rotate,
	"openItems":       openItems,
	"checkManifest":   checkManifest,
	"updateManifest":  updateManifest,
	"newItem":         newItem,
	"describeItem":    describeItem,
	"sealSmall":       sealSmall,
	"openSmall":       openSmall,
	"forget":          forget,
	"qr":              qrCode,
	"vector":          vector,
	"layout":          layout,
	"chunkPieces":     chunkPieces,
	"retryDelay":      retryDelay,
	"checkResume":     checkResume,
	"formatRecovery":  formatRecovery,
	"fingerprint":     fingerprint,
	"ownFingerprint":  ownFingerprint,
	"wrapForRep":      wrapForRep,
	"streamRandomLen": func(obj) (any, error) { return seal.StreamRandomSize, nil },
}

func export(f handler) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if v := recover(); v != nil {
				msg := "panic"
				if e, ok := v.(error); ok {
					msg = e.Error()
				} else if s, ok := v.(string); ok {
					msg = s
				}
				res = reply(nil, akte.E("core", akte.KindInternal, msg, nil))
			}
		}()
		a := obj{js.Null()}
		if len(args) > 0 {
			a = obj{args[0]}
		}
		out, err := f(a)
		return reply(out, err)
	})
}

func reply(out any, err error) js.Value {
	if err == nil {
		return js.ValueOf(map[string]any{"ok": out})
	}
	msg := akte.MessageOf(err)
	if msg == "" {
		msg = err.Error()
	}
	reason, params := akte.ReasonOf(err)
	e := map[string]any{"code": akte.KindOf(err).String(), "reason": reason, "message": msg}
	if params != nil {
		p := map[string]any{}
		for k, v := range params {
			p[k] = jsValue(v)
		}
		e["params"] = p
	}
	return js.ValueOf(map[string]any{"error": e})
}

// checkPassword answers null for a password the policy allows, else the
// refusal as an error's fields, for the page to say.
func checkPassword(a obj) (any, error) {
	if err := core.CheckPassword(a.str("password"), a.str("email"), a.str("kvnr")); err != nil {
		return reply(nil, err).Get("error"), nil
	}
	return nil, nil
}

// checkKVNR answers null for a well-formed KVNR (the rule the server
// applies; the page trims and upper-cases it as it sends it), else the
// refusal as an error's fields: the page says it at the field before the
// slow work of making keys.
func checkKVNR(a obj) (any, error) {
	if !akte.ValidKVNR(a.str("kvnr")) {
		return reply(nil, akte.R("kvnr.check", akte.KindInvalid, "kvnr_invalid", nil, "invalid KVNR")).Get("error"), nil
	}
	return nil, nil
}

// newAccount makes the keys of a new account, or of a reset without the
// recovery key. The recovery key is returned as text and its QR code is
// made by the caller; the UMK stays in the worker, the page gets its
// handle.
func newAccount(a obj) (any, error) {
	m, err := core.NewMaterial(a.str("password"), core.DefaultKDF())
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"kdf": kdfOut(m.KDF), "login_secret": b64(m.LoginSecret), "recovery_verifier": b64(m.RecoveryVerifier), "keys": keysOut(m.Keys),
		"record": recordKeysOut(m.Record), "umk": hold(m.UMK), "recovery_key": core.FormatRecoveryKey(m.RecoveryKey),
	}, nil
}

// split derives the password key and the login secret from parameters the
// server offered, after the checks of core.CheckOffered against the floor
// and against last, the parameters this browser last used for the account
// (kept by the page, null if none); changed_elsewhere says the person
// confirmed a password change on another device. The password key stays
// in the worker: the page gets a handle for unlock, which uses it once.
func split(a obj) (any, error) {
	var last *akte.KDFParams
	if l := a.get("last"); l.ok() {
		k := l.kdf()
		last = &k
	}
	if err := core.CheckOffered(a.get("kdf").kdf(), last, a.bool("changed_elsewhere")); err != nil {
		return nil, err
	}
	pk, ls, err := core.Split(a.str("password"), a.get("kdf").kdf())
	if err != nil {
		return nil, err
	}
	return map[string]any{"password_key": hold(pk), "login_secret": b64(ls)}, nil
}

// keyVersions authenticates the newest category key versions of the record
// and refuses versions lower than seen (by category, kept by the page);
// it returns the versions to remember.
func keyVersions(a obj) (any, error) {
	rec, err := openRecord(a)
	if err != nil {
		return nil, err
	}
	seen := map[string]uint32{}
	for _, k := range a.get("seen").keys() {
		seen[k] = uint32(a.get("seen").int(k))
	}
	latest, err := rec.KeyVersions(seen)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, v := range latest {
		out[k] = int(v)
	}
	return out, nil
}

// unlock opens the UMK with the password key of split (used up) and
// returns the UMK's handle.
func unlock(a obj) (any, error) {
	umk, err := core.UnlockUMK(a.take("password_key"), a.get("keys").keyBundle())
	if err != nil {
		return nil, err
	}
	return hold(umk), nil
}

func recoveryKey(a obj) (any, error) {
	rk, err := core.RecoveryKey(a.key("umk"), a.get("keys").keyBundle())
	if err != nil {
		return nil, err
	}
	return core.FormatRecoveryKey(rk), nil
}

// fingerprint is {fingerprint} of a public key (a provider's as GET
// /api/v1/providers/{id} serves it, a representative's), computed here
// from its bytes after checking it is a key (decisions 0034, 0036); the
// page compares what a person typed.
func fingerprint(a obj) (any, error) {
	fp, err := core.KeyFingerprint(a.bytes("public_key"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"fingerprint": fp}, nil
}

// ownFingerprint is the fingerprint the account's own private key proves
// (umk held, keys the account's bundle), refusing a served public_key
// that is not its own (account_key_substituted).
func ownFingerprint(a obj) (any, error) {
	k := a.get("keys").keyBundle()
	k.PublicKey = a.bytes("public_key")
	return core.OwnFingerprint(a.key("umk"), k)
}

func formatRecovery(a obj) (any, error) { return core.FormatRecoveryKey(a.bytes("key")), nil }

func parseRecovery(a obj) (any, error) {
	k, err := core.ParseRecoveryKey(a.str("text"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"key": hold(k), "verifier": b64(core.RecoveryVerifier(k))}, nil
}

func unlockRecovery(a obj) (any, error) {
	umk, err := core.UnlockUMKWithRecovery(a.take("key"), a.bytes("umk_by_recovery"))
	if err != nil {
		return nil, err
	}
	return hold(umk), nil
}

// rewrap wraps the UMK under a new password with fresh KDF parameters and
// returns a wire.NewPassword.
func rewrap(a obj) (any, error) {
	kdf := core.DefaultKDF()
	ls, w, err := core.Rewrap(a.key("umk"), a.str("password"), kdf)
	if err != nil {
		return nil, err
	}
	return map[string]any{"kdf": kdfOut(kdf), "login_secret": b64(ls), "umk_by_password": b64(w)}, nil
}

// rotate makes a new user master key and recovery key (core.RotateUMK)
// from the current UMK, the account's keys, the record (as GET
// GET /api/v1/records/{rid} returns it) and the password key; it returns what
// POST /api/v1/account/keys/rotate takes besides the proof, the new UMK,
// and the new recovery key as text.
func rotate(a obj) (any, error) {
	rt, err := core.RotateUMK(a.key("umk"), a.get("keys").keyBundle(), a.get("record").record().Keys, a.take("password_key"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"recovery_verifier": b64(rt.RecoveryVerifier), "keys": keysOut(rt.Keys), "rmk_by_umk": b64(rt.RMKByUMK),
		"umk": hold(rt.UMK), "recovery_key": core.FormatRecoveryKey(rt.RecoveryKey)}, nil
}

// openItems opens the keys and metadata of many items in one call: for
// each {id, key, meta} or {id, error}.
func openItems(a obj) (any, error) {
	rec, err := openRecord(a)
	if err != nil {
		return nil, err
	}
	var (
		out   []any
		items []wire.Item
		metas = map[string]core.Meta{}
	)
	for _, o := range a.get("items").list() {
		it := o.item()
		items = append(items, it)
		k, m, err := rec.OpenItem(it)
		if err != nil {
			out = append(out, map[string]any{"id": it.ID, "error": err.Error(), "replaces": it.Replaces})
			continue
		}
		metas[it.ID] = m
		out = append(out, map[string]any{"id": it.ID, "key": b64(k), "meta": metaOut(m), "replaces": core.VerifiedReplaces(it, m)})
	}
	// A version chain the server bent: the item says so.
	problems := core.ChainProblems(items, metas)
	for i, it := range items {
		if err := problems[it.ID]; err != nil {
			out[i].(map[string]any)["problem"] = reply(nil, err).Get("error")
		}
	}
	return out, nil
}

// newItem prepares a document: id, item key, key slot and sealed metadata.
func newItem(a obj) (any, error) {
	rec, err := openRecord(a)
	if err != nil {
		return nil, err
	}
	m := a.get("meta").meta()
	m.Replaces, m.Version = core.NextVersion(a.str("replaces"), core.Meta{Version: a.int("prev_version")})
	it, err := rec.NewItem(a.str("category"), m)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": it.ID, "category": it.Category, "key_version": int(it.KeyVersion), "key": b64(it.Key),
		"key_slot": b64(it.KeySlot), "meta_sealed": b64(it.MetaSealed)}, nil
}

// describeItem seals a new description of an item (core.Record.Describe):
// {expect, meta_sealed, category, key_version, key_slot} for PUT
// /api/v1/records/{rid}/items/{id}/meta (category empty and no slot unless it moves) and
// the metadata sealed.
func describeItem(a obj) (any, error) {
	rec, err := openRecord(a)
	if err != nil {
		return nil, err
	}
	ch, m, err := rec.Describe(a.get("item").item(), a.get("meta").meta(), a.str("category"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"expect": float64(ch.Expect), "meta_sealed": b64(ch.MetaSealed), "meta": metaOut(m)}
	if ch.Category != "" {
		out["category"], out["key_version"], out["key_slot"] = ch.Category, int(ch.KeyVersion), b64(ch.KeySlot)
	}
	return out, nil
}

// sealSmall and openSmall seal and open small values under a held key
// (the page's resume plans, under the UMK).
func sealSmall(a obj) (any, error) {
	b, err := seal.SealSmall(a.key("key"), a.bytes("aad"), a.bytes("data"))
	return b64(b), err
}

func openSmall(a obj) (any, error) {
	b, err := seal.OpenSmall(a.key("key"), a.bytes("aad"), a.bytes("data"))
	return b64(b), err
}

// qrCode returns the modules of a QR code as rows of '0' and '1', so the
// page draws it as SVG (crisp when printed, no image decoding).
func qrCode(a obj) (any, error) {
	c, err := qr.Encode(a.str("text"))
	if err != nil {
		return nil, akte.E("core.qr", akte.KindInvalid, "", err)
	}
	var rows []any
	for y := range c.Size {
		b := make([]byte, c.Size)
		for x := range c.Size {
			b[x] = '0'
			if c.Black(x, y) {
				b[x] = '1'
			}
		}
		rows = append(rows, string(b))
	}
	return rows, nil
}

// Results are maps for js.ValueOf, which takes strings, numbers, bools,
// nil, []any and map[string]any.

func kdfOut(k akte.KDFParams) map[string]any {
	return map[string]any{"alg": k.Alg, "salt": b64(k.Salt), "memory": int(k.Memory), "time": int(k.Time), "threads": int(k.Threads)}
}

func keysOut(k akte.KeyBundle) map[string]any {
	return map[string]any{"umk_by_password": b64(k.UMKByPassword), "umk_by_recovery": b64(k.UMKByRecovery), "recovery_by_umk": b64(k.RecoveryByUMK),
		"public_key": b64(k.PublicKey), "private_key_by_umk": b64(k.PrivateKeyByUMK)}
}

func recordKeysOut(r *wire.RecordKeys) map[string]any {
	var cks []any
	for _, c := range r.CategoryKeys {
		cks = append(cks, map[string]any{"category": c.Category, "version": int(c.Version), "key_by_rmk": b64(c.KeyByRMK)})
	}
	return map[string]any{"record_id": r.RecordID, "rmk_by_umk": b64(r.RMKByUMK), "public_key": b64(r.PublicKey),
		"private_key_by_rmk": b64(r.PrivateKeyByRMK), "category_keys": cks}
}

func metaOut(m core.Meta) map[string]any {
	out := map[string]any{"title": m.Title, "size": float64(m.Size)}
	if m.Version != 0 {
		out["version"] = float64(m.Version)
	}
	for k, v := range map[string]string{"type": m.Type, "date": m.Date, "source": m.Source, "comment": m.Comment,
		"file_name": m.FileName, "media_type": m.MediaType, "digest": m.Digest, "replaces": m.Replaces, "thumb": m.Thumb,
		"entry": string(m.Entry), "profile": string(m.Profile)} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// openRecord opens the record of a call: one's own with the user master
// key, a represented one (its rmk_slot set, decision 0036) with the
// account's private key, which the page adds to the record object as
// private_key_by_umk.
func openRecord(a obj) (*core.Record, error) {
	r := a.get("record")
	info := r.record()
	if len(info.RMKSlot) == 0 {
		return core.OpenRecord(a.key("umk"), info)
	}
	priv, err := core.AccountPrivateKey(a.key("umk"), akte.KeyBundle{PrivateKeyByUMK: r.bytes("private_key_by_umk")})
	if err != nil {
		return nil, err
	}
	return core.OpenRepresentedRecord(priv, info)
}

// wrapForRep wraps the record master key to a representative's public key
// (after the patient compared its fingerprint): {slot}.
func wrapForRep(a obj) (any, error) {
	rec, err := openRecord(a)
	if err != nil {
		return nil, err
	}
	slot, err := rec.WrapForRepresentative(a.bytes("public_key"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"slot": b64(slot)}, nil
}
