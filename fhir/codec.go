package fhir

// The JSON methods of each resource type: resourceType written first and
// checked on reading, unknown members kept in Extra, empty values dropped.

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ResourceType returns "Immunization".
func (*Immunization) ResourceType() string { return "Immunization" }
func (*Immunization) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Immunization) MarshalJSON() ([]byte, error) {
	type plain Immunization
	return encode("Immunization", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Immunization".
func (r *Immunization) UnmarshalJSON(b []byte) error {
	type plain Immunization
	if err := checkType(b, "Immunization"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Procedure".
func (*Procedure) ResourceType() string { return "Procedure" }
func (*Procedure) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Procedure) MarshalJSON() ([]byte, error) {
	type plain Procedure
	return encode("Procedure", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Procedure".
func (r *Procedure) UnmarshalJSON(b []byte) error {
	type plain Procedure
	if err := checkType(b, "Procedure"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Encounter".
func (*Encounter) ResourceType() string { return "Encounter" }
func (*Encounter) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Encounter) MarshalJSON() ([]byte, error) {
	type plain Encounter
	return encode("Encounter", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Encounter".
func (r *Encounter) UnmarshalJSON(b []byte) error {
	type plain Encounter
	if err := checkType(b, "Encounter"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Practitioner".
func (*Practitioner) ResourceType() string { return "Practitioner" }
func (*Practitioner) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Practitioner) MarshalJSON() ([]byte, error) {
	type plain Practitioner
	return encode("Practitioner", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Practitioner".
func (r *Practitioner) UnmarshalJSON(b []byte) error {
	type plain Practitioner
	if err := checkType(b, "Practitioner"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "MedicationStatement".
func (*MedicationStatement) ResourceType() string { return "MedicationStatement" }
func (*MedicationStatement) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r MedicationStatement) MarshalJSON() ([]byte, error) {
	type plain MedicationStatement
	return encode("MedicationStatement", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "MedicationStatement".
func (r *MedicationStatement) UnmarshalJSON(b []byte) error {
	type plain MedicationStatement
	if err := checkType(b, "MedicationStatement"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Observation".
func (*Observation) ResourceType() string { return "Observation" }
func (*Observation) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Observation) MarshalJSON() ([]byte, error) {
	type plain Observation
	return encode("Observation", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Observation".
func (r *Observation) UnmarshalJSON(b []byte) error {
	type plain Observation
	if err := checkType(b, "Observation"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "AllergyIntolerance".
func (*AllergyIntolerance) ResourceType() string { return "AllergyIntolerance" }
func (*AllergyIntolerance) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r AllergyIntolerance) MarshalJSON() ([]byte, error) {
	type plain AllergyIntolerance
	return encode("AllergyIntolerance", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "AllergyIntolerance".
func (r *AllergyIntolerance) UnmarshalJSON(b []byte) error {
	type plain AllergyIntolerance
	if err := checkType(b, "AllergyIntolerance"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Condition".
func (*Condition) ResourceType() string { return "Condition" }
func (*Condition) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Condition) MarshalJSON() ([]byte, error) {
	type plain Condition
	return encode("Condition", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Condition".
func (r *Condition) UnmarshalJSON(b []byte) error {
	type plain Condition
	if err := checkType(b, "Condition"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Patient".
func (*Patient) ResourceType() string { return "Patient" }
func (*Patient) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Patient) MarshalJSON() ([]byte, error) {
	type plain Patient
	return encode("Patient", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Patient".
func (r *Patient) UnmarshalJSON(b []byte) error {
	type plain Patient
	if err := checkType(b, "Patient"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

// ResourceType returns "Bundle".
func (*Bundle) ResourceType() string { return "Bundle" }
func (*Bundle) resource()            {}

// MarshalJSON writes the FHIR JSON form (see Marshal).
func (r Bundle) MarshalJSON() ([]byte, error) {
	type plain Bundle
	return encode("Bundle", plain(r), r.Extra)
}

// UnmarshalJSON reads the FHIR JSON form; resourceType must be "Bundle".
func (r *Bundle) UnmarshalJSON(b []byte) error {
	type plain Bundle
	if err := checkType(b, "Bundle"); err != nil {
		return err
	}
	extra, err := decode(b, (*plain)(r))
	r.Extra = extra
	return err
}

func (*Other) resource() {}

// checkType refuses JSON whose resourceType is not want.
func checkType(b []byte, want string) error {
	// What this package writes starts with the type: no need to read it all.
	if bytes.HasPrefix(b, []byte(`{"resourceType":"`+want+`"`)) {
		return nil
	}
	var head struct {
		ResourceType *string `json:"resourceType"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	if head.ResourceType == nil || *head.ResourceType != want {
		got := "(none)"
		if head.ResourceType != nil {
			got = *head.ResourceType
		}
		return problem("resourceType", "fhir_resource_type_wrong", map[string]any{"want": want, "got": got},
			fmt.Sprintf("resourceType must be %s, not %s", want, got))
	}
	return nil
}

// MarshalJSON writes the entry with its resource.
func (e BundleEntry) MarshalJSON() ([]byte, error) {
	type plain struct {
		FullURL  string   `json:"fullUrl,omitempty"`
		Resource Resource `json:"resource,omitempty"`
	}
	return encode("", plain{e.FullURL, e.Resource}, e.Extra)
}

// UnmarshalJSON reads an entry; a resource of a type this package does not
// model becomes an *Other.
func (e *BundleEntry) UnmarshalJSON(b []byte) error {
	type plain struct {
		FullURL  string          `json:"fullUrl,omitempty"`
		Resource json.RawMessage `json:"resource,omitempty"`
	}
	var p plain
	extra, err := decode(b, &p)
	if err != nil {
		return err
	}
	e.FullURL, e.Extra, e.Resource = p.FullURL, extra, nil
	if len(p.Resource) == 0 || string(p.Resource) == "null" {
		return nil
	}
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(p.Resource, &head); err != nil {
		return err
	}
	r := New(head.ResourceType)
	if r == nil {
		if head.ResourceType == "" {
			return problem("entry.resource.resourceType", "fhir_resource_type_missing", nil, "the resource has no resourceType")
		}
		e.Resource = &Other{Type: head.ResourceType, JSON: append(json.RawMessage(nil), p.Resource...)}
		return nil
	}
	if err := json.Unmarshal(p.Resource, r); err != nil {
		return err
	}
	e.Resource = r
	return nil
}
