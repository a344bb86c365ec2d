package client

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
		return akte.E(op, akte.KindInvalid, "Das Passwort enthält ungültige Zeichen.", nil)
	case n < MinPassword:
		return akte.Errorf(op, akte.KindInvalid, "Das Passwort ist zu kurz: mindestens %d Zeichen (jetzt %d).", MinPassword, n)
	case n > MaxPassword:
		return akte.Errorf(op, akte.KindInvalid, "Das Passwort ist zu lang: höchstens %d Zeichen.", MaxPassword)
	}
	lower := strings.ToLower(pw)
	if common[lower] || common[strings.TrimSpace(lower)] {
		return akte.E(op, akte.KindInvalid, "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes, z. B. mehrere zufällige Wörter.", nil)
	}
	if strings.Count(pw, string([]rune(pw)[0])) == len(pw)/len(string([]rune(pw)[0])) {
		return akte.E(op, akte.KindInvalid, "Das Passwort besteht aus nur einem Zeichen. Bitte wählen Sie ein anderes.", nil)
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && strings.Contains(lower, local) {
		return akte.E(op, akte.KindInvalid, "Das Passwort darf Ihre E-Mail-Adresse nicht enthalten.", nil)
	}
	if kvnr != "" && strings.Contains(lower, strings.ToLower(kvnr)) {
		return akte.E(op, akte.KindInvalid, "Das Passwort darf Ihre Krankenversichertennummer nicht enthalten.", nil)
	}
	return nil
}
