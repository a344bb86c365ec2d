package archive

import (
	"io"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/akte/akte"
)

// MinPassphrase is the shortest passphrase an encrypted export takes;
// WorkFactor is the scrypt work factor (log2 N) it is stretched with
// (decision 0039: 64 MiB per guess, so that the exporting client stays
// under 100 MiB).
const (
	MinPassphrase = 12
	WorkFactor    = 16
)

// Recipient is the age recipient of an export encrypted with passphrase,
// or an error with reason passphrase_too_short. The CLI (`akte export`)
// and the web app (cmd/akte-export-wasm) both encrypt with it, so their
// archives are the same format.
func Recipient(passphrase string) (age.Recipient, error) {
	if utf8.RuneCountInString(passphrase) < MinPassphrase {
		return nil, akte.R("archive.encrypt", akte.KindInvalid, "passphrase_too_short", map[string]any{"min": MinPassphrase}, "passphrase too short")
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, err
	}
	// scrypt N=2^16, r=8: 64 MiB and about a quarter second per guess.
	r.SetWorkFactor(WorkFactor)
	return r, nil
}

// Encrypt returns a writer that encrypts what is written to w for
// recipient; Close finishes the age stream (it does not close w).
func Encrypt(w io.Writer, recipient age.Recipient) (io.WriteCloser, error) {
	return age.Encrypt(w, recipient)
}
