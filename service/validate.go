package service

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/akte/akte"
)

// invalid is a refusal of a request that breaks a rule, named by its
// reason code (the clients' catalogues hold the sentences).
func invalid(op, reason string, params map[string]any) error {
	return akte.R(op, akte.KindInvalid, reason, params, "")
}

// normalizeEmail validates an address and returns it lower-cased.
func normalizeEmail(op, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 254 {
		return "", invalid(op, "email_invalid", nil)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", invalid(op, "email_invalid", nil)
	}
	return strings.ToLower(s), nil
}

func validateKVNR(op, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !akte.ValidKVNR(s) {
		return "", invalid(op, "kvnr_invalid", nil)
	}
	return s, nil
}

func validateBirthDate(op, s string, now time.Time) (string, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return "", invalid(op, "birth_date_invalid", nil)
	}
	if d.After(now) || d.Year() < 1900 {
		return "", invalid(op, "birth_date_out_of_range", map[string]any{"min": "1900-01-01"})
	}
	return s, nil
}

// validateLang checks the language of an account's mails; none is German.
func validateLang(op, lang string) (string, error) {
	switch lang {
	case "":
		return "de", nil
	case "de", "en":
		return lang, nil
	}
	return "", invalid(op, "lang_invalid", nil)
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
	// The bounds are those every client holds the server's answers to,
	// but the reasons are the server's own: a client's refusal tells its
	// person about a server that asks for too little (kdf_below_floor …),
	// this one a client that offered it.
	params := map[string]any{"field": field}
	switch reason {
	case "kdf_below_floor":
		params["min"], params["got"] = limit, got
	case "kdf_above_ceiling":
		params["max"], params["got"] = limit, got
	}
	return invalid(op, "kdf_out_of_bounds", params)
}

func validateSecret(op, field string, b []byte) error {
	if len(b) != 32 {
		return invalid(op, "field_length", map[string]any{"field": field, "bytes": 32})
	}
	return nil
}

const maxWrapped = 16 << 10

func validateWrapped(op, field string, b []byte) error {
	if len(b) == 0 || len(b) > maxWrapped {
		return invalid(op, "field_missing_or_too_large", map[string]any{"field": field, "max": maxWrapped})
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

func errIDInvalid(op, field string) error {
	return invalid(op, "id_invalid", map[string]any{"field": field, "min": 16, "max": 64})
}

func errCategoryUnknown(op string, c akte.CategoryID) error {
	return invalid(op, "category_unknown", map[string]any{"category": c})
}

var deviceIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func validateDevice(op string, id akte.DeviceID, name string) error {
	if !deviceIDRe.MatchString(string(id)) {
		return invalid(op, "device_id_invalid", map[string]any{"min": 8, "max": 64})
	}
	return validateDeviceName(op, name)
}

func validateDeviceName(op, name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 64 || !utf8.ValidString(name) || strings.TrimSpace(name) == "" || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return invalid(op, "device_name_invalid", map[string]any{"min": 1, "max": 64})
	}
	return nil
}
