//go:build js && wasm

// Command akte-grants-wasm is the browser's part of grants (decision
// 0035, 0046): the same Go code the CLI runs (client/core/grant.go),
// compiled apart from the client core (cmd/akte-wasm), which has no room
// left, and loaded only when a page manages grants or a provider reads a
// record. It runs in the core's worker (web/src/core-worker.js): the
// worker has the core open the record master key or the account's private
// key with the user master key it holds (seal.SlotSealed, the core's
// openSmall) and hands it to this module within the worker; the page never
// sees a key.
//
// It exports akteGrants; each function takes one object whose field
// "json" is a JSON text (wire types, byte slices base64) and answers
// {ok: JSON text} or {error: {code, reason, params, message}}:
//
//	slot({kind: "record"|"account", record, keys}) -> {id_type, aad, data}
//	grantKeys({rmk|priv, record, public_key, categories | items}) -> [GrantKey]
//	rotateCategory({rmk|priv, record, category, grants, hidden_from}) -> CategoryKeyAdd
//	openGranted({priv, record_id, grants, items}) -> [{id, key, meta} | {id, error}]
//	inboxItem({record_id, public_key, category, meta}) -> {id, category, key_version, key, key_slot, meta_sealed}
package main

import (
	"encoding/json"
	"slices"
	"syscall/js"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/wasmcall"
	"github.com/akte/akte/internal/workerkeys"
	"github.com/akte/akte/wire"
)

type args struct {
	workerkeys.Keys
	RecordID   string       `json:"record_id"`
	PublicKey  []byte       `json:"public_key"`
	Categories []string     `json:"categories"`
	Items      []wire.Item  `json:"items"`
	Category   string       `json:"category"`
	Grants     []wire.Grant `json:"grants"`
	HiddenFrom []string     `json:"hidden_from"`
	Meta       core.Meta    `json:"meta"`
}

func main() {
	api := js.Global().Get("Object").New()
	for name, f := range map[string]func(args) (any, error){
		"slot": args.Slot, "grantKeys": grantKeys, "rotateCategory": rotateCategory, "openGranted": openGranted, "inboxItem": inboxItem,
	} {
		api.Set(name, wasmcall.Export("grants", func(v js.Value) (any, error) {
			var a args
			if err := json.Unmarshal([]byte(wasmcall.Str(v, "json")), &a); err != nil {
				return nil, akte.E("grants.args", akte.KindInvalid, "bad arguments", err)
			}
			out, err := f(a)
			if err != nil {
				return nil, err
			}
			b, err := json.Marshal(out)
			return string(b), err
		}))
	}
	js.Global().Set("akteGrants", api)
	js.Global().Call("akteGrantsReady")
	select {}
}

func grantKeys(a args) (any, error) {
	rec, err := a.Open()
	if err != nil {
		return nil, err
	}
	if len(a.Items) > 0 {
		return rec.GrantItemKeys(a.PublicKey, a.Items)
	}
	return rec.GrantCategoryKeys(a.PublicKey, a.Categories)
}

func rotateCategory(a args) (any, error) {
	rec, err := a.Open()
	if err != nil {
		return nil, err
	}
	return rec.RotateCategory(a.Category, a.Grants, func(grantee, _ string) bool { return slices.Contains(a.HiddenFrom, grantee) })
}

type opened struct {
	ID    string     `json:"id"`
	Key   []byte     `json:"key,omitempty"`
	Meta  *core.Meta `json:"meta,omitempty"`
	Error string     `json:"error,omitempty"`
}

func openGranted(a args) (any, error) {
	kr, err := core.OpenGrants(a.Priv, a.RecordID, a.Grants)
	if err != nil {
		return nil, err
	}
	out := []opened{}
	for _, it := range a.Items {
		k, m, err := kr.OpenItem(it)
		if err != nil {
			out = append(out, opened{ID: it.ID, Error: akte.MessageOf(err)})
			continue
		}
		out = append(out, opened{ID: it.ID, Key: k, Meta: &m})
	}
	return out, nil
}

func inboxItem(a args) (any, error) {
	it, err := core.NewInboxItem(a.RecordID, a.PublicKey, a.Category, a.Meta)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": it.ID, "category": it.Category, "key_version": 0, "key": it.Key, "key_slot": it.KeySlot, "meta_sealed": it.MetaSealed}, nil
}
