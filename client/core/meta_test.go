package core

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMetaJSON: the hand-written metadata JSON agrees with encoding/json
// both ways, for awkward strings (escapes, controls, non-ASCII, invalid
// UTF-8, surrogates) and unknown fields.
func TestMetaJSON(t *testing.T) {
	pieces := []string{"", "Befund", "Müller & Söhne <b>", "\"quoted\" \\ back", "tab\tnew\nline\r", "\x00\x01\x1f", "\u2028\u2029",
		"😀 emoji", "\xff\xfe invalid", "日本語", "a/b"}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		var b strings.Builder
		for range rnd.IntN(4) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		return b.String()
	}
	for range 2000 {
		m := Meta{Title: pick(), Type: pick(), Date: pick(), Source: pick(), Comment: pick(), FileName: pick(), MediaType: pick(),
			Size: rnd.Int64N(1 << 40), Digest: pick(), Replaces: pick(), Version: rnd.Int64N(3), Thumb: pick(), Origin: pick()}
		ours := EncodeMeta(m)
		std, _ := json.Marshal(m)
		var fromOurs, fromStd Meta
		if err := json.Unmarshal(ours, &fromOurs); err != nil {
			t.Fatalf("encoding/json cannot read %q: %v", ours, err)
		}
		got, err := DecodeMeta(std)
		if err != nil {
			t.Fatalf("DecodeMeta(%q): %v", std, err)
		}
		json.Unmarshal(std, &fromStd)
		if fromOurs != fromStd || got != fromStd {
			t.Fatalf("meta %+v:\nours %q -> %+v\nstd  %q -> %+v / %+v", m, ours, fromOurs, std, fromStd, got)
		}
	}
	// Escapes encoding/json writes or any writer may, unknown fields of
	// any kind, whitespace and null.
	in := ` { "title" : "A\u003cb\u003e \u00e9\ud83d\ude00\ud800x\/" , "extra": {"a": [1, "}", {"b": null}]}, "n": -1.5e3,
		"size": 42, "x": true, "comment": null, "digest": "ab" } `
	m, err := DecodeMeta([]byte(in))
	var want Meta
	if err2 := json.Unmarshal([]byte(in), &want); err != nil || err2 != nil || m != want {
		t.Errorf("DecodeMeta = %+v, %v; encoding/json %+v, %v", m, err, want, err2)
	}
	for _, bad := range []string{``, `[]`, `{`, `{"title":}`, `{"title":"x"`, `{"title":"x"}x`, `{"size":"1"}`, `{"size":1.5}`, `{"title":"\q"}`, `{title:"x"}`} {
		if _, err := DecodeMeta([]byte(bad)); err == nil {
			t.Errorf("DecodeMeta(%q) succeeded", bad)
		}
	}
}

// FuzzDecodeMeta: whatever both read, DecodeMeta reads as encoding/json
// does (keys in another case aside, which encoding/json matches and no
// client writes); nothing makes it panic.
func FuzzDecodeMeta(f *testing.F) {
	f.Add([]byte(`{"title":"x","size":1}`))
	f.Add(EncodeMeta(Meta{Title: "ä\"", Size: 3, Digest: "d"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMeta(b)
		var std Meta
		if json.Valid(b) && json.Unmarshal(b, &std) == nil && err == nil && !strings.ContainsAny(string(b), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && m != std {
			t.Fatalf("%q: ours %+v, encoding/json %+v", b, m, std)
		}
	})
}
