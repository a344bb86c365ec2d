package catalog

import (
	"regexp"
	"slices"
	"testing"
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
		{"de", "{s:duration}", map[string]any{"s": 8}, "8 Sekunden"},
		{"en", "{s:duration}", map[string]any{"s": float64(1)}, "1 second"},
		{"en", "{s:duration}", map[string]any{"s": 120}, "120 seconds"},
		{"de", "{s:duration}", map[string]any{"s": 121}, "3 Minuten"},
		{"en", "{s:duration}", map[string]any{"s": 900}, "15 minutes"},
		{"de", "{s:duration}", map[string]any{"s": 60 * 60}, "60 Minuten"},
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

// TestPlaceholders: the German and the English text of a reason use the
// same parameters with the same formats.
func TestPlaceholders(t *testing.T) {
	re := regexp.MustCompile(`\{[a-z_]+(:[a-z]+)?\}`)
	for _, r := range Reasons("de") {
		de, en := re.FindAllString(texts["de"][r], -1), re.FindAllString(texts["en"][r], -1)
		slices.Sort(de)
		slices.Sort(en)
		if !slices.Equal(de, en) {
			t.Errorf("%s: German %v, English %v", r, de, en)
		}
	}
}
