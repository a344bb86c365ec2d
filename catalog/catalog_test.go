package catalog

import (
	"testing"

	"github.com/akte/akte"
)

func TestText(t *testing.T) {
	for _, c := range []struct {
		lang, tmpl string
		params     map[string]any
		want       string
	}{
		{"de", "mindestens {min} Zeichen (jetzt {got})", map[string]any{"min": 12, "got": float64(7)}, "mindestens 12 Zeichen (jetzt 7)"},
		{"de", "noch {left:bytes} frei", map[string]any{"left": 1_500_000_000}, "noch 1,5 GB frei"},
		{"en", "{left:bytes} left", map[string]any{"left": float64(1_500_000_000)}, "1.5 GB left"},
		{"en", "{n:bytes}", map[string]any{"n": 999}, "999 B"},
		{"de", "bis {d:date}", map[string]any{"d": "2026-04-01"}, "bis 01.04.2026"},
		{"en", "until {d:date}", map[string]any{"d": "2026-04-01T10:00:00Z"}, "until 2026-04-01"},
		{"de", "fehlt: {x}", nil, "fehlt: {x}"},
		{"de", "kein Platzhalter", nil, "kein Platzhalter"},
		{"de", "offen { bleibt", nil, "offen { bleibt"},
	} {
		texts[c.lang]["test_reason"] = c.tmpl
		if got := Text(c.lang, "test_reason", c.params); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.lang, c.tmpl, got, c.want)
		}
		delete(texts[c.lang], "test_reason")
	}
	if got, want := Text("de", "no_such_reason", nil), texts["de"]["internal"]; got != want {
		t.Errorf("unknown reason: %q, want the internal text %q", got, want)
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "de_DE.UTF-8"}, "de"},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_AT"}, "de"},
		{map[string]string{"LANG": "de_DE.UTF-8", "AKTE_LANG": "en"}, "en"},
		{map[string]string{"LANG": "C"}, "en"},
	} {
		if got := LangFromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
}

// Every error kind's code is also the reason of an error that names no
// finer one, so each needs a text in both languages; and both languages
// hold the same reasons.
func TestCatalogues(t *testing.T) {
	for k := akte.KindInvalid; k <= akte.KindInternal; k++ {
		for _, l := range Languages {
			if !Has(l, k.String()) {
				t.Errorf("%s: no text for the kind %q", l, k)
			}
		}
	}
	for _, l := range Languages {
		for _, r := range Reasons(l) {
			for _, other := range Languages {
				if !Has(other, r) {
					t.Errorf("reason %q has a %s text but no %s one", r, l, other)
				}
			}
		}
	}
}
