//go:build js && wasm

// Command akte-audit-wasm verifies a record's protocol in the browser: the
// same Go code the CLI runs (audit.ReadSince, audit.VerifyRead; docs/audit.md
// §6), compiled to WebAssembly apart from the client core (cmd/akte-wasm),
// which has no room for it, and loaded only when a page shows the protocol
// (web/src/audit-worker.js runs it in a worker).
//
// It exports akteAudit with two functions, each taking one object and
// returning {ok: RESULT} or {error: {code, reason, params, message}}:
//
//	since({key, last})                       -> N, the since=N of the next read
//	verify({page: Uint8Array, log, key, last, now: ms})
//	    -> {key, signed, size, time, events: [{index, time, operation, code,
//	        label_de, label_en, result, reason, object, actor_id, actor_role, actor_name,
//	        device, addr}]}
//
// key and last are what the browser pinned and kept (IndexedDB); on
// success it keeps the returned key and signed checkpoint.
package main

import (
	"syscall/js"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("since", export(since))
	api.Set("verify", export(verify))
	js.Global().Set("akteAudit", api)
	js.Global().Call("akteAuditReady")
	select {}
}

func export(f func(js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if v := recover(); v != nil {
				res = reply(nil, akte.E("audit", akte.KindInternal, "panic", nil))
			}
		}()
		a := js.Null()
		if len(args) > 0 {
			a = args[0]
		}
		return reply(f(a))
	})
}

func reply(out any, err error) js.Value {
	if err == nil {
		return js.ValueOf(map[string]any{"ok": out})
	}
	reason, params := akte.ReasonOf(err)
	msg := akte.MessageOf(err)
	if msg == "" {
		msg = err.Error()
	}
	e := map[string]any{"code": akte.KindOf(err).String(), "reason": reason, "message": msg}
	if params != nil {
		p := map[string]any{}
		for k, v := range params {
			switch v := v.(type) {
			case int64:
				p[k] = float64(v)
			case int:
				p[k] = float64(v)
			case string, float64, bool:
				p[k] = v
			}
		}
		e["params"] = p
	}
	return js.ValueOf(map[string]any{"error": e})
}

func str(a js.Value, name string) string {
	if a.Type() != js.TypeObject {
		return ""
	}
	v := a.Get(name)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

func since(a js.Value) (any, error) {
	n, err := audit.ReadSince(str(a, "key"), str(a, "last"))
	return float64(n), err
}

func verify(a js.Value) (any, error) {
	p := a.Get("page")
	b := make([]byte, p.Get("length").Int())
	js.CopyBytesToGo(b, p)
	now := time.Now()
	if v := a.Get("now"); v.Type() == js.TypeNumber {
		now = time.UnixMilli(int64(v.Float()))
	}
	v, err := audit.VerifyRead(b, str(a, "log"), str(a, "key"), str(a, "last"), now)
	if err != nil {
		return nil, err
	}
	// One JavaScript object per event, its fields set one by one (js.ValueOf
	// of a map would build a Go map first).
	object := js.Global().Get("Object")
	events := js.Global().Get("Array").New(len(v.Events))
	for i, e := range v.Events {
		o := object.New()
		o.Set("index", float64(e.Index))
		o.Set("time", e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"))
		o.Set("operation", string(e.Operation))
		o.Set("code", e.Code)
		o.Set("label_de", e.Operation.Label("de"))
		o.Set("label_en", e.Operation.Label("en"))
		o.Set("result", string(e.Result))
		o.Set("reason", e.Reason)
		o.Set("object", e.Object)
		o.Set("actor_id", e.ActorID)
		o.Set("actor_role", string(e.ActorRole))
		o.Set("actor_name", e.ActorName)
		o.Set("device", e.Device)
		o.Set("addr", e.Addr)
		events.SetIndex(i, o)
	}
	out := object.New()
	out.Set("key", v.Key)
	out.Set("signed", v.Signed)
	out.Set("size", float64(v.Checkpoint.Size))
	out.Set("time", v.Checkpoint.Time.UTC().Format(time.RFC3339))
	out.Set("events", events)
	return out, nil
}
