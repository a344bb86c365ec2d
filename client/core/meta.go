package core

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A document's metadata is sealed as a JSON object (docs/crypto.md §8).
// The core writes and reads it by hand rather than with encoding/json:
// the package and the reflection behind it are most of a megabyte of the
// WebAssembly module (decision 0017). EncodeMeta writes what encoding/json
// would; DecodeMeta reads any JSON object (what earlier clients wrote
// included), takes the fields it knows by their exact names and skips the
// rest. TestMetaJSON holds both to encoding/json.

// EncodeMeta returns the metadata as a JSON object.
func EncodeMeta(m Meta) []byte {
	b := []byte(`{"title":`)
	b = appendString(b, m.Title)
	for _, f := range []struct{ name, v string }{{"type", m.Type}, {"date", m.Date}, {"source", m.Source}, {"comment", m.Comment},
		{"file_name", m.FileName}, {"media_type", m.MediaType}} {
		if f.v != "" {
			b = appendString(append(append(append(b, ',', '"'), f.name...), '"', ':'), f.v)
		}
	}
	b = strconv.AppendInt(append(b, `,"size":`...), m.Size, 10)
	if m.Digest != "" {
		b = appendString(append(b, `,"digest":`...), m.Digest)
	}
	if m.Replaces != "" {
		b = appendString(append(b, `,"replaces":`...), m.Replaces)
	}
	if m.Version != 0 {
		b = strconv.AppendInt(append(b, `,"version":`...), m.Version, 10)
	}
	if m.Thumb != "" {
		b = appendString(append(b, `,"thumb":`...), m.Thumb)
	}
	if m.Origin != "" {
		b = appendString(append(b, `,"origin":`...), m.Origin)
	}
	return append(b, '}')
}

// DecodeMeta reads metadata written as a JSON object.
func DecodeMeta(b []byte) (Meta, error) {
	var m Meta
	strs := map[string]*string{"title": &m.Title, "type": &m.Type, "date": &m.Date, "source": &m.Source, "comment": &m.Comment,
		"file_name": &m.FileName, "media_type": &m.MediaType, "digest": &m.Digest, "replaces": &m.Replaces, "thumb": &m.Thumb, "origin": &m.Origin}
	ints := map[string]*int64{"size": &m.Size, "version": &m.Version}
	err := parseObject(b, func(key string, p *jsonParser) error {
		if s, ok := strs[key]; ok {
			v, err := p.stringOrNull()
			*s = v
			return err
		}
		if n, ok := ints[key]; ok {
			tok := p.number()
			if tok == "null" {
				return nil
			}
			v, err := strconv.ParseInt(tok, 10, 64)
			*n = v
			return err
		}
		return p.skip()
	})
	return m, err
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json does
// (without its HTML escapes, which JSON does not need).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

var errJSON = errors.New("malformed JSON")

// jsonParser reads one JSON value at a time from b.
type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonParser) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *jsonParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// parseObject reads b, which must hold one JSON object, calling field for
// each member; field reads or skips the value.
func parseObject(b []byte, field func(key string, p *jsonParser) error) error {
	p := &jsonParser{b: b}
	if p.peek() != '{' {
		return errJSON
	}
	p.i++
	if p.peek() == '}' {
		p.i++
	} else {
		for {
			if p.peek() != '"' {
				return errJSON
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			if p.peek() != ':' {
				return errJSON
			}
			p.i++
			p.ws()
			if err := field(key, p); err != nil {
				return err
			}
			if c := p.peek(); c == ',' {
				p.i++
				continue
			} else if c == '}' {
				p.i++
				break
			}
			return errJSON
		}
	}
	if p.peek() != 0 {
		return errJSON
	}
	return nil
}

// stringOrNull reads a string (null reads as "").
func (p *jsonParser) stringOrNull() (string, error) {
	if p.lit("null") {
		return "", nil
	}
	if p.peek() != '"' {
		return "", errJSON
	}
	return p.str()
}

// str reads a string at p.i (which holds '"').
func (p *jsonParser) str() (string, error) {
	p.i++
	var out []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", errJSON
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", errJSON
			}
			e := p.b[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", errJSON
				}
				if utf16.IsSurrogate(r) {
					// A pair, or U+FFFD for a lone half, as in encoding/json.
					save := p.i
					if p.lit(`\u`) {
						if r2, ok := p.hex4(); ok {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								out = utf8.AppendRune(out, d)
								continue
							}
						}
					}
					p.i, r = save, utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", errJSON
			}
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			out = utf8.AppendRune(out, r) // invalid UTF-8 reads as U+FFFD, as in encoding/json
			p.i += size
		}
	}
	return "", errJSON
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	p.i += 4
	return rune(n), err == nil
}

// number returns the token of a number (or a literal) for the caller to
// parse.
func (p *jsonParser) number() string {
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		p.i++
	}
	return string(p.b[start:p.i])
}

// skip reads past one value of any kind.
func (p *jsonParser) skip() error {
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == '{' || c == '[':
		depth := 0
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '"':
				if _, err := p.str(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			p.i++
			if depth == 0 {
				return nil
			}
		}
		return errJSON
	case c == 0:
		return errJSON
	default:
		if tok := p.number(); tok == "" {
			return errJSON
		}
		return nil
	}
}
