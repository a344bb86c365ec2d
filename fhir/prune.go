package fhir

import (
	"encoding/json"
	"errors"
	"strings"
)

// prune rewrites a JSON value without nulls and without empty (or blank)
// strings, objects and arrays, at every depth, keeping the order of
// members, and without insignificant whitespace. FHIR forbids all of them
// (http://hl7.org/fhir/R4/json.html), except null as a place holder inside
// the arrays of primitive extensions ("_given": [null, {...}]), which are
// kept. ok is false if nothing remains. data must be valid JSON (callers
// pass what json.Unmarshal accepted or json.Marshal wrote); a byte scanner,
// because encoding/json's token reader made it the slowest part of Parse.
func prune(data []byte) (out []byte, ok bool, err error) {
	p := &pruner{in: data, out: make([]byte, 0, len(data))}
	ok = p.value(false)
	if p.err != nil {
		return nil, false, p.err
	}
	return p.out, ok, nil
}

type pruner struct {
	in  []byte
	i   int
	out []byte
	err error
}

var errSyntax = errors.New("fhir: invalid JSON")

func (p *pruner) space() {
	for p.i < len(p.in) && (p.in[p.i] == ' ' || p.in[p.i] == '\t' || p.in[p.i] == '\n' || p.in[p.i] == '\r') {
		p.i++
	}
}

// value copies the next value to out unless it is empty, and reports
// whether it did; keepNull keeps the null elements of the array it starts.
func (p *pruner) value(keepNull bool) bool {
	p.space()
	if p.i >= len(p.in) {
		p.err = errSyntax
		return false
	}
	switch c := p.in[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array(keepNull)
	case c == '"':
		start := p.i
		p.str()
		s := p.in[start:p.i]
		if blank(s) {
			return false
		}
		p.out = append(p.out, s...)
		return true
	case c == 'n':
		p.i += 4
		return false
	default: // true, false, numbers
		start := p.i
		for p.i < len(p.in) && !strings.ContainsRune(",]} \t\r\n", rune(p.in[p.i])) {
			p.i++
		}
		p.out = append(p.out, p.in[start:p.i]...)
		return true
	}
}

// str advances past a string literal (p.i at its opening quote).
func (p *pruner) str() {
	p.i++
	for p.i < len(p.in) {
		switch p.in[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return
		}
		p.i++
	}
	p.err = errSyntax
}

// blank reports whether a string literal (with quotes) is empty or only
// whitespace.
func blank(lit []byte) bool {
	inner := lit[1 : len(lit)-1]
	for _, c := range inner {
		if c == '\\' { // escapes: decode to be sure (rare)
			var s string
			if json.Unmarshal(lit, &s) != nil {
				return false
			}
			return strings.TrimSpace(s) == ""
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func (p *pruner) object() bool {
	start := len(p.out)
	p.out = append(p.out, '{')
	p.i++
	n := 0
	for p.err == nil {
		p.space()
		if p.i >= len(p.in) {
			p.err = errSyntax
			break
		}
		if p.in[p.i] == '}' {
			p.i++
			break
		}
		if p.in[p.i] == ',' {
			p.i++
			continue
		}
		keyStart := p.i
		p.str()
		key := p.in[keyStart:p.i]
		p.space()
		p.i++ // ':'
		mark := len(p.out)
		if n > 0 {
			p.out = append(p.out, ',')
		}
		p.out = append(p.out, key...)
		p.out = append(p.out, ':')
		if p.value(len(key) > 1 && key[1] == '_') {
			n++
		} else {
			p.out = p.out[:mark]
		}
	}
	if n == 0 {
		p.out = p.out[:start]
		return false
	}
	p.out = append(p.out, '}')
	return true
}

func (p *pruner) array(keepNull bool) bool {
	start := len(p.out)
	p.out = append(p.out, '[')
	p.i++
	n, real := 0, 0
	for p.err == nil {
		p.space()
		if p.i >= len(p.in) {
			p.err = errSyntax
			break
		}
		if p.in[p.i] == ']' {
			p.i++
			break
		}
		if p.in[p.i] == ',' {
			p.i++
			continue
		}
		mark := len(p.out)
		if n > 0 {
			p.out = append(p.out, ',')
		}
		switch {
		case p.value(false):
			real++
		case keepNull:
			p.out = append(p.out, "null"...)
		default:
			p.out = p.out[:mark]
			continue
		}
		n++
	}
	if real == 0 {
		p.out = p.out[:start]
		return false
	}
	p.out = append(p.out, ']')
	return true
}
