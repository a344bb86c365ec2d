package service

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/akte/akte"
)

var b64 = base64.RawStdEncoding

// acquireHash takes a hashing slot. Argon2id needs HashMemoryKiB per call, so
// the number of calls in flight is bounded; past the bound a request waits
// HashWait and then gets KindRateLimited instead of exhausting memory.
func (s *Service) acquireHash(ctx context.Context) (func(), error) {
	t := time.NewTimer(s.cfg.HashWait)
	defer t.Stop()
	select {
	case s.hashes <- struct{}{}:
		return func() { <-s.hashes; collectHashMemory() }, nil
	case <-t.C:
		return nil, akte.R("hash", akte.KindRateLimited, "server_busy", nil, "")
	case <-ctx.Done():
		return nil, akte.E("hash", akte.KindUnavailable, "", ctx.Err())
	}
}

// collectHashMemory runs the collector after a hash. Argon2id allocates
// its HashMemoryKiB block in one piece, which starts a collection that finds
// the block live and so sets the next goal to twice the heap including it:
// the server would then grow by some 40 MB of garbage (upload buffers, for
// one) before collecting again, and its resident memory with it. Collecting
// once the block is garbage costs a millisecond against Argon2id's tens.
func collectHashMemory() { runtime.GC() }

// hashSecret returns a PHC-format Argon2id hash of a login secret.
func (s *Service) hashSecret(ctx context.Context, secret []byte) (string, error) {
	release, err := s.acquireHash(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	salt := make([]byte, 16)
	rand.Read(salt)
	m, t := s.cfg.HashMemoryKiB, s.cfg.HashTime
	sum := argon2.IDKey(secret, salt, t, m, 1, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$%s$%s", m, t, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// dummyHash is verified against when the account does not exist, so that an
// unknown e-mail costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// verifySecret checks a secret against a PHC hash in constant time.
func (s *Service) verifySecret(ctx context.Context, phc string, secret []byte) (bool, error) {
	var m, t uint32
	var p uint8
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("malformed hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("malformed hash params: %w", err)
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("malformed hash encoding")
	}
	release, err := s.acquireHash(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	got := argon2.IDKey(secret, salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// fastHash is for high-entropy secrets (the recovery verifier, 256 bits):
// a slow hash adds nothing there.
func fastHash(secret []byte) string {
	return b64.EncodeToString(hashBytes("akte recovery verifier", string(secret)))
}

func fastVerify(stored string, secret []byte) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(fastHash(secret))) == 1
}
