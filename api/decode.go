package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

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
	if err := checkDuplicates(data); err != nil {
		return akte.E(op, akte.KindInvalid, err.Error(), nil)
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

// checkDuplicates walks the token stream and fails on a repeated key in
// any object: encoding/json would silently keep the last one, and two
// parsers disagreeing about a request is how checks get bypassed.
func checkDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > 64 {
			return errors.New("Das JSON ist zu tief verschachtelt.")
		}
		tok, err := dec.Token()
		if err != nil {
			return errors.New(describeJSONError(err))
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch d {
		case '{':
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return errors.New(describeJSONError(err))
				}
				k, _ := kt.(string)
				if seen[k] {
					return fmt.Errorf("Das Feld %q kommt doppelt vor.", k)
				}
				seen[k] = true
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
		case '[':
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return errors.New(describeJSONError(err))
		}
		return nil
	}
	return walk(0)
}
