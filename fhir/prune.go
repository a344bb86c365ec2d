package fhir

import (
	"bytes"
	"encoding/json"
	"strings"
)

// prune rewrites a JSON value without nulls and without empty (or blank)
// strings, objects and arrays, at every depth, keeping the order of
// members. FHIR forbids all of them (http://hl7.org/fhir/R4/json.html),
// except null as a place holder inside the arrays of primitive extensions
// ("_given": [null, {...}]), which are kept as they are. ok is false if
// nothing remains.
func prune(data []byte) (out []byte, ok bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var buf bytes.Buffer
	ok, err = pruneValue(dec, &buf, false)
	return buf.Bytes(), ok, err
}

// pruneValue writes the next value; keepNull keeps null elements of the
// array it starts (arrays of primitive extensions).
func pruneValue(dec *json.Decoder, out *bytes.Buffer, keepNull bool) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return false, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return pruneObject(dec, out)
		}
		return pruneArray(dec, out, keepNull)
	case nil:
		return false, nil
	case string:
		if strings.TrimSpace(t) == "" {
			return false, nil
		}
		writeString(out, t)
	case json.Number:
		out.WriteString(t.String())
	case bool:
		if t {
			out.WriteString("true")
		} else {
			out.WriteString("false")
		}
	}
	return true, nil
}

func pruneObject(dec *json.Decoder, out *bytes.Buffer) (bool, error) {
	start := out.Len()
	out.WriteByte('{')
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, err
		}
		key, _ := tok.(string)
		mark := out.Len()
		if n > 0 {
			out.WriteByte(',')
		}
		writeString(out, key)
		out.WriteByte(':')
		ok, err := pruneValue(dec, out, strings.HasPrefix(key, "_"))
		if err != nil {
			return false, err
		}
		if !ok {
			out.Truncate(mark)
			continue
		}
		n++
	}
	if _, err := dec.Token(); err != nil { // '}'
		return false, err
	}
	if n == 0 {
		out.Truncate(start)
		return false, nil
	}
	out.WriteByte('}')
	return true, nil
}

func pruneArray(dec *json.Decoder, out *bytes.Buffer, keepNull bool) (bool, error) {
	start := out.Len()
	out.WriteByte('[')
	n, real := 0, 0
	for dec.More() {
		mark := out.Len()
		if n > 0 {
			out.WriteByte(',')
		}
		ok, err := pruneValue(dec, out, false)
		if err != nil {
			return false, err
		}
		switch {
		case ok:
			real++
		case keepNull:
			out.WriteString("null")
		default:
			out.Truncate(mark)
			continue
		}
		n++
	}
	if _, err := dec.Token(); err != nil { // ']'
		return false, err
	}
	if real == 0 {
		out.Truncate(start)
		return false, nil
	}
	out.WriteByte(']')
	return true, nil
}

func writeString(out *bytes.Buffer, s string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out.Truncate(out.Len() - 1) // Encode's newline
}
