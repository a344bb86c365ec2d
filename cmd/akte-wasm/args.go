//go:build js && wasm

package main

import (
	"encoding/base64"
	"strconv"
	"syscall/js"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// obj reads the fields of an argument, as the wire types name them. A
// missing field reads as its zero value, as encoding/json would leave it.
type obj struct{ v js.Value }

func (o obj) ok() bool { return o.v.Type() == js.TypeObject }

func (o obj) get(name string) obj {
	if !o.ok() {
		return obj{js.Undefined()}
	}
	return obj{o.v.Get(name)}
}

func (o obj) str(name string) string {
	if v := o.get(name).v; v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

func (o obj) int(name string) int64 {
	if v := o.get(name).v; v.Type() == js.TypeNumber {
		return int64(v.Float())
	}
	return 0
}

func (o obj) bool(name string) bool {
	v := o.get(name).v
	return v.Type() == js.TypeBoolean && v.Bool()
}

// bytes reads a base64 field; what is not base64 reads as nothing, which
// the core refuses as a key or object of the wrong size.
func (o obj) bytes(name string) []byte {
	b, err := base64.StdEncoding.DecodeString(o.str(name))
	if err != nil {
		return nil
	}
	return b
}

func (o obj) list() []obj {
	if !o.ok() || !js.Global().Get("Array").Call("isArray", o.v).Bool() {
		return nil
	}
	out := make([]obj, o.v.Length())
	for i := range out {
		out[i] = obj{o.v.Index(i)}
	}
	return out
}

func (o obj) keys() []string {
	if !o.ok() {
		return nil
	}
	ks := js.Global().Get("Object").Call("keys", o.v)
	out := make([]string, ks.Length())
	for i := range out {
		out[i] = ks.Index(i).String()
	}
	return out
}

func (o obj) kdf() akte.KDFParams {
	return akte.KDFParams{Alg: o.str("alg"), Salt: o.bytes("salt"), Memory: uint32(o.int("memory")), Time: uint32(o.int("time")), Threads: uint8(o.int("threads"))}
}

func (o obj) keyBundle() akte.KeyBundle {
	return akte.KeyBundle{UMKByPassword: o.bytes("umk_by_password"), UMKByRecovery: o.bytes("umk_by_recovery"), RecoveryByUMK: o.bytes("recovery_by_umk"),
		PublicKey: o.bytes("public_key"), PrivateKeyByUMK: o.bytes("private_key_by_umk")}
}

func (o obj) record() wire.Record {
	k := o.get("keys")
	r := wire.Record{Keys: wire.RecordKeys{RecordID: k.str("record_id"), RMKByUMK: k.bytes("rmk_by_umk"), PublicKey: k.bytes("public_key"),
		PrivateKeyByRMK: k.bytes("private_key_by_rmk")}, RMKSlot: o.bytes("rmk_slot"), Quota: o.int("quota"), Used: o.int("used"), Reserved: o.int("reserved")}
	for _, c := range k.get("category_keys").list() {
		r.Keys.CategoryKeys = append(r.Keys.CategoryKeys, wire.CategoryKey{Category: c.str("category"), Version: uint32(c.int("version")), KeyByRMK: c.bytes("key_by_rmk")})
	}
	for _, c := range o.get("categories").list() {
		r.Categories = append(r.Categories, wire.Category{ID: c.str("id"), NameDE: c.str("name_de"), NameEN: c.str("name_en"), Grants: c.bool("grants")})
	}
	return r
}

func (o obj) item() wire.Item {
	return wire.Item{ID: o.str("id"), Category: o.str("category"), KeyVersion: uint32(o.int("key_version")), Kind: o.str("kind"), Replaces: o.str("replaces"),
		Size: o.int("size"), CreatedBy: o.str("created_by"), MetaSealed: o.bytes("meta_sealed"), KeySlot: o.bytes("key_slot"), MetaVersion: o.int("meta_version")}
}

func (o obj) meta() core.Meta {
	return core.Meta{Title: o.str("title"), Type: o.str("type"), Date: o.str("date"), Source: o.str("source"), Comment: o.str("comment"),
		FileName: o.str("file_name"), MediaType: o.str("media_type"), Size: o.int("size"), Digest: o.str("digest"),
		Replaces: o.str("replaces"), Version: o.int("version"), Thumb: o.str("thumb")}
}

func (o obj) upload() wire.Upload {
	u := wire.Upload{ID: o.str("id"), State: o.str("state"), Size: o.int("size"), ChunkSize: o.int("chunk_size"), ChunkSums: sums(o.get("chunk_sums"))}
	for _, n := range o.get("chunks").list() {
		u.Chunks = append(u.Chunks, n.v.Int())
	}
	return u
}

func (o obj) plan() core.Plan {
	r := o.get("request")
	return core.Plan{Request: wire.UploadRequest{ID: r.str("id"), Category: r.str("category"), KeyVersion: uint32(r.int("key_version")), Size: r.int("size"),
		MetaSealed: r.bytes("meta_sealed"), KeySlot: r.bytes("key_slot"), Replaces: r.str("replaces")}, Digest: o.str("digest"), Sent: sums(o.get("sent"))}
}

// sums reads chunk sums by chunk number, as {"0": "hex", ...}.
func sums(o obj) map[int]string {
	out := map[int]string{}
	for _, k := range o.keys() {
		if n, err := strconv.Atoi(k); err == nil {
			out[n] = o.str(k)
		}
	}
	return out
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// jsValue makes a parameter of an error fit js.ValueOf.
func jsValue(v any) any {
	switch v := v.(type) {
	case string, bool, float64, nil:
		return v
	case int:
		return v
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case uint:
		return float64(v)
	case uint64:
		return float64(v)
	case uint32:
		return float64(v)
	case uint16:
		return float64(v)
	case uint8:
		return float64(v)
	case float32:
		return float64(v)
	}
	return "?"
}
