package main

import (
	"fmt"
	"testing"
	"time"
)

// TestDoctorsE2E: `akte doctors` needs its service; it lists the doctor of
// a Practitioner entry with the last of their visits (Encounter entries)
// of the last four years, leaves out a doctor seen only before, and
// searches without case.
func TestDoctorsE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "doctors@example.org")
	u.register(testKVNR)
	u.login()
	day := func(years, days int) string { return time.Now().AddDate(-years, 0, -days).Format(time.DateOnly) }
	add := func(json string) {
		t.Helper()
		if _, errs, code := u.run(json, nil, "entry", "add", "-"); code != 0 {
			t.Fatalf("entry add: %s\n%s", errs, json)
		}
	}
	add(`{"resourceType":"Practitioner","id":"musterfrau","identifier":[{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"}],
		"name":[{"family":"Musterfrau","given":["Erika"],"prefix":["Dr. med."]}],"qualification":[{"code":{"text":"Allgemeinmedizin"}}]}`)
	encounter := func(date, participant string) string {
		return fmt.Sprintf(`{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
			"participant":[{"individual":%s}],"period":{"start":%q}}`, participant, date)
	}
	add(encounter(day(0, 40), `{"reference":"Practitioner/musterfrau"}`))
	add(encounter(day(0, 2), `{"identifier":{"system":"https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR","value":"123456667"},"display":"Dr. Erika Musterfrau"}`))
	add(encounter(day(5, 0), `{"display":"Dr. Alt Vorbei"}`))

	if errs := u.fails("doctors"); !says(errs, "service_off", map[string]any{"service": "doctors"}) {
		t.Fatalf("doctors while off: %s", errs)
	}
	u.ok("services", "on", "doctors", "--yes")
	type doctor struct {
		Name      string `json:"name"`
		LANR      string `json:"lanr"`
		Specialty string `json:"specialty"`
		LastVisit string `json:"last_visit"`
		Visits    int    `json:"visits"`
	}
	var ds []doctor
	u.okJSON(&ds, "doctors", "--json")
	want := doctor{Name: "Dr. med. Erika Musterfrau", LANR: "123456667", Specialty: "Allgemeinmedizin", LastVisit: day(0, 2), Visits: 2}
	if len(ds) != 1 || ds[0] != want {
		t.Fatalf("doctors = %+v, want [%+v]", ds, want)
	}
	u.okJSON(&ds, "doctors", "ALLGEMEIN", "--json")
	if len(ds) != 1 {
		t.Errorf("search ALLGEMEIN: %+v", ds)
	}
	u.okJSON(&ds, "doctors", "zahnarzt", "--json")
	if len(ds) != 0 {
		t.Errorf("search zahnarzt: %+v", ds)
	}
	u.ok("services", "off", "doctors")
	if errs := u.fails("doctors"); !says(errs, "service_off", map[string]any{"service": "doctors"}) {
		t.Fatalf("doctors after off: %s", errs)
	}
}
