//go:build js && wasm

// Command akte-health-wasm is the browser's part of structured entries and
// services (decision 0037): the same Go code the CLI runs (package
// client/health, with fhir and rules), compiled to WebAssembly apart from
// the client core (cmd/akte-wasm), which has no room for encoding/json and
// the rule data, and loaded only when a page shows entries or a status
// (in a worker, like cmd/akte-audit-wasm).
//
// It exports akteHealth with two functions, each taking one object and
// returning {ok: RESULT} or {error: {code, reason, params, message}}:
//
//	checkEntry({json, today, birth_date})
//	    -> {resource, type, title, date, category}: the resource as it is
//	       sealed (fhir.Marshal), after fhir.Parse and fhir.Check
//	status({service, profile, entries, today})
//	    -> JSON text of [rules.Result]: service "vaccinations" or
//	       "checkups", profile the sealed profile's JSON text, entries an
//	       array of the current entries' resource JSON texts
//
// today is YYYY-MM-DD (the day where the person is); the status is never
// stored.
package main

import (
	"fmt"
	"syscall/js"

	"github.com/akte/akte"
	"github.com/akte/akte/client/health"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("checkEntry", export(checkEntry))
	api.Set("status", export(status))
	js.Global().Set("akteHealth", api)
	js.Global().Call("akteHealthReady")
	select {}
}

func export(f func(js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if v := recover(); v != nil {
				res = reply(nil, akte.E("health", akte.KindInternal, "panic", nil))
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
		e["params"] = jsParams(params)
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

func strs(a js.Value, name string) []string {
	if a.Type() != js.TypeObject {
		return nil
	}
	v := a.Get(name)
	if v.Type() != js.TypeObject {
		return nil
	}
	out := make([]string, 0, v.Length())
	for i := range v.Length() {
		if x := v.Index(i); x.Type() == js.TypeString {
			out = append(out, x.String())
		}
	}
	return out
}

func checkEntry(a js.Value) (any, error) {
	return health.CheckEntry(str(a, "json"), str(a, "today"), str(a, "birth_date"))
}

func status(a js.Value) (any, error) {
	return health.StatusJSON(str(a, "service"), str(a, "profile"), strs(a, "entries"), str(a, "today"))
}

// jsParams makes an error's parameters values syscall/js can carry
// (numbers as float64, lists as arrays, anything else as its text).
func jsParams(params map[string]any) map[string]any {
	p := map[string]any{}
	for k, v := range params {
		p[k] = jsValue(v)
	}
	return p
}

func jsValue(v any) any {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case int:
		return float64(v)
	case uint32:
		return float64(v)
	case string, float64, bool:
		return v
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return fmt.Sprint(v)
}
