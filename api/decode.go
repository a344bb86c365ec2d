package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/akte/akte"
)

// maxBody bounds every JSON request body. Wrapped keys are a few KiB; 256 KiB
// leaves room without letting a client make the server buffer much.
const maxBody = 256 << 10

// decode reads a JSON request body into v. It is the one decoder of the API:
// it insists on Content-Type application/json, bounds the size, and rejects
// malformed JSON, duplicate keys, unknown fields and trailing data, each with
// a message a person can act on.
func decode(r *http.Request, v any) error {
	const op = "api.decode"
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return akte.E(op, akte.KindUnsupportedMedia, "Content-Type muss application/json sein.", nil)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return akte.E(op, akte.KindUnsupportedMedia, "Der Zeichensatz muss UTF-8 sein.", nil)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return akte.E(op, akte.KindInvalid, "Die Anfrage konnte nicht gelesen werden.", err)
	}
	if len(data) > maxBody {
		return akte.E(op, akte.KindTooLarge, fmt.Sprintf("Die Anfrage ist zu groß (höchstens %d KiB).", maxBody>>10), nil)
	}
	return decodeBytes(data, v)
}

// decodeBytes is decode without the HTTP parts; the fuzz target drives it.
func decodeBytes(data []byte, v any) error {
	const op = "api.decode"
	if err := checkKeys(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return akte.E(op, akte.KindInvalid, describeJSONError(err), nil)
	}
	if _, err := dec.Token(); err != io.EOF {
		return akte.E(op, akte.KindInvalid, "Nach dem JSON-Objekt folgen weitere Daten.", nil)
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("Ungültiges JSON an Position %d.", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("Das Feld %q hat den falschen Typ (erwartet: %s).", typ.Field, jsonType(typ.Type.Kind().String()))
		}
		return "Der Anfragekörper muss ein JSON-Objekt sein."
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "Der Anfragekörper ist leer oder unvollständig."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "Unbekanntes Feld " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "."
	case strings.Contains(err.Error(), "illegal base64"):
		return "Ein Binärfeld ist kein gültiges Base64."
	}
	return "Ungültiges JSON."
}

func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "Text"
	case "slice":
		return "Base64-Text oder Liste"
	case "struct", "map":
		return "Objekt"
	case "bool":
		return "true oder false"
	}
	return "Zahl"
}

// checkDuplicates fails on a repeated key in any object of data, keys
// compared as encoding/json compares them (without case).
func checkDuplicates(data []byte) error { return checkKeys(data, nil) }

// checkKeys walks the token stream of data along the type t it will be
// decoded into and fails on a repeated key in any object, and on a key
// that is not exactly the JSON name of a field of t. encoding/json matches
// keys without regard to case and keeps the last of two: {"email":…,
// "EMAIL":…} would pass as one field, and two parsers disagreeing about a
// request is how checks get bypassed. Where t does not say (nil, maps,
// interfaces, types with their own UnmarshalJSON), any key passes once.
func checkKeys(data []byte, t reflect.Type) error {
	const op = "api.decode"
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(depth int, t reflect.Type) error
	walk = func(depth int, t reflect.Type) error {
		if depth > 64 {
			return akte.E(op, akte.KindInvalid, "Das JSON ist zu tief verschachtelt.", nil)
		}
		tok, err := dec.Token()
		if err != nil {
			return akte.E(op, akte.KindInvalid, describeJSONError(err), nil)
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		t = shapeOf(t)
		switch d {
		case '{':
			var fields map[string]reflect.Type
			var elem reflect.Type
			if t != nil && t.Kind() == reflect.Struct {
				fields = jsonFields(t)
			} else if t != nil && t.Kind() == reflect.Map {
				elem = t.Elem()
			}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return akte.E(op, akte.KindInvalid, describeJSONError(err), nil)
				}
				k, _ := kt.(string)
				if f := foldKey(k); seen[f] {
					return akte.R(op, akte.KindInvalid, "duplicate_field", map[string]any{"field": k}, fmt.Sprintf("Das Feld %q kommt doppelt vor.", k))
				} else {
					seen[f] = true
				}
				vt := elem
				if fields != nil {
					if vt, ok = fields[k]; !ok {
						return akte.R(op, akte.KindInvalid, "unknown_field", map[string]any{"field": k}, fmt.Sprintf("Unbekanntes Feld %q.", k))
					}
				}
				if err := walk(depth+1, vt); err != nil {
					return err
				}
			}
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for dec.More() {
				if err := walk(depth+1, elem); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return akte.E(op, akte.KindInvalid, describeJSONError(err), nil)
		}
		return nil
	}
	return walk(0, t)
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf is the type whose keys checkKeys can check for t: pointers
// followed, nil for types that decode themselves.
func shapeOf(t reflect.Type) reflect.Type {
	for t != nil {
		if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
			t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
			return nil
		}
		if t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields, as encoding/json
// decodes them (tag name or field name, embedded structs promoted), to
// their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := shapeOf(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := m[k]; !ok {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

// foldKey folds a key as encoding/json does when it matches keys to
// fields: ASCII letters without case, other letters by their simple case
// folding (so "K" and "\u212a", the Kelvin sign, are one key).
func foldKey(k string) string {
	b := make([]byte, 0, len(k))
	for _, r := range k {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b = append(b, byte(r))
			continue
		}
		b = utf8.AppendRune(b, unicode.ToUpper(unicode.ToLower(r)))
	}
	return string(b)
}
