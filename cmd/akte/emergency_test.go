package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmergencyE2E: with the emergency service on, `akte emergency` lists
// the allergies, active conditions, current medication and emergency
// contacts from the entries (an ended medication and a resolved condition
// left out) and writes the wallet card; off, it refuses.
func TestEmergencyE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "emergency@example.org")
	u.register(testKVNR)
	u.login()
	dir := t.TempDir()
	add := func(name, json string) {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(json), 0o600)
		u.ok("entry", "add", p)
	}
	add("patient.json", `{"resourceType":"Patient","name":[{"family":"Wernersen","given":["Jürgen"]}],"birthDate":"1940-03-24",
		"contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"C"}],"text":"Tochter"}],"name":{"text":"Anna Wernersen"},"telecom":[{"system":"phone","value":"0171 1234567"}]}]}`)
	add("allergy.json", `{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/me"},"code":{"text":"Penicillin"},"criticality":"high","type":"allergy"}`)
	add("condition.json", `{"resourceType":"Condition","subject":{"reference":"Patient/me"},"code":{"text":"Bluthochdruck"},"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}}`)
	add("resolved.json", `{"resourceType":"Condition","subject":{"reference":"Patient/me"},"code":{"text":"Gürtelrose"},"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"resolved"}]}}`)
	add("med.json", `{"resourceType":"MedicationStatement","status":"active","subject":{"reference":"Patient/me"},"medicationCodeableConcept":{"text":"Ramipril 5 mg"},"dosage":[{"text":"1-0-0-0"}]}`)
	add("ended.json", `{"resourceType":"MedicationStatement","status":"completed","subject":{"reference":"Patient/me"},"medicationCodeableConcept":{"text":"Cefaclor"}}`)

	if errs := u.fails("emergency"); !says(errs, "service_off", map[string]any{"service": "emergency"}) {
		t.Errorf("emergency with the service off: %s", errs)
	}
	u.ok("services", "on", "emergency", "--yes")
	var s struct {
		Name        string `json:"name"`
		Allergies   []struct{ Substance, Criticality string }
		Conditions  []struct{ Text string }
		Medications []struct{ Name, Dose string }
		Contacts    []struct {
			Name, Phone string
			Emergency   bool
		}
	}
	pdf := filepath.Join(dir, "card.pdf")
	u.okJSON(&s, "emergency", "--pdf", pdf)
	if len(s.Allergies) != 1 || s.Allergies[0].Substance != "Penicillin" || s.Allergies[0].Criticality != "high" {
		t.Errorf("allergies %+v", s.Allergies)
	}
	if len(s.Conditions) != 1 || s.Conditions[0].Text != "Bluthochdruck" {
		t.Errorf("conditions %+v", s.Conditions)
	}
	if len(s.Medications) != 1 || s.Medications[0].Name != "Ramipril 5 mg" {
		t.Errorf("medications %+v", s.Medications)
	}
	if len(s.Contacts) != 1 || !s.Contacts[0].Emergency || s.Contacts[0].Phone != "0171 1234567" {
		t.Errorf("contacts %+v", s.Contacts)
	}
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("card: %v", err)
	}
	if out := u.ok("emergency"); !strings.Contains(out, "Penicillin") || !strings.Contains(out, "Anna Wernersen") {
		t.Errorf("emergency: %s", out)
	}
}
