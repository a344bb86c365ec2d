package core

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"

	"github.com/akte/akte"
)

// The recovery key is shown as 56 characters of base32 (RFC 4648 alphabet,
// no padding) in 14 groups of four: the 32-byte key followed by 3 bytes of
// its SHA-256 as a check, so a mistyped key is caught before it is tried.
var recoveryEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// FormatRecoveryKey renders a 32-byte key as grouped text.
func FormatRecoveryKey(key []byte) string {
	sum := sha256.Sum256(key)
	s := recoveryEnc.EncodeToString(append(append([]byte{}, key...), sum[:3]...))
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:min(i+4, len(s))])
	}
	return strings.Join(groups, "-")
}

// ParseRecoveryKey reads grouped text back; spaces, dashes and case do not
// matter, and the digits 0, 1 and 8 are read as O, I and B.
func ParseRecoveryKey(s string) ([]byte, error) {
	const op = "recovery.parse"
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\n', '\r':
			return -1
		case '0':
			return 'O'
		case '1':
			return 'I'
		case '8':
			return 'B'
		}
		return r
	}, strings.ToUpper(s))
	b, err := recoveryEnc.DecodeString(s)
	if err != nil || len(b) != 35 {
		return nil, akte.R(op, akte.KindInvalid, "recovery_key_malformed", nil, "Der Sicherheitsschlüssel ist unvollständig oder enthält ungültige Zeichen (erwartet: 14 Gruppen zu je 4 Zeichen).")
	}
	key, check := b[:32], b[32:]
	sum := sha256.Sum256(key)
	if subtle.ConstantTimeCompare(sum[:3], check) != 1 {
		return nil, akte.R(op, akte.KindInvalid, "recovery_key_typo", nil, "Der Sicherheitsschlüssel ist falsch abgetippt (Prüfsumme stimmt nicht).")
	}
	return key, nil
}
