package main

import (
	"strings"
	"testing"
)

// TestLanguage: the same failing commands print German with
// LANG=de_DE.UTF-8 and English with LANG=en_US.UTF-8 (AKTE_LANG and the
// LC_* variables unset), cobra's flag errors and help included; AKTE_LANG
// comes before LANG.
func TestLanguage(t *testing.T) {
	u := &user{t: t, srv: &server{t: t, URL: "http://127.0.0.1:9"}, Home: t.TempDir(), Password: "kurz123"}
	locale := func(lang string) []string {
		return []string{"AKTE_LANG=", "LC_ALL=", "LC_MESSAGES=", "LANG=" + lang}
	}
	register := []string{"register", "--email", "anna@example.org", "--kvnr", testKVNR, "--birthdate", "1980-04-01"}
	transcripts := []struct {
		env  []string
		args []string
		want string // the whole of stderr
	}{
		{locale("de_DE.UTF-8"), register, "Fehler: Das Passwort ist zu kurz: mindestens 12 Zeichen (jetzt 7).\n"},
		{locale("en_US.UTF-8"), register, "Error: The password is too short: at least 12 characters (now 7).\n"},
		{locale("de_DE.UTF-8"), append([]string{"register"}, register[3:]...), "Fehler: Es fehlt: --email.\n"},
		{locale("en_US.UTF-8"), append([]string{"register"}, register[3:]...), "Error: Missing: --email.\n"},
		{locale("de_DE.UTF-8"), []string{"register", "--emial", "x"}, "Fehler: Unbekannte Option --emial.\n"},
		{locale("en_US.UTF-8"), []string{"register", "--emial", "x"}, "Error: Unknown flag --emial.\n"},
		{locale("de_DE.UTF-8"), []string{"register", "--email"}, "Fehler: --email braucht einen Wert.\n"},
		{locale("en_US.UTF-8"), []string{"register", "--email"}, "Error: --email needs a value.\n"},
		{locale("de_DE.UTF-8"), []string{"register", "jetzt"}, "Fehler: akte register erwartet keine Angaben außer Optionen (nicht \"jetzt\").\n"},
		{locale("en_US.UTF-8"), []string{"registr"}, "Error: Unknown command \"registr\" for \"akte\". Did you mean register?\n"},
		{locale("de_DE.UTF-8"), []string{"password", "forgot"}, "Fehler: Unbekannter Befehl \"forgot\" für \"akte password\".\n"},
		{append(locale("de_DE.UTF-8"), "AKTE_LANG=en"), register, "Error: The password is too short: at least 12 characters (now 7).\n"},
		{append(locale("en_US.UTF-8"), "LC_ALL=de_AT.UTF-8"), register, "Fehler: Das Passwort ist zu kurz: mindestens 12 Zeichen (jetzt 7).\n"},
	}
	for _, tr := range transcripts {
		out, errs, code := u.run("", tr.env, tr.args...)
		if code != 1 || errs != tr.want || out != "" {
			t.Errorf("%v %v: exit %d\nstdout: %q\nstderr: %q\nwant:   %q", tr.env, tr.args, code, out, errs, tr.want)
		}
	}

	// Help: cobra's words in the language, and no word of the other.
	help := []struct {
		lang       string
		want, none []string
	}{
		{"de_DE.UTF-8", []string{"Aufruf:", "akte register --email E", "[Optionen]", "Optionen:", "E-Mail-Adresse", "Hilfe zu register", "Konto anlegen"},
			[]string{"Usage", "Flags", "flags", "help for", "e-mail address", "Create an account"}},
		{"en_US.UTF-8", []string{"Usage:", "[flags]", "Flags:", "e-mail address", "help for register", "Create an account"},
			[]string{"Aufruf", "Optionen", "Hilfe", "E-Mail-Adresse", "Konto"}},
	}
	for _, h := range help {
		out, errs, code := u.run("", locale(h.lang), "register", "--help")
		for _, w := range h.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: register --help lacks %q:\n%s", h.lang, w, out)
			}
		}
		for _, w := range h.none {
			if strings.Contains(out, w) {
				t.Errorf("%s: register --help says %q:\n%s", h.lang, w, out)
			}
		}
		if code != 0 || errs != "" {
			t.Errorf("%s: register --help: exit %d, %s", h.lang, code, errs)
		}
	}
	de, _, _ := u.run("", locale("de_DE.UTF-8"))
	en, _, _ := u.run("", locale("en_US.UTF-8"), "help")
	if !strings.Contains(de, "Befehle:") || !strings.Contains(de, "Hilfe zu einem Befehl") || strings.Contains(de, "completion") ||
		!strings.Contains(en, "Available Commands:") || !strings.Contains(en, "Log in") {
		t.Errorf("command list:\n%s\n%s", de, en)
	}
}
