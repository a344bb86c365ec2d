// Package workerkeys is what the WebAssembly modules that run in the core's
// worker (cmd/akte-grants-wasm, cmd/akte-export-wasm) share about the
// record's keys: which slot the core opens with the user master key, and
// the record opened with what it gave back.
package workerkeys

import (
	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Keys are the key arguments of a module's call, embedded in its
// arguments (their JSON members: kind, rmk, priv, record, keys).
type Keys struct {
	Kind   string         `json:"kind"` // "record" or "account"
	RMK    []byte         `json:"rmk"`
	Priv   []byte         `json:"priv"`
	Record wire.Record    `json:"record"`
	Keys   akte.KeyBundle `json:"keys"`
}

// Slot names the slot the core opens with the user master key: the
// record master key of one's own record, or the account's private key
// (for a represented record, or a provider's grants).
func (k Keys) Slot() (any, error) {
	t, id, s := core.PrivateKeySlot(k.Keys)
	if k.Kind == "record" {
		t, id, s = core.RMKSlot(k.Record.Keys)
	}
	aad, data := seal.SlotSealed(t, id, s)
	return map[string][]byte{"aad": aad, "data": data}, nil
}

// Open opens the record with the key the core gave back.
func (k Keys) Open() (*core.Record, error) {
	if len(k.Record.RMKSlot) > 0 {
		return core.OpenRepresentedRecord(k.Priv, k.Record)
	}
	return core.OpenRecordRMK(k.RMK, k.Record)
}
