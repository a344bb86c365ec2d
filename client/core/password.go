package core

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/akte/akte"
)

//go:embed common-passwords.txt
var commonList string

// The server never sees the password, so the policy is enforced here, in
// the client core shared by the CLI and the browser.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, l := range strings.Split(commonList, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// Password length limits, in characters.
const (
	MinPassword = 12
	MaxPassword = 128
)

// CheckPassword applies the password policy: 12 to 128 characters, not on
// the shipped list of common passwords, not one repeated character, and not
// containing the e-mail's local part or the KVNR.
func CheckPassword(pw, email, kvnr string) error {
	const op = "password.policy"
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return akte.R(op, akte.KindInvalid, "password_invalid_chars", nil, "Das Passwort enthält ungültige Zeichen.")
	case n < MinPassword:
		return akte.R(op, akte.KindInvalid, "password_too_short", map[string]any{"min": MinPassword, "got": n},
			sprintf("Das Passwort ist zu kurz: mindestens %d Zeichen (jetzt %d).", MinPassword, n))
	case n > MaxPassword:
		return akte.R(op, akte.KindInvalid, "password_too_long", map[string]any{"max": MaxPassword, "got": n},
			sprintf("Das Passwort ist zu lang: höchstens %d Zeichen.", MaxPassword))
	}
	lower := strings.ToLower(pw)
	if common[lower] || common[strings.TrimSpace(lower)] {
		return akte.R(op, akte.KindInvalid, "password_common", nil,
			"Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes, z. B. mehrere zufällige Wörter.")
	}
	if strings.Count(pw, string([]rune(pw)[0])) == len(pw)/len(string([]rune(pw)[0])) {
		return akte.R(op, akte.KindInvalid, "password_one_char", nil, "Das Passwort besteht aus nur einem Zeichen. Bitte wählen Sie ein anderes.")
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(lower, local) {
		return akte.R(op, akte.KindInvalid, "password_contains_email", nil, "Das Passwort darf Ihre E-Mail-Adresse nicht enthalten.")
	}
	if kvnr != "" && strings.Contains(lower, strings.ToLower(kvnr)) {
		return akte.R(op, akte.KindInvalid, "password_contains_kvnr", nil, "Das Passwort darf Ihre Krankenversichertennummer nicht enthalten.")
	}
	return nil
}
