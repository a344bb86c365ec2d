package api

import (
	"encoding/json"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// FuzzDecode drives the one request decoder with arbitrary bytes into each
// request shape: it must never panic, and everything it accepts must be a
// single JSON object without duplicate keys (compared without case) whose
// keys are exactly the names the shape encodes to, case included.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"email":"a@b.de"}`, `{"email":"a","email":"b"}`, `{"kdf":{"salt":"AAAA"}}`, `[]`, `{} x`, `{"a":[{"b":1,"b":2}]}`, `"x"`, `{"keys":{"public_key":"!!"}}`,
		`{"email":"ghost@example.org","EMAIL":"alice@example.org"}`, `{"Email":"a@b.de"}`, `{"kdf":{"SALT":"AAAA"}}`, `{"\u212adf":{}}`, `{"new":{"login_secret":"AAAA"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []any{&wire.RegisterRequest{}, &wire.LoginRequest{}, &wire.ConfirmRequest{}, &wire.EmailRequest{},
			&wire.PasswordChangeRequest{}, &wire.RecoverRequest{}, &wire.RecoverCompleteRequest{}, &wire.ResetCompleteRequest{}, &wire.RenameDeviceRequest{},
			&wire.DeviceLinkRequest{}}
		for _, v := range targets {
			err := decodeBytes(data, v)
			if err != nil && akte.KindOf(err) != akte.KindInvalid {
				t.Fatalf("decode error of kind %v: %v", akte.KindOf(err), err)
			}
			if err != nil {
				continue
			}
			if checkDuplicates(data) != nil {
				t.Fatalf("accepted a body with duplicate keys: %q", data)
			}
			// Every key sent is a key the shape itself writes: a key that
			// differs only in case from a field's name is not.
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			known := jsonKeys(t, out)
			for k := range jsonKeys(t, data) {
				if !known[k] {
					t.Fatalf("accepted key %q into %T, which has no field of exactly that name: %q", k, v, data)
				}
			}
		}
	})
}

// jsonKeys returns every object key in a JSON document, at any depth.
func jsonKeys(t *testing.T, data []byte) map[string]bool {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%q: %v", data, err)
	}
	keys := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				keys[k] = true
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return keys
}

// FuzzCheckDuplicates: the duplicate-key walker never panics and never
// accepts what encoding/json rejects as syntax.
func FuzzCheckDuplicates(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `[[[[]]]]`, `{"a":{"b":{"c":[1,{"d":1,"d":2}]}}}`, `{"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkDuplicates(data)
	})
}
