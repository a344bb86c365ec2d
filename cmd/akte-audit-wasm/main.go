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
//	    -> {key, signed, size, time, verify_ms, convert_ms,
//	        labels: {operation: [German, English]},
//	        events: JSON text of [{index, time_us, operation, code, result,
//	                reason, object, actor_id, actor_role, actor_name, device,
//	                addr}]}
//
// key and last are what the browser pinned and kept (IndexedDB); on
// success it keeps the returned key and signed checkpoint.
package main

import (
	"strconv"
	"syscall/js"
	"time"

	"github.com/akte/akte/audit"
	"github.com/akte/akte/internal/wasmcall"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("since", wasmcall.Export("audit", since))
	api.Set("verify", wasmcall.Export("audit", verify))
	js.Global().Set("akteAudit", api)
	js.Global().Call("akteAuditReady")
	select {}
}

func since(a js.Value) (any, error) {
	n, err := audit.ReadSince(wasmcall.Str(a, "key"), wasmcall.Str(a, "last"))
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
	t := time.Now()
	v, err := audit.VerifyRead(b, wasmcall.Str(a, "log"), wasmcall.Str(a, "key"), wasmcall.Str(a, "last"), now)
	if err != nil {
		return nil, err
	}
	verified := time.Since(t)
	// The events travel as one JSON text that the worker parses: setting
	// their fields one by one through syscall/js cost half a millisecond
	// per event, far more than verifying them.
	list := make([]byte, 0, 256*len(v.Events))
	list = append(list, '[')
	labels := map[audit.Operation][2]string{}
	for i, e := range v.Events {
		if i > 0 {
			list = append(list, ',')
		}
		list = append(list, `{"index":`...)
		list = strconv.AppendInt(list, e.Index, 10)
		list = append(list, `,"time_us":`...)
		list = strconv.AppendInt(list, e.Time.UnixMicro(), 10)
		for _, f := range [...]struct{ k, v string }{
			{"operation", string(e.Operation)},
			{"code", e.Code},
			{"result", string(e.Result)},
			{"reason", e.Reason},
			{"object", e.Object},
			{"actor_id", e.ActorID},
			{"actor_role", string(e.ActorRole)},
			{"actor_name", e.ActorName},
			{"device", e.Device},
			{"addr", e.Addr},
		} {
			list = append(list, `,"`...)
			list = append(list, f.k...)
			list = append(list, `":`...)
			list = appendJSON(list, f.v)
		}
		if _, ok := labels[e.Operation]; !ok {
			labels[e.Operation] = [2]string{e.Operation.Label("de"), e.Operation.Label("en")}
		}
		list = append(list, '}')
	}
	list = append(list, ']')
	object := js.Global().Get("Object")
	out := object.New()
	out.Set("key", v.Key)
	out.Set("signed", v.Signed)
	out.Set("size", float64(v.Checkpoint.Size))
	out.Set("time", v.Checkpoint.Time.UTC().Format(time.RFC3339))
	out.Set("events", string(list))
	ls := object.New()
	for op, l := range labels {
		ls.Set(string(op), js.ValueOf([]any{l[0], l[1]}))
	}
	out.Set("labels", ls)
	// The time of the checks alone, and of making the events JavaScript's.
	out.Set("verify_ms", float64(verified.Microseconds())/1000)
	out.Set("convert_ms", float64((time.Since(t)-verified).Microseconds())/1000)
	return out, nil
}
