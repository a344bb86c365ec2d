package main

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestAppendJSON: what appendJSON writes, a JSON parser reads back as the
// same string.
func TestAppendJSON(t *testing.T) {
	for _, s := range []string{"", "item:7q2k", `Dr. "Müller" \ Praxis`, "a\x00b\nc\td\x1f", "\u2028\u2029 ✓ 日本", "</script>"} {
		var back string
		if err := json.Unmarshal(appendJSON(nil, s), &back); err != nil || back != s {
			t.Errorf("%q: %s read back as %q (%v)", s, appendJSON(nil, s), back, err)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("Dr. \"Müller\"\x00")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(appendJSON(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if back != s && utf8.ValidString(s) {
			t.Fatalf("%q read back as %q", s, back)
		}
	})
}
