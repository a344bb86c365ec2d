package core

import (
	"testing"

	"github.com/akte/akte"
)

// TestCheckOffered: what a server offers is held to the floor, the ceiling
// and the client's memory of the account; Split refuses what is outside
// the bounds before it derives anything.
func TestCheckOffered(t *testing.T) {
	floor := DefaultKDF()
	if err := CheckKDF(floor); err != nil {
		t.Fatalf("DefaultKDF is outside the bounds: %v", err)
	}
	with := func(k akte.KDFParams, f func(k *akte.KDFParams)) akte.KDFParams {
		k.Salt = append([]byte{}, k.Salt...)
		f(&k)
		return k
	}
	raised := with(floor, func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads = 128*1024, 4, 8 })
	otherSalt := with(floor, func(k *akte.KDFParams) { k.Salt[0] ^= 1 })
	for _, c := range []struct {
		name      string
		offered   akte.KDFParams
		last      *akte.KDFParams
		elsewhere bool
		reason    string
	}{
		{"first use at the floor", floor, nil, false, ""},
		{"the issue's downgrade", with(floor, func(k *akte.KDFParams) { k.Memory, k.Time, k.Threads = 8, 1, 1 }), nil, false, "kdf_below_floor"},
		{"one thread", with(floor, func(k *akte.KDFParams) { k.Threads = 1 }), nil, false, "kdf_below_floor"},
		{"short salt", with(floor, func(k *akte.KDFParams) { k.Salt = k.Salt[:8] }), nil, false, "kdf_below_floor"},
		{"not argon2id", with(floor, func(k *akte.KDFParams) { k.Alg = "pbkdf2" }), nil, false, "kdf_unsupported"},
		{"too much memory", with(floor, func(k *akte.KDFParams) { k.Memory = 16 * 1024 * 1024 }), nil, false, "kdf_above_ceiling"},
		{"too many passes", with(floor, func(k *akte.KDFParams) { k.Time = 1000 }), nil, false, "kdf_above_ceiling"},
		{"unchanged", floor, &floor, false, ""},
		{"raised by the client", raised, &raised, false, ""},
		{"lower memory than last time, above the floor", with(raised, func(k *akte.KDFParams) { k.Memory = 64 * 1024 }), &raised, false, "kdf_downgrade"},
		{"fewer passes than last time", with(raised, func(k *akte.KDFParams) { k.Time = 3 }), &raised, false, "kdf_downgrade"},
		{"fewer threads than last time", with(raised, func(k *akte.KDFParams) { k.Threads = 4 }), &raised, false, "kdf_downgrade"},
		{"lower even when changed elsewhere", with(raised, func(k *akte.KDFParams) { k.Memory, k.Salt[0] = 64*1024, k.Salt[0]^1 }), &raised, true, "kdf_downgrade"},
		{"below the floor even when changed elsewhere", with(otherSalt, func(k *akte.KDFParams) { k.Memory = 8 }), &floor, true, "kdf_below_floor"},
		{"new salt from the server alone", otherSalt, &floor, false, "kdf_salt_changed"},
		{"new salt, password changed elsewhere", otherSalt, &floor, true, ""},
		{"higher, same salt", with(floor, func(k *akte.KDFParams) { k.Time = 4 }), &floor, false, ""},
	} {
		err := CheckOffered(c.offered, c.last, c.elsewhere)
		reason, _ := akte.ReasonOf(err)
		if reason != c.reason || (err != nil && (!akte.Is(err, akte.KindCrypto) || akte.MessageOf(err) == "")) {
			t.Errorf("%s: %v (reason %q), want reason %q", c.name, err, reason, c.reason)
		}
		if c.last == nil {
			_, _, serr := Split("Lindenblüte-Morgentau-42", c.offered)
			if r, _ := akte.ReasonOf(serr); r != c.reason {
				t.Errorf("%s: Split: %v, want reason %q", c.name, serr, c.reason)
			}
		}
	}
}
