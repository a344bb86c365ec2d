package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/fhirschema"
)

// TestSchema validates every resource the package writes, and a Bundle of
// all of them, against the official FHIR R4 JSON schema.
func TestSchema(t *testing.T) {
	v := fhirschema.New(t)
	bundle := &Bundle{Type: "collection", Timestamp: "2024-05-02T10:00:00+02:00"}
	for _, r := range examples() {
		b, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(b); err != nil {
			t.Errorf("%s: %v\n%s", r.ResourceType(), err, b)
		}
		bundle.Entry = append(bundle.Entry, BundleEntry{FullURL: "urn:uuid:" + r.ResourceType(), Resource: r})
	}
	mio, err := os.ReadFile("testdata/immunization-mio.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(mio)
	if err != nil {
		t.Fatal(err)
	}
	bundle.Entry = append(bundle.Entry, BundleEntry{Resource: r})
	b, err := Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(b); err != nil {
		t.Errorf("Bundle: %v", err)
	}
	// The test must be able to fail: an empty object written by mistake is
	// caught by the validator.
	if err := v.Validate([]byte(`{"resourceType":"Patient","name":[{}]}`)); err == nil {
		t.Error("validator accepted an empty object")
	}
}

// TestMarshalLeavesOutEmpty builds resources full of empty values (empty
// structs behind pointers, empty slices and strings, blank notes) and checks
// that none of them reaches the JSON.
func TestMarshalLeavesOutEmpty(t *testing.T) {
	r := &Immunization{
		DomainResource: DomainResource{Meta: &Meta{}, Text: &Narrative{}, Extension: []Extension{}},
		Status:         "completed",
		VaccineCode:    &CodeableConcept{Coding: []Coding{{}, {System: SystemSNOMED, Code: "836387005"}}, Text: " "},
		Patient:        me, OccurrenceDateTime: "2024-03-01",
		StatusReason: &CodeableConcept{}, Site: &CodeableConcept{Coding: []Coding{}},
		DoseQuantity: &Quantity{}, Performer: []ImmunizationPerformer{{Actor: &Reference{}}},
		Note:            []Annotation{{Text: ""}},
		ProtocolApplied: []ImmunizationProtocolApplied{{TargetDisease: []CodeableConcept{{}}, DoseNumberPositiveInt: 1}},
	}
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"resourceType":"Immunization","status":"completed","vaccineCode":{"coding":[{"system":"http://snomed.info/sct","code":"836387005"}]},"patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2024-03-01","protocolApplied":[{"doseNumberPositiveInt":1}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// Value and pointer marshal the same.
	b2, _ := json.Marshal(*r)
	if !bytes.Equal(b, b2) {
		t.Errorf("value marshals differently: %s", b2)
	}
	// A primitive's extension array keeps its null place holders.
	p := &Patient{DomainResource: DomainResource{Extra: map[string]json.RawMessage{
		"_birthDate": json.RawMessage(`{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1940-03-24T06:00:00+01:00"}]}`),
	}}, Name: []HumanName{{Given: []string{"A", "B"}}}, BirthDate: "1940-03-24"}
	p.Name[0].Family = "X"
	b, _ = Marshal(p)
	if !strings.Contains(string(b), `"_birthDate":{"extension"`) {
		t.Errorf("primitive extension lost: %s", b)
	}
	out, ok, err := prune([]byte(`{"given":["A",null,"C"],"_given":[null,{"id":"x"},null],"a":[null],"b":{"c":[{}]}}`))
	if err != nil || !ok || string(out) != `{"given":["A","C"],"_given":[null,{"id":"x"},null]}` {
		t.Errorf("prune = %s, %v, %v", out, ok, err)
	}
}

// TestParseRoundTrip reads a MIO-shaped Immunization with elements this
// package does not model (reaction) and writes it back unchanged.
func TestParseRoundTrip(t *testing.T) {
	in, err := os.ReadFile("testdata/immunization-mio.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	imm, ok := r.(*Immunization)
	if !ok {
		t.Fatalf("Parse returned %T", r)
	}
	if imm.VaccineCode.Code(SystemPZN) != "12743189" || imm.ProtocolApplied[0].TargetDisease[0].Code(SystemSNOMED) != "18624000" ||
		imm.ProtocolApplied[0].DoseNumberPositiveInt != 1 || imm.LotNumber != "AROLB123AB" || imm.OccurrenceDateTime != "2021-08-15" ||
		imm.Performer[0].Actor.Identifier.Value != "123456667" || imm.ResourceID() != "4b2a9f8e-0c0d-4d7e-9a3c-6f1f3a0b7c11" {
		t.Errorf("parsed wrongly: %+v", imm)
	}
	out, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, in, out) {
		t.Errorf("round trip changed the resource:\n%s", out)
	}
	for _, ex := range examples() {
		b, _ := Marshal(ex)
		back, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", ex.ResourceType(), err)
			continue
		}
		if !reflect.DeepEqual(normal(t, ex), normal(t, back)) {
			t.Errorf("%s: round trip differs\n%s", ex.ResourceType(), b)
		}
	}
}

func normal(t *testing.T, r Resource) any {
	b, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	return v
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func reasonOf(err error) string {
	var e *akte.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestParseRefuses(t *testing.T) {
	imm := func(extra string) string {
		return `{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2024-03-01"` + extra + `}`
	}
	for _, tc := range []struct{ name, in, reason, path string }{
		{"array", `[{"resourceType":"Patient"}]`, "fhir_not_object", ""},
		{"not JSON", `{"resourceType":`, "fhir_json_invalid", ""},
		{"no resourceType", `{"id":"a"}`, "fhir_resource_type_missing", ""},
		{"unsupported", `{"resourceType":"Claim"}`, "fhir_resource_type_unsupported", ""},
		{"wrong JSON type", `{"resourceType":"Patient","name":"Hans"}`, "fhir_type_mismatch", ""},
		{"missing status", `{"resourceType":"Immunization","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2024"}`, "fhir_element_missing", "status"},
		{"missing vaccine", `{"resourceType":"Immunization","status":"completed","patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2024"}`, "fhir_element_missing", "vaccineCode"},
		{"missing occurrence", `{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/p1"}}`, "fhir_element_missing", "occurrence[x]"},
		{"two occurrences", imm(`,"occurrenceString":"als Kind"`), "fhir_choice_multiple", "occurrence[x]"},
		{"bad status", `{"resourceType":"Immunization","status":"done","vaccineCode":{"text":"x"},"patient":{"reference":"Patient/p1"},"occurrenceDateTime":"2024"}`, "fhir_code_invalid", "status"},
		{"german date", imm(`,"recorded":"01.03.2024"`), "fhir_date_invalid", "recorded"},
		{"no such day", imm(`,"recorded":"2023-02-29"`), "fhir_date_invalid", "recorded"},
		{"dose missing", imm(`,"protocolApplied":[{"targetDisease":[{"text":"Rota"}]}]`), "fhir_element_missing", "protocolApplied[0].doseNumber[x]"},
		{"medication missing", `{"resourceType":"MedicationStatement","status":"active","subject":{"reference":"Patient/p1"}}`, "fhir_element_missing", "medication[x]"},
		{"observation value twice", `{"resourceType":"Observation","status":"final","code":{"text":"Gewicht"},"valueString":"72","valueInteger":72}`, "fhir_choice_multiple", "value[x]"},
		{"reaction without manifestation", `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p1"},"reaction":[{"severity":"mild"}]}`, "fhir_element_missing", "reaction[0].manifestation"},
		{"bundle entry", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"f"}}]}`, "fhir_code_invalid", "entry[0].resource.gender"},
		{"bundle type", `{"resourceType":"Bundle"}`, "fhir_element_missing", "type"},
		{"wrong case", `{"resourceType":"Patient","birthdate":"1990-01-01"}`, "fhir_element_unknown", "birthdate"},
		{"wrong case of resourceType", `{"resourcetype":"Patient"}`, "fhir_element_unknown", "resourcetype"},
		{"wrong case nested", imm(`,"vaccinecode":{"text":"y"}`), "fhir_element_unknown", "vaccinecode"},
		{"wrong case in data type", imm(`,"lotNumber":"A","manufacturer":{"Display":"GSK"}`), "fhir_element_unknown", "manufacturer.Display"},
		{"unknown in data type", imm(`,"patient":{"reference":"Patient/p1","colour":"red"}`), "fhir_element_unknown", "patient.colour"},
	} {
		r, err := Parse([]byte(tc.in))
		if err == nil {
			t.Errorf("%s: accepted %T", tc.name, r)
			continue
		}
		if !akte.Is(err, akte.KindInvalid) || reasonOf(err) != tc.reason {
			t.Errorf("%s: %v (reason %q), want %s", tc.name, err, reasonOf(err), tc.reason)
			continue
		}
		var e *akte.Error
		errors.As(err, &e)
		if tc.path != "" && e.Params["path"] != tc.path {
			t.Errorf("%s: path %v, want %s", tc.name, e.Params["path"], tc.path)
		}
		if e.Message == "" {
			t.Errorf("%s: no message", tc.name)
		}
		// Values are health data: errors name the element, never its value.
		if strings.Contains(e.Message, "1990") || strings.Contains(e.Message, "24.03") {
			t.Errorf("%s: message shows a value: %s", tc.name, e.Message)
		}
	}
	// A resource decoded directly as the wrong type is refused too.
	var p Patient
	if err := json.Unmarshal([]byte(`{"resourceType":"Immunization"}`), &p); reasonOf(err) != "fhir_resource_type_wrong" {
		t.Errorf("wrong type into Patient: %v", err)
	}
	// A Bundle keeps resources of other types as they are.
	b, err := Parse([]byte(`{"resourceType":"Bundle","type":"document","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Composition","id":"c1","status":"final"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	o, ok := b.(*Bundle).Entry[0].Resource.(*Other)
	if !ok || o.ResourceType() != "Composition" || o.ResourceID() != "c1" {
		t.Errorf("other resource: %#v", b.(*Bundle).Entry[0].Resource)
	}
}

func TestCheck(t *testing.T) {
	today := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	ctx := Context{Today: today, BirthDate: "1990-05-10"}
	for _, ex := range examples() {
		if ex.ResourceType() == "Patient" {
			continue // born 1940, other context
		}
		if err := Check(ex, Context{Today: today, BirthDate: "1940-03-24"}); err != nil {
			t.Errorf("%s: %v", ex.ResourceType(), err)
		}
	}
	immunization := func(date Date, dose, series int) *Immunization {
		return &Immunization{Status: "completed", VaccineCode: &CodeableConcept{Text: "x"}, Patient: me, OccurrenceDateTime: date,
			ProtocolApplied: []ImmunizationProtocolApplied{{DoseNumberPositiveInt: dose, SeriesDosesPositiveInt: series, TargetDisease: []CodeableConcept{snomed("76902006", "Tetanus")}}}}
	}
	for _, tc := range []struct {
		name   string
		r      Resource
		reason string // "" = plausible
		path   string
		params map[string]any
	}{
		{"today", immunization("2026-11-30T23:59:00+01:00", 1, 0), "", "", nil},
		{"this year", immunization("2026", 1, 0), "", "", nil},
		{"tomorrow", immunization("2026-12-01", 1, 0), "date_in_future", "occurrenceDateTime", map[string]any{"today": "2026-11-30"}},
		{"next year", immunization("2027", 1, 0), "date_in_future", "occurrenceDateTime", nil},
		{"before birth", immunization("1990-05-09", 1, 0), "date_before_birth", "occurrenceDateTime", nil},
		{"birth month", immunization("1990-05", 1, 0), "", "", nil},
		{"birth day", immunization("1990-05-10", 1, 0), "", "", nil},
		{"dose 0", immunization("2020-01-01", -1, 0), "dose_number_invalid", "protocolApplied[0].doseNumberPositiveInt", map[string]any{"max": MaxDoseNumber}},
		{"dose above series", immunization("2020-01-01", 4, 3), "dose_number_invalid", "protocolApplied[0].doseNumberPositiveInt", map[string]any{"max": 3}},
		{"dose 21", immunization("2020-01-01", 21, 0), "dose_number_invalid", "", nil},
		{"dose 3 of 3", immunization("2020-01-01", 3, 3), "", "", nil},
		{"pzn", &MedicationStatement{Status: "active", Subject: me, MedicationCodeableConcept: &CodeableConcept{Coding: []Coding{{System: SystemPZN, Code: "12743188"}}}},
			"pzn_check_digit", "medicationCodeableConcept.coding[0].code", nil},
		{"no target disease", &Immunization{Status: "completed", Patient: me, OccurrenceDateTime: "2020", VaccineCode: &CodeableConcept{Text: "x"},
			ProtocolApplied: []ImmunizationProtocolApplied{{DoseNumberPositiveInt: 1}}}, "target_disease_missing", "protocolApplied.targetDisease", nil},
		{"not done needs no target", &Immunization{Status: "not-done", Patient: me, OccurrenceDateTime: "2020", VaccineCode: &CodeableConcept{Text: "x"}}, "", "", nil},
		{"pzn in vaccine", &Immunization{Status: "not-done", Patient: me, OccurrenceDateTime: "2020", VaccineCode: &CodeableConcept{Coding: []Coding{{System: SystemSNOMED, Code: "1"}, {System: SystemPZN, Code: "1274318"}}}},
			"pzn_check_digit", "vaccineCode.coding[1].code", nil},
		{"lanr", &Practitioner{Identifier: []Identifier{{System: SystemBSNR, Value: "721234500"}, {System: SystemLANR, Value: "123456789"}}}, "lanr_check_digit", "identifier[1].value", nil},
		{"lanr of performer", &Immunization{Status: "not-done", Patient: me, OccurrenceDateTime: "2020", VaccineCode: &CodeableConcept{Text: "x"},
			Performer: []ImmunizationPerformer{{Actor: &Reference{Identifier: &Identifier{System: SystemLANR, Value: "123456780"}}}}}, "lanr_check_digit", "performer[0].actor.identifier.value", nil},
		{"bsnr", &Practitioner{Identifier: []Identifier{{System: SystemBSNR, Value: "72123450"}}}, "bsnr_format", "identifier[0].value", nil},
		{"kvnr", &Patient{Identifier: []Identifier{{System: SystemKVNROld, Value: "B987563276"}}}, "kvnr_check_digit", "identifier[0].value", nil},
		{"kvnr ok", &Patient{Identifier: []Identifier{{System: SystemKVNR, Value: "X110411675"}}, BirthDate: "1990-05-10"}, "", "", nil},
		{"birth in future", &Patient{BirthDate: "2027-01-01"}, "date_in_future", "birthDate", nil},
		{"period order", &Encounter{Status: "finished", Class: &Coding{Code: "AMB"}, Period: &Period{Start: "2024-05-02", End: "2024-05-01"}}, "period_end_before_start", "period.end", nil},
		{"planned visit", &Encounter{Status: "planned", Class: &Coding{Code: "AMB"}, Period: &Period{Start: "2027-01-10"}}, "", "", nil},
		{"finished visit in future", &Encounter{Status: "finished", Class: &Coding{Code: "AMB"}, Period: &Period{Start: "2027-01-10"}}, "date_in_future", "period.start", nil},
		{"medication plan until", &MedicationStatement{Status: "active", Subject: me, MedicationCodeableConcept: &CodeableConcept{Text: "x"}, EffectivePeriod: &Period{Start: "2026-11-01", End: "2026-12-31"}}, "", "", nil},
		{"abatement before onset", &Condition{Subject: me, OnsetDateTime: "2020-03", AbatementDateTime: "2019"}, "period_end_before_start", "abatementDateTime", nil},
		{"allergy recorded before birth", &AllergyIntolerance{Patient: me, RecordedDate: "1980"}, "date_before_birth", "recordedDate", nil},
		{"observation in future", &Observation{Status: "final", Code: &CodeableConcept{Text: "x"}, EffectiveDateTime: "2026-12-24T08:00:00+01:00"}, "date_in_future", "effectiveDateTime", nil},
		{"procedure period", &Procedure{Status: "completed", Subject: me, PerformedPeriod: &Period{Start: "1989-01-01", End: "2000-01-01"}}, "date_before_birth", "performedPeriod.start", nil},
		{"in bundle", &Bundle{Type: "collection", Entry: []BundleEntry{{Resource: immunization("2020", 1, 0)}, {Resource: &Practitioner{Identifier: []Identifier{{System: SystemLANR, Value: "1"}}}}}},
			"lanr_check_digit", "entry[1].resource.identifier[0].value", nil},
	} {
		err := Check(tc.r, ctx)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var e *akte.Error
		if !errors.As(err, &e) || e.Reason != tc.reason || e.Kind != akte.KindInvalid {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.reason)
			continue
		}
		if tc.path != "" && e.Params["path"] != tc.path {
			t.Errorf("%s: path %v, want %s", tc.name, e.Params["path"], tc.path)
		}
		for k, v := range tc.params {
			if e.Params[k] != v {
				t.Errorf("%s: param %s = %v, want %v", tc.name, k, e.Params[k], v)
			}
		}
	}
	all := CheckAll(&Immunization{Status: "not-done", OccurrenceDateTime: "2030", Performer: []ImmunizationPerformer{{Actor: &Reference{Identifier: &Identifier{System: SystemLANR, Value: "1"}}}}}, ctx)
	if len(all) != 2 || all[0].Reason != "lanr_check_digit" || all[1].Reason != "date_in_future" {
		t.Errorf("CheckAll = %v", all)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts it writes as JSON
// that it accepts again and that contains nothing empty.
func FuzzParse(f *testing.F) {
	for _, ex := range examples() {
		b, _ := Marshal(ex)
		f.Add(b)
	}
	mio, _ := os.ReadFile("testdata/immunization-mio.json")
	f.Add(mio)
	f.Add([]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Basic"}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Parse(in)
		if err != nil {
			return
		}
		out, err := Marshal(r)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if bytes.Contains(out, []byte("{}")) || bytes.Contains(out, []byte("[]")) || bytes.Contains(out, []byte(`:""`)) {
			t.Fatalf("empty value written: %s", out)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("own output refused: %v\n%s", err, out)
		}
	})
}

func TestDateForms(t *testing.T) {
	for s, want := range map[string]bool{
		"2024": true, "2024-02": true, "2024-02-29": true, "2024-02-29T10:00:00Z": true,
		"2024-02-29T10:00:00+01:00": true, "2024-02-29T23:59:60.123-14:00": true, "2024-02-29T10:00:00+14:00": true,
		"0001": true, "0000": false, "24": false, "2024-13": false, "2024-00": false, "2024-1-01": false,
		"2023-02-29": false, "2024-04-31": false, "2024-02-30": false, "2024-02-29T10:00:00": false,
		"2024-02-29T24:00:00Z": false, "2024-02-29T10:00Z": false, "2024-02-29T10:00:00.Z": false,
		"2024-02-29T10:00:00+14:30": false, "2024-02-29T10:00:00+1:00": false, "2024-02-29 10:00:00Z": false,
		"": false, "2024-02-29Z": false, "2024-02-29T10:00:00+01:00x": false,
	} {
		if got := Date(s).Valid(); got != want {
			t.Errorf("Date(%q).Valid() = %v, want %v", s, got, want)
		}
	}
	first, last, _ := Date("2024-02").Days()
	if first.Format(time.DateOnly) != "2024-02-01" || last.Format(time.DateOnly) != "2024-02-29" {
		t.Errorf("2024-02 covers %s to %s", first, last)
	}
}

// FuzzPrune: on any valid JSON, prune writes valid JSON without nulls
// (outside "_" arrays) and without empty strings, objects or arrays, and
// pruning again changes nothing.
func FuzzPrune(f *testing.F) {
	for _, s := range []string{`{"a":[null,{}],"_b":[null,{"x":1}],"c":" ","d":"\u0020","e":"x","f":[1,2.50,true,false]}`, `[]`, `"x"`, `{"a":{"b":{"c":[{}]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		out, ok, err := prune(in)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %s", out)
		}
		again, _, _ := prune(out)
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %s -> %s", out, again)
		}
		var v any
		json.Unmarshal(out, &v)
		var walk func(v any, underscore bool)
		walk = func(v any, underscore bool) {
			switch x := v.(type) {
			case nil:
				if !underscore {
					t.Fatalf("null in %s", out)
				}
			case string:
				if strings.TrimSpace(x) == "" {
					t.Fatalf("blank string in %s", out)
				}
			case []any:
				if len(x) == 0 {
					t.Fatalf("empty array in %s", out)
				}
				for _, e := range x {
					walk(e, underscore)
				}
			case map[string]any:
				if len(x) == 0 {
					t.Fatalf("empty object in %s", out)
				}
				for k, e := range x {
					_, isArr := e.([]any)
					walk(e, isArr && strings.HasPrefix(k, "_"))
				}
			}
		}
		walk(v, false)
	})
}

// TestTypes: every listed type has a constructor that names itself.
func TestTypes(t *testing.T) {
	for _, name := range Types() {
		r := New(name)
		if r == nil || r.ResourceType() != name {
			t.Errorf("New(%q) = %v", name, r)
		}
	}
	if New("Claim") != nil {
		t.Error("New knows Claim")
	}
}
