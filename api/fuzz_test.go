package api

import (
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// FuzzDecode drives the one request decoder with arbitrary bytes into each
// request shape: it must never panic, and everything it accepts must be a
// single JSON object without duplicate keys.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"email":"a@b.de"}`, `{"email":"a","email":"b"}`, `{"kdf":{"salt":"AAAA"}}`, `[]`, `{} x`, `{"a":[{"b":1,"b":2}]}`, `"x"`, `{"keys":{"public_key":"!!"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []any{&wire.RegisterRequest{}, &wire.LoginRequest{}, &wire.ConfirmRequest{}, &wire.EmailRequest{},
			&wire.PasswordChangeRequest{}, &wire.RecoverRequest{}, &wire.RecoverCompleteRequest{}, &wire.ResetCompleteRequest{}, &wire.RenameDeviceRequest{}}
		for _, v := range targets {
			err := decodeBytes(data, v)
			if err != nil && akte.KindOf(err) != akte.KindInvalid {
				t.Fatalf("decode error of kind %v: %v", akte.KindOf(err), err)
			}
			if err == nil && checkDuplicates(data) != nil {
				t.Fatalf("accepted a body with duplicate keys: %q", data)
			}
		}
	})
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
