package service

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
)

// TestValidateKDF: the server refuses from clients what every client
// refuses from the server (client.CheckKDF): below the floor of design §4,
// above the ceilings, another algorithm — each with its reason.
func TestValidateKDF(t *testing.T) {
	ok := akte.KDFParams{Alg: "argon2id", Salt: bytes.Repeat([]byte{7}, 16), Memory: 64 * 1024, Time: 3, Threads: 4}
	with := func(f func(k *akte.KDFParams)) akte.KDFParams {
		k := ok
		f(&k)
		return k
	}
	for _, c := range []struct {
		name   string
		k      akte.KDFParams
		reason string
		field  string
	}{
		{"floor", ok, "", ""},
		{"raised", with(func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads = 256*1024, 4, 8 }), "", ""},
		{"largest", with(func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads, k.Salt = 1024*1024, 4, 16, make([]byte, 64) }), "", ""},
		{"one thread", with(func(k *akte.KDFParams) { k.Threads = 1 }), "kdf_below_floor", "threads"},
		{"three threads", with(func(k *akte.KDFParams) { k.Threads = 3 }), "kdf_below_floor", "threads"},
		{"8 KiB", with(func(k *akte.KDFParams) { k.Memory = 8 }), "kdf_below_floor", "memory"},
		{"63 MiB", with(func(k *akte.KDFParams) { k.Memory = 63 * 1024 }), "kdf_below_floor", "memory"},
		{"two passes", with(func(k *akte.KDFParams) { k.Time = 2 }), "kdf_below_floor", "time"},
		{"short salt", with(func(k *akte.KDFParams) { k.Salt = k.Salt[:15] }), "kdf_below_floor", "salt"},
		{"argon2i", with(func(k *akte.KDFParams) { k.Alg = "argon2i" }), "kdf_unsupported", "alg"},
		{"4 GiB", with(func(k *akte.KDFParams) { k.Memory = 4 * 1024 * 1024 }), "kdf_above_ceiling", "memory"},
		{"too much work", with(func(k *akte.KDFParams) { k.Memory, k.Time = 1024*1024, 5 }), "kdf_above_ceiling", "time"},
		{"many passes", with(func(k *akte.KDFParams) { k.Time = 100 }), "kdf_above_ceiling", "time"},
		{"17 threads", with(func(k *akte.KDFParams) { k.Threads = 17 }), "kdf_above_ceiling", "threads"},
		{"long salt", with(func(k *akte.KDFParams) { k.Salt = make([]byte, 65) }), "kdf_above_ceiling", "salt"},
	} {
		err := validateKDF("test", c.k)
		if c.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		reason, params := akte.ReasonOf(err)
		if !akte.Is(err, akte.KindInvalid) || reason != c.reason || params["field"] != c.field || akte.MessageOf(err) == "" {
			t.Errorf("%s: %v (reason %q, params %v), want invalid %s on %s", c.name, err, reason, params, c.reason, c.field)
		}
	}
}
