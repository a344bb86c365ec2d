// Package donation is the client's part of the research data donation
// (issue 16 item 2, decision 0048): it builds a pseudonymised FHIR R4
// extract (a Bundle) of the categories a patient opted in to, from the
// record's structured entries, and encrypts it to the research sink's age
// X25519 recipient. The server only relays the ciphertext. Pure: no I/O,
// so that the CLI runs it natively and the browser in the health module
// (cmd/akte-health-wasm).
//
// What the extract keeps is an allow-list, written out field by field
// below: codes (system and code, never a display or text), statuses,
// dose numbers, coded or numeric values, and dates cut to the month. It
// drops everything else: names, identifiers (KVNR, LANR, lot numbers),
// references to doctors, places and manufacturers, notes and every free
// text. The patient is one Patient resource whose id is the pseudonym
// (Pseudonym), with the birth year and the sex.
package donation

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/akte/akte"
)

// Categories are the record categories a patient may donate, in the
// order they are shown. Each has its own consent text, "donation-" + id.
func Categories() []string {
	return []string{"vaccinations", "maternity", "child-exams", "dental"}
}

// TextID is the id of a category's consent text in the ledger.
func TextID(category string) string { return "donation-" + category }

// CheckCategory returns donation_category_unknown for a category that
// cannot be donated.
func CheckCategory(c string) error {
	if !slices.Contains(Categories(), c) {
		return akte.R("donation", akte.KindInvalid, "donation_category_unknown", map[string]any{"category": c, "known": Categories()}, "")
	}
	return nil
}

// MaxExtract bounds the ciphertext the server relays (the quota on size;
// the server checks it too). A record's structured entries of these
// categories are far smaller: an immunization is about 300 bytes here.
const MaxExtract = 2 << 20

// ParseRecipient checks a sink's recipient, an age X25519 public key
// ("age1…", nothing else: no passphrase, no plugin, no SSH key), and
// returns its 32 bytes.
func ParseRecipient(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "age1") {
		return nil, akte.R("donation", akte.KindInvalid, "donation_recipient_invalid", nil, "")
	}
	k, err := recipientKey(s)
	if err != nil {
		return nil, akte.R("donation", akte.KindInvalid, "donation_recipient_invalid", nil, "")
	}
	return k, nil
}

// Fingerprint is what the patient compares: the first 16 bytes of the
// SHA-256 of the recipient string, as eight groups of four hex digits.
func Fingerprint(recipient string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(recipient)))
	x := hex.EncodeToString(h[:16])
	var b strings.Builder
	for i := 0; i < len(x); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x[i : i+4])
	}
	return b.String()
}

// SameFingerprint compares two fingerprints ignoring spaces and case (a
// patient types them).
func SameFingerprint(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return norm(a) != "" && norm(a) == norm(b)
}

// SecretSize is the size of the pseudonym key kept in the sealed profile.
const SecretSize = 32

// NewSecret returns a random pseudonym key.
func NewSecret() []byte {
	b := make([]byte, SecretSize)
	if _, err := rand.Read(b); err != nil {
		panic("donation: no randomness: " + err.Error()) // crypto/rand does not fail
	}
	return b
}

// Pseudonym is the record's pseudonym at one sink: HMAC-SHA256 keyed with
// the record's pseudonym key (random, 32 bytes, sealed in the record's
// profile) over a label and the sink's recipient, the first 16 bytes in
// hex. The same record gives the same pseudonym at the same sink every
// time (the sink can join donations), and unrelated ones at two sinks
// (without the key, two pseudonyms cannot be linked); the sink cannot go
// back from it to the record.
func Pseudonym(secret []byte, recipient string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("akte donation pseudonym v1\x00"))
	m.Write([]byte(strings.TrimSpace(recipient)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Seal encrypts the extract to the recipient (the age format, X25519;
// age.go). Only the holder of the sink's identity can read it.
func Seal(extract []byte, recipient string) ([]byte, error) {
	pub, err := ParseRecipient(recipient)
	if err != nil {
		return nil, err
	}
	out, err := ageEncrypt(pub, extract)
	if err != nil {
		return nil, fmt.Errorf("encrypt extract: %w", err)
	}
	if len(out) > MaxExtract {
		return nil, akte.R("donation", akte.KindTooLarge, "donation_too_large", map[string]any{"max": MaxExtract}, "")
	}
	return out, nil
}

// Header is how every age file begins: the server refuses anything else,
// so that no plaintext is ever relayed by mistake.
const Header = "age-encryption.org/v1\n"

// Make builds the extract of entries in categories for the record whose
// pseudonym key is keyHex (hex, from the sealed profile) and seals it to
// recipient: what `akte donate send` and the web page send. The summary
// names what it holds (no content).
func Make(entries []Entry, categories []string, p Person, keyHex, recipient string) ([]byte, Summary, error) {
	key, err := hex.DecodeString(keyHex)
	if err != nil || len(key) != SecretSize {
		return nil, Summary{}, akte.R("donation.send", akte.KindCrypto, "profile_unreadable", nil, "")
	}
	if _, err := ParseRecipient(recipient); err != nil {
		return nil, Summary{}, err
	}
	plain, sum, err := Build(entries, categories, p, Pseudonym(key, recipient))
	if err != nil {
		return nil, sum, err
	}
	ct, err := Seal(plain, recipient)
	return ct, sum, err
}
