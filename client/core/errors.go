package core

import (
	"strconv"

	"github.com/akte/akte"
)

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

// sprintf formats the German messages of the core's errors: %s, %d and %q
// of strings and integers. fmt would bring reflection into the
// WebAssembly module for these few sentences (decision 0017).
func sprintf(format string, args ...any) string {
	var b []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) || len(args) == 0 {
			b = append(b, format[i])
			continue
		}
		i++
		var s string
		switch v := args[0].(type) {
		case string:
			s = v
		case int:
			s = strconv.Itoa(v)
		case int64:
			s = strconv.FormatInt(v, 10)
		case uint64:
			s = strconv.FormatUint(v, 10)
		case uint32:
			s = strconv.FormatUint(uint64(v), 10)
		case uint8:
			s = strconv.FormatUint(uint64(v), 10)
		default:
			s = "?"
		}
		if format[i] == 'q' {
			s = strconv.Quote(s)
		}
		b = append(b, s...)
		args = args[1:]
	}
	return string(b)
}
