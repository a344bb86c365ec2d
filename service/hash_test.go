package service

import (
	"testing"

	"github.com/akte/akte/seal"
)

// BenchmarkLoginHash measures the server's cost of one login (verifying
// the login secret) next to the client's password split at the design
// minimum, measured in the same run: the server's share must stay small.
func BenchmarkLoginHash(b *testing.B) {
	s := New(Options{Config: DefaultConfig()})
	secret := make([]byte, 32)
	hash, err := s.hashSecret(b.Context(), secret)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("server-verify", func(b *testing.B) {
		for b.Loop() {
			if ok, err := s.verifySecret(b.Context(), hash, secret); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("client-split", func(b *testing.B) {
		salt := make([]byte, 16)
		for b.Loop() {
			seal.SplitPassword([]byte("Lindenblüte-Morgentau-42"), salt, seal.ArgonMemoryKiB, seal.ArgonTime, seal.ArgonThreads)
		}
	})
}

func TestVerifySecret(t *testing.T) {
	s := New(Options{Config: DefaultConfig()})
	secret := []byte("0123456789abcdef0123456789abcdef")
	hash, err := s.hashSecret(t.Context(), secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		hash   string
		secret []byte
		ok     bool
		err    bool
	}{
		{hash, secret, true, false},
		{hash, []byte("0123456789abcdef0123456789abcdeX"), false, false},
		{dummyHash, secret, false, false},
		{"$argon2id$v=19$m=x$a$b", secret, false, true},
		{"plain", secret, false, true},
	} {
		ok, err := s.verifySecret(t.Context(), tc.hash, tc.secret)
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("verifySecret(%.20q) = %v, %v", tc.hash, ok, err)
		}
	}
}
