package fhirschema

import (
	"strings"
	"testing"
)

// TestValidator shows that the validator accepts valid FHIR and refuses each
// kind of defect it exists to catch, so that a passing schema test elsewhere
// means something.
func TestValidator(t *testing.T) {
	v := New(t)
	for _, tc := range []struct {
		name, doc, want string // want: "" = valid, else a fragment of the error
	}{
		{"immunization", `{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/1"},"occurrenceDateTime":"2024-01-02"}`, ""},
		{"bundle", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"female"}}]}`, ""},
		{"empty array", `{"resourceType":"Patient","name":[]}`, "/name: empty array"},
		{"empty object", `{"resourceType":"Patient","maritalStatus":{}}`, "/maritalStatus: empty object"},
		{"empty string", `{"resourceType":"Patient","gender":""}`, "/gender: empty string"},
		{"null", `{"resourceType":"Patient","gender":null}`, "/gender: null"},
		{"unknown field", `{"resourceType":"Patient","foo":1}`, "additional properties: foo"},
		{"wrong code", `{"resourceType":"Patient","gender":"f"}`, "/gender must be equal to one of the allowed values"},
		{"missing required", `{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/1"},"occurrenceDateTime":"2024"}`, "required property 'vaccineCode'"},
		{"bad date", `{"resourceType":"Patient","birthDate":"24.03.1940"}`, "/birthDate must match pattern"},
		{"nested in bundle", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"x"}}]}`, "/entry/0/resource/gender"},
		{"not FHIR", `{"resourceType":"Project"}`, "/resourceType must be equal to one of the allowed values"},
		{"no resourceType", `{"id":"a"}`, "required property 'resourceType'"},
	} {
		err := v.Validate([]byte(tc.doc))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && err == nil:
			t.Errorf("%s: accepted, want %q", tc.name, tc.want)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
