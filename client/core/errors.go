package core

import "github.com/akte/akte"

// fail gives an error of package seal (whose messages are for developers)
// a reason and a sentence for people, keeping its kind (KindCrypto if it
// has none).
func fail(op, reason string, params map[string]any, msg string, err error) error {
	k := akte.KindOf(err)
	if k == akte.KindOther {
		k = akte.KindCrypto
	}
	return &akte.Error{Op: op, Kind: k, Reason: reason, Params: params, Message: msg, Err: err}
}
