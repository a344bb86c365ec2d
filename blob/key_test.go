package blob

import (
	"strings"
	"testing"

	"github.com/akte/akte"
)

func TestCheckKey(t *testing.T) {
	seg := strings.Repeat("s", MaxSegmentLen)
	long := seg + "/" + seg + "/" + seg + "/" + seg // 1023 bytes
	long += strings.Repeat("x", MaxKeyLen-len(long)-1)
	tests := []struct {
		key  string
		ok   bool
		want string
	}{
		{"a", true, ""},
		{"records/01j9/items/0001.bin", true, ""},
		{"a-b_c.d", true, ""},
		{".hidden/...", true, ""},
		{seg, true, ""},
		{seg + "s", false, "segment longer"},
		{long[:len(long)-1] + "/x", true, ""},
		{long + "xx", false, "longer than"},
		{"", false, "empty"},
		{".", false, "segment ."},
		{"..", false, "segment .."},
		{"a/../b", false, "segment .."},
		{"a/./b", false, "segment ."},
		{"/a", false, "absolute"},
		{"a/", false, "trailing slash"},
		{"a//b", false, "empty segment"},
		{"A", false, "character"},
		{`a\b`, false, "character"},
		{"a b", false, "character"},
		{"ä", false, "character"},
		{"a\x00", false, "character"},
		{"a:b", false, "character"},
	}
	for _, tt := range tests {
		err := CheckKey("test", tt.key)
		if tt.ok {
			if err != nil {
				t.Errorf("CheckKey(%.40q) = %v, want nil", tt.key, err)
			}
			continue
		}
		if !akte.Is(err, akte.KindInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckKey(%.40q) = %v, want KindInvalid containing %q", tt.key, err, tt.want)
		}
	}
}

func TestCheckPrefix(t *testing.T) {
	for _, p := range []string{"", "a", "a/", "a/b", "a/.", "a/..", "..", "a/b."} {
		if err := CheckPrefix("test", p); err != nil {
			t.Errorf("CheckPrefix(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"/", "/a", "../", "a/../", "a//", "A", `a\`, strings.Repeat("a", MaxKeyLen+1), strings.Repeat("a", MaxSegmentLen+1)} {
		if err := CheckPrefix("test", p); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("CheckPrefix(%.40q) = %v, want KindInvalid", p, err)
		}
	}
}
