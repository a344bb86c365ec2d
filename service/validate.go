package service

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akte/akte"
)

func invalid(op, msg string) error { return akte.E(op, akte.KindInvalid, msg, nil) }

// normalizeEmail validates an address and returns it lower-cased.
func normalizeEmail(op, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", invalid(op, "Bitte eine gültige E-Mail-Adresse angeben.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", invalid(op, "Bitte eine gültige E-Mail-Adresse angeben (z. B. name@beispiel.de).")
	}
	return strings.ToLower(s), nil
}

func validateKVNR(op, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !akte.ValidKVNR(s) {
		return "", invalid(op, "Die Krankenversichertennummer (KVNR) ist ungültig: ein Buchstabe und neun Ziffern mit gültiger Prüfziffer, z. B. A123456780.")
	}
	return s, nil
}

func validateBirthDate(op, s string, now time.Time) (string, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "", invalid(op, "Das Geburtsdatum muss die Form JJJJ-MM-TT haben.")
	}
	if d.After(now) || d.Year() < 1900 {
		return "", invalid(op, "Das Geburtsdatum liegt in der Zukunft oder vor 1900.")
	}
	return s, nil
}

// validateKDF enforces the bounds of the client's Argon2id parameters
// (akte.KDFMinMemory and the rest): the minimum cost of design §4 (m ≥ 64
// MiB, t ≥ 3, p ≥ 4, a salt of 16 bytes or more) — the same floor every
// client holds the server's answers to — and ceilings that keep a client
// from being told to spend unbounded memory or time.
func validateKDF(op string, k akte.KDFParams) error {
	reason, field, limit, got := k.OutOfBounds()
	if reason == "" {
		return nil
	}
	var msg string
	switch field {
	case "alg":
		msg = `kdf.alg muss "argon2id" sein.`
	case "salt":
		msg = fmt.Sprintf("kdf.salt muss %d bis %d Bytes lang sein.", akte.KDFMinSalt, akte.KDFMaxSalt)
	case "memory":
		msg = fmt.Sprintf("kdf.memory muss zwischen %d und %d KiB liegen.", akte.KDFMinMemory, akte.KDFMaxMemory)
	case "time":
		msg = fmt.Sprintf("kdf.time muss mindestens %d sein, und kdf.memory × kdf.time darf %d nicht übersteigen.", akte.KDFMinTime, akte.KDFMaxWork)
	default:
		msg = fmt.Sprintf("kdf.threads muss zwischen %d und %d liegen.", akte.KDFMinThreads, akte.KDFMaxThreads)
	}
	e := akte.R(op, akte.KindInvalid, reason, map[string]any{"field": field, "got": got}, msg)
	if field != "alg" {
		if reason == "kdf_below_floor" {
			e.Params["min"] = limit
		} else {
			e.Params["max"] = limit
		}
	}
	return e
}

func validateSecret(op, field string, b []byte) error {
	if len(b) != 32 {
		return invalid(op, field+" muss genau 32 Bytes (Base64) lang sein.")
	}
	return nil
}

const maxWrapped = 16 << 10

func validateWrapped(op, field string, b []byte) error {
	if len(b) == 0 || len(b) > maxWrapped {
		return invalid(op, field+" fehlt oder ist zu groß.")
	}
	return nil
}

func validateKeys(op string, k akte.KeyBundle) error {
	for _, f := range []struct {
		name string
		b    []byte
	}{
		{"keys.umk_by_password", k.UMKByPassword},
		{"keys.umk_by_recovery", k.UMKByRecovery},
		{"keys.recovery_by_umk", k.RecoveryByUMK},
		{"keys.public_key", k.PublicKey},
		{"keys.private_key_by_umk", k.PrivateKeyByUMK},
	} {
		if err := validateWrapped(op, f.name, f.b); err != nil {
			return err
		}
	}
	return nil
}

var deviceIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func validateDevice(op string, id akte.DeviceID, name string) error {
	if !deviceIDRe.MatchString(string(id)) {
		return invalid(op, "device_id muss 8 bis 64 Zeichen aus A–Z, a–z, 0–9, - und _ haben.")
	}
	return validateDeviceName(op, name)
}

func validateDeviceName(op, name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 64 || !utf8.ValidString(name) || strings.TrimSpace(name) == "" {
		return invalid(op, "Der Gerätename muss 1 bis 64 Zeichen lang sein.")
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return invalid(op, "Der Gerätename enthält nicht druckbare Zeichen.")
		}
	}
	return nil
}
