package catalog

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestText renders the cases of testdata/text.json, which the web app's
// renderer passes too (web/test/catalog.test.mjs); the parameters come as
// JSON decodes them, and once more as Go integers.
func TestText(t *testing.T) {
	b, err := os.ReadFile("testdata/text.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Lang, Text, Want string
		Params           map[string]any
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := render(c.Lang, c.Text, c.Params); got != c.Want {
			t.Errorf("%s %q %v: got %q, want %q", c.Lang, c.Text, c.Params, got, c.Want)
		}
		ints := map[string]any{}
		for k, v := range c.Params {
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				v = int64(f)
			}
			ints[k] = v
		}
		if got := render(c.Lang, c.Text, ints); got != c.Want {
			t.Errorf("%s %q %v (integers): got %q, want %q", c.Lang, c.Text, ints, got, c.Want)
		}
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
