package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
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
// its own reason, so that a client can say what to correct.
func decode(r *http.Request, v any) error { return decodeMax(r, v, maxBody) }

// decodeMax is decode with another bound, for the few bodies that may be
// larger (the record manifest).
func decodeMax(r *http.Request, v any, maxBody int) error {
	const op = "api.decode"
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return errContentType(op, "application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return akte.R(op, akte.KindUnsupportedMedia, "charset_invalid", nil, "")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, int64(maxBody)+1))
	if err != nil {
		return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "body_unreadable", Err: err}
	}
	if len(data) > maxBody {
		return akte.R(op, akte.KindTooLarge, "body_too_large", map[string]any{"max_kib": maxBody >> 10}, "")
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
		return jsonError(op, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return akte.R(op, akte.KindInvalid, "json_trailing_data", nil, "")
	}
	return nil
}

// errContentType refuses a body that is not of the type want.
func errContentType(op, want string) error {
	return akte.R(op, akte.KindUnsupportedMedia, "content_type_invalid", map[string]any{"want": want}, "")
}

// jsonError says what encoding/json found wrong with a body.
func jsonError(op string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return akte.R(op, akte.KindInvalid, "json_syntax", map[string]any{"offset": syn.Offset}, "")
	case errors.As(err, &typ) && typ.Field != "":
		return akte.R(op, akte.KindInvalid, "field_type", map[string]any{"field": typ.Field, "want": jsonType(typ.Type.Kind())}, "")
	case errors.As(err, &typ):
		return akte.R(op, akte.KindInvalid, "json_not_object", nil, "")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return akte.R(op, akte.KindInvalid, "body_empty", nil, "")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errUnknownField(op, field)
	case strings.Contains(err.Error(), "illegal base64"):
		return akte.R(op, akte.KindInvalid, "base64_invalid", nil, "")
	}
	return akte.R(op, akte.KindInvalid, "json_invalid", nil, "")
}

func errUnknownField(op, field string) error {
	return akte.R(op, akte.KindInvalid, "unknown_field", map[string]any{"field": field}, "")
}

// jsonType names the JSON type a Go kind decodes from.
func jsonType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "string (base64) or array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Bool:
		return "boolean"
	}
	return "number"
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
			return akte.R(op, akte.KindInvalid, "json_too_deep", map[string]any{"max": 64}, "")
		}
		tok, err := dec.Token()
		if err != nil {
			return jsonError(op, err)
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
					return jsonError(op, err)
				}
				k, _ := kt.(string)
				if f := foldKey(k); seen[f] {
					return akte.R(op, akte.KindInvalid, "duplicate_field", map[string]any{"field": k}, "")
				} else {
					seen[f] = true
				}
				vt := elem
				if fields != nil {
					if vt, ok = fields[k]; !ok {
						return errUnknownField(op, k)
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
			return jsonError(op, err)
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
