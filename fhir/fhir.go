// Package fhir holds hand-written Go types for the FHIR R4 resources Akte
// keeps as structured entries, their JSON form (which never contains null or
// empty strings, objects or arrays, as FHIR requires), a parser that picks
// the type by resourceType, and plausibility checks that answer with an
// akte.Error reason. It is pure Go without I/O, so it runs in WebAssembly.
package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/akte/akte"
)

// Resource is one FHIR R4 resource of a type this package knows.
type Resource interface {
	// ResourceType is the FHIR type name, e.g. "Immunization".
	ResourceType() string
	// ResourceID is the logical id (Resource.id), "" if none.
	ResourceID() string
	resource()
}

// Types lists the resource types Parse accepts, in the order the entries
// are presented.
func Types() []string {
	return []string{
		"Immunization", "Procedure", "Encounter", "Practitioner", "MedicationStatement",
		"Observation", "AllergyIntolerance", "Condition", "Patient", "Bundle",
	}
}

// New returns an empty resource of the named type, or nil if the type is
// not one of Types.
func New(resourceType string) Resource {
	switch resourceType {
	case "Immunization":
		return &Immunization{}
	case "Procedure":
		return &Procedure{}
	case "Encounter":
		return &Encounter{}
	case "Practitioner":
		return &Practitioner{}
	case "MedicationStatement":
		return &MedicationStatement{}
	case "Observation":
		return &Observation{}
	case "AllergyIntolerance":
		return &AllergyIntolerance{}
	case "Condition":
		return &Condition{}
	case "Patient":
		return &Patient{}
	case "Bundle":
		return &Bundle{}
	}
	return nil
}

// Parse decodes one resource from its FHIR JSON form and checks its
// structure: the JSON must be one object whose resourceType is one of
// Types, every known element must have its FHIR type and format, the
// elements FHIR requires must be present, and a choice element ([x]) may be
// given once. Elements this package does not model (FHIR has many) are kept
// and written back unchanged by Marshal. Plausibility (dates, check digits)
// is Check's job. Errors are *akte.Error of KindInvalid with a Reason.
func Parse(data []byte) (Resource, error) {
	const op = "fhir.parse"
	var head struct {
		ResourceType *string `json:"resourceType"`
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, akte.R(op, akte.KindInvalid, "fhir_not_object", nil, "a FHIR resource must be one JSON object")
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(op, err)
	}
	// FHIR forbids empty values; read what remains without them, so that
	// an empty object does not count as a present required element.
	data, _, err := prune(data)
	if err != nil {
		return nil, jsonError(op, err)
	}
	if head.ResourceType == nil {
		return nil, akte.R(op, akte.KindInvalid, "fhir_resource_type_missing", nil, "the resource has no resourceType")
	}
	r := New(*head.ResourceType)
	if r == nil {
		return nil, akte.R(op, akte.KindInvalid, "fhir_resource_type_unsupported",
			map[string]any{"resource_type": *head.ResourceType, "supported": Types()},
			"resource type "+*head.ResourceType+" is not supported")
	}
	if err := json.Unmarshal(data, r); err != nil {
		var ae *akte.Error
		if errors.As(err, &ae) {
			return nil, ae
		}
		return nil, jsonError(op, err)
	}
	if err := structure(r); err != nil {
		return nil, err
	}
	if err := nothingLost(data, r); err != nil {
		return nil, err
	}
	return r, nil
}

// nothingLost refuses input with an element that Marshal would not write
// back: a member the nested data types do not model (only the top level of
// a resource keeps unknown members) or a name in the wrong case. in has no
// empty values left.
func nothingLost(in []byte, r Resource) error {
	out, err := Marshal(r)
	if err != nil {
		return err
	}
	var a, b any
	if err := unmarshalNumbers(in, &a); err != nil {
		return err
	}
	if err := unmarshalNumbers(out, &b); err != nil {
		return err
	}
	if path := lost(a, b, ""); path != "" {
		return problem(path, "fhir_element_unknown", map[string]any{"element": path[strings.LastIndex(path, ".")+1:]},
			"unknown element "+path+" (FHIR names are case-sensitive)")
	}
	return nil
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// lost returns the path of the first member of in that out lacks.
func lost(in, out any, path string) string {
	switch x := in.(type) {
	case map[string]any:
		y, _ := out.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			v, ok := y[k]
			if !ok {
				return p
			}
			if l := lost(x[k], v, p); l != "" {
				return l
			}
		}
	case []any:
		y, _ := out.([]any)
		for i := range x {
			p := fmt.Sprintf("%s[%d]", path, i)
			if i >= len(y) {
				return p
			}
			if l := lost(x[i], y[i], p); l != "" {
				return l
			}
		}
	}
	return ""
}

