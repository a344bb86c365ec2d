package service

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
)

// TestValidateKDF: the server refuses from clients what every client
// refuses from the server (core.CheckKDF): below the floor of design §4,
// above the ceilings, another algorithm — each naming the field and the
// bound (min or max) it broke.
func TestValidateKDF(t *testing.T) {
	ok := akte.KDFParams{Alg: "argon2id", Salt: bytes.Repeat([]byte{7}, 16), Memory: 64 * 1024, Time: 3, Threads: 4}
	with := func(f func(k *akte.KDFParams)) akte.KDFParams {
		k := ok
		f(&k)
		return k
	}
	for _, c := range []struct {
		name  string
		k     akte.KDFParams
		bound string
		field string
	}{
		{"floor", ok, "", ""},
		{"raised", with(func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads = 256*1024, 4, 8 }), "", ""},
		{"largest", with(func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads, k.Salt = 1024*1024, 4, 16, make([]byte, 64) }), "", ""},
		{"one thread", with(func(k *akte.KDFParams) { k.Threads = 1 }), "min", "threads"},
		{"three threads", with(func(k *akte.KDFParams) { k.Threads = 3 }), "min", "threads"},
		{"8 KiB", with(func(k *akte.KDFParams) { k.Memory = 8 }), "min", "memory"},
		{"63 MiB", with(func(k *akte.KDFParams) { k.Memory = 63 * 1024 }), "min", "memory"},
		{"two passes", with(func(k *akte.KDFParams) { k.Time = 2 }), "min", "time"},
		{"short salt", with(func(k *akte.KDFParams) { k.Salt = k.Salt[:15] }), "min", "salt"},
		{"argon2i", with(func(k *akte.KDFParams) { k.Alg = "argon2i" }), "-", "alg"},
		{"4 GiB", with(func(k *akte.KDFParams) { k.Memory = 4 * 1024 * 1024 }), "max", "memory"},
		{"too much work", with(func(k *akte.KDFParams) { k.Memory, k.Time = 1024*1024, 5 }), "max", "time"},
		{"many passes", with(func(k *akte.KDFParams) { k.Time = 100 }), "max", "time"},
		{"17 threads", with(func(k *akte.KDFParams) { k.Threads = 17 }), "max", "threads"},
		{"long salt", with(func(k *akte.KDFParams) { k.Salt = make([]byte, 65) }), "max", "salt"},
	} {
		err := validateKDF("test", c.k)
		if c.bound == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		reason, params := akte.ReasonOf(err)
		_, hasBound := params[c.bound]
		if !akte.Is(err, akte.KindInvalid) || reason != "kdf_out_of_bounds" || params["field"] != c.field || (c.bound != "-") != hasBound {
			t.Errorf("%s: %v (reason %q, params %v), want invalid kdf_out_of_bounds on %s with %s", c.name, err, reason, params, c.field, c.bound)
		}
	}
}
