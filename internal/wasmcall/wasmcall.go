//go:build js && wasm

// Package wasmcall is what the browser's smaller Go modules
// (cmd/akte-audit-wasm, cmd/akte-dicom-wasm, cmd/akte-health-wasm) share: a function exported
// to JavaScript answers {ok: RESULT} or {error: {code, reason, params,
// message}}, as web/src/goworker.js and the pages expect, and a panic is
// an internal error rather than a dead module.
package wasmcall

import (
	"fmt"
	"syscall/js"

	"github.com/akte/akte"
)

// Export wraps f for JavaScript: its one argument (null if none) in, the
// answer out.
func Export(op string, f func(js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (res any) {
		defer func() {
			if v := recover(); v != nil {
				res = Reply(nil, akte.E(op, akte.KindInternal, "panic", nil))
			}
		}()
		a := js.Null()
		if len(args) > 0 {
			a = args[0]
		}
		return Reply(f(a))
	})
}

// Reply is the answer {ok: out} or {error: {...}} for err.
func Reply(out any, err error) js.Value {
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
			p[k] = jsValue(v)
		}
		e["params"] = p
	}
	return js.ValueOf(map[string]any{"error": e})
}

// jsValue is a reason's parameter as JavaScript takes it.
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

// Str is the string field name of an object, or "".
func Str(a js.Value, name string) string {
	if a.Type() != js.TypeObject {
		return ""
	}
	v := a.Get(name)
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}