// Marshal writes r as FHIR JSON: resourceType first, then the elements in
// the order of the FHIR specification, then kept unknown elements; nulls,
// empty strings, empty objects and empty arrays are left out at every depth.
func Marshal(r Resource) ([]byte, error) { return json.Marshal(r) }

func jsonError(op string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "fhir_type_mismatch",
			Params:  map[string]any{"path": te.Field, "want": fhirTypeName(te.Type), "got": te.Value},
			Message: fmt.Sprintf("element %s must be %s, not %s", te.Field, fhirTypeName(te.Type), te.Value), Err: err}
	}
	return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "fhir_json_invalid",
		Message: "the resource is not valid JSON", Err: err}
}

func fhirTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return "an integer"
	}
	return t.String()
}

// encode writes v (a struct of this package) as a JSON object with
// resourceType first (if not ""), the kept unknown members after the known
// ones, and everything empty removed.
func encode(resourceType string, v any, extra map[string]json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(buf.Bytes())
	var out bytes.Buffer
	out.WriteByte('{')
	if resourceType != "" {
		out.WriteString(`"resourceType":`)
		b, _ := json.Marshal(resourceType)
		out.Write(b)
	}
	inner := bytes.TrimSpace(body[1 : len(body)-1])
	if len(inner) > 0 {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		out.Write(inner)
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		b, _ := json.Marshal(k)
		out.Write(b)
		out.WriteByte(':')
		out.Write(extra[k])
	}
	out.WriteByte('}')
	pruned, ok, err := prune(out.Bytes())
	if err != nil {
		return nil, err
	}
	if !ok {
		return []byte("{}"), nil
	}
	return pruned, nil
}

// decode fills v (a pointer to a plain struct of this package) from data
// and returns the members v does not know, minus resourceType.
func decode(data []byte, v any) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	// The members' names first, their values skipped: nearly always every
	// member is known, and copying each value (json.RawMessage) was a
	// third of the decoding.
	var names map[string]skip
	if err := json.Unmarshal(data, &names); err != nil {
		return nil, err
	}
	known := knownNames(reflect.TypeOf(v).Elem())
	var all map[string]json.RawMessage
	for k := range names {
		if !known[k] {
			if err := json.Unmarshal(data, &all); err != nil {
				return nil, err
			}
			break
		}
	}
	var extra map[string]json.RawMessage
	for k, raw := range all {
		if known[k] {
			continue
		}
		// encoding/json matches names regardless of case; FHIR does not.
		for name := range known {
			if strings.EqualFold(name, k) {
				return nil, problem(k, "fhir_element_unknown", map[string]any{"element": k, "did_you_mean": name},
					"unknown element "+k+" (FHIR names are case-sensitive: "+name+")")
			}
		}
		if extra == nil {
			extra = map[string]json.RawMessage{}
		}
		extra[k] = raw
	}
	return extra, nil
}

// skip is a JSON value read and thrown away.
type skip struct{}

func (*skip) UnmarshalJSON([]byte) error { return nil }

// knownByType holds knownNames' answers (reflect.Type to map[string]bool).
var knownByType sync.Map

// knownNames is jsonNames of t plus resourceType, computed once per type;
// the map is shared, read only.
func knownNames(t reflect.Type) map[string]bool {
	if m, ok := knownByType.Load(t); ok {
		return m.(map[string]bool)
	}
	m := jsonNames(t)
	m["resourceType"] = true
	knownByType.Store(t, m)
	return m
}

// jsonNames lists the JSON member names of a struct type, those of
// embedded structs included.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			maps.Copy(names, jsonNames(f.Type))
			continue
		}
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	return names
}
