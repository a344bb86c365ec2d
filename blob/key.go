// Package blob holds what every akte.BlobStore backend shares: the syntax of
// keys and list prefixes, checked the same way by disk, S3 and the suite.
package blob

import (
	"fmt"
	"strings"

	"github.com/akte/akte"
)

// Limits on keys. MaxSegmentLen keeps every segment a valid file name on
// common file systems (NAME_MAX is 255 bytes); MaxKeyLen matches S3's limit
// on object names, so a key valid here is valid in every backend.
const (
	MaxKeyLen     = 1024
	MaxSegmentLen = 255
)

// CheckKey returns an *akte.Error of KindInvalid unless key is a
// slash-separated path of segments made of [a-z0-9._-], none of them empty,
// "." or "..", at most MaxSegmentLen bytes each and MaxKeyLen in all. Such a
// key can be used as a relative file path without escaping its root.
func CheckKey(op, key string) error {
	if why := keyProblem(key, false); why != "" {
		return akte.E(op, akte.KindInvalid, "invalid blob key: "+why, fmt.Errorf("key %q", key))
	}
	return nil
}

// CheckPrefix is CheckKey for the prefix argument of List: the empty prefix
// is valid, and the last segment may be incomplete (empty, ".", ".."), so
// that "a/" and "a/b" are both valid prefixes of the key "a/b.c".
func CheckPrefix(op, prefix string) error {
	if prefix == "" {
		return nil
	}
	if why := keyProblem(prefix, true); why != "" {
		return akte.E(op, akte.KindInvalid, "invalid blob prefix: "+why, fmt.Errorf("prefix %q", prefix))
	}
	return nil
}

// keyProblem describes what is wrong with s, or returns "". With partial, s
// is a prefix and its last segment is only checked for its characters.
func keyProblem(s string, partial bool) string {
	if s == "" {
		return "empty"
	}
	if len(s) > MaxKeyLen {
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/') {
			return fmt.Sprintf("character %q not in [a-z0-9._-/]", c)
		}
	}
	segs := strings.Split(s, "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		if partial && last {
			break
		}
		switch {
		case seg == "" && i == 0:
			return "absolute path"
		case seg == "" && last:
			return "trailing slash"
		case seg == "":
			return "empty segment"
		case seg == "." || seg == "..":
			return "segment " + seg
		case len(seg) > MaxSegmentLen:
			return fmt.Sprintf("segment longer than %d bytes", MaxSegmentLen)
		}
	}
	if partial && len(segs[len(segs)-1]) > MaxSegmentLen {
		return fmt.Sprintf("segment longer than %d bytes", MaxSegmentLen)
	}
	return ""
}
