package audit

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/internal/fhirschema"
)

// exportFixture is a verified protocol with every role, every result, and
// events with and without a client address.
func exportFixture(t *testing.T) Export {
	t.Helper()
	const log = "record/exp"
	l := newMemLog(t, log)
	roles := []Role{RolePatient, RoleRepresentative, RoleProvider, RoleApp, RoleInsurer, RoleShare, RoleOperator, RoleSystem, RoleAnonymous}
	var es []Event
	for i, o := range Operations() {
		e := Event{Time: t0.Add(time.Duration(i) * time.Minute), Operation: o.Op, ActorRole: roles[i%len(roles)],
			ActorID: "acc_" + strings.Repeat("x", i%3), ActorName: []string{"Erika Mustermann", "", "Dr. Jürgen Weiß"}[i%3],
			Object: "item:01jq" + string(rune('a'+i%26)), Device: []string{"dev_k2p9", ""}[i%2]}
		e.Result = []Result{ResultOK, ResultDenied, ResultOK, ResultError}[i%4]
		if e.Result != ResultOK {
			e.Reason = "no_grant"
		}
		if e.ActorID == "acc_" {
			e.ActorID = ""
		}
		if i%3 == 0 {
			if err := e.SetAddr(rnd{}, "2001:db8::42"); err != nil {
				t.Fatal(err)
			}
		}
		es = append(es, e)
	}
	l.append(t, es...)
	v, err := Verify(l.page(t, t0.Add(2*time.Hour), 0), Options{Log: log, Complete: true, KeepNewest: 50})
	if err != nil {
		t.Fatal(err)
	}
	return Export{Server: "akte.example.org", Log: log, Verified: v, Events: v.Events, Now: t0.Add(3 * time.Hour), Lang: "de"}
}

// validateFHIR runs the official FHIR R4 JSON schema over Bundles
// (internal/fhirschema) and returns one result per bundle: nil or the
// errors.
func validateFHIR(t *testing.T, bundles ...[]byte) []error {
	t.Helper()
	v := fhirschema.New(t)
	errs := make([]error, len(bundles))
	for i, b := range bundles {
		errs[i] = v.Validate(b)
	}
	return errs
}

// TestFHIRExport writes a protocol as a FHIR Bundle, validates it against
// the official FHIR R4 JSON schema, and checks that it lists every event
// and carries the checkpoint it was verified against.
func TestFHIRExport(t *testing.T) {
	x := exportFixture(t)
	b, err := FHIRBundle(x)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Entry []struct {
			Resource struct {
				ID       string `json:"id"`
				Recorded string `json:"recorded"`
				Outcome  string `json:"outcome"`
				Action   string `json:"action"`
				Entity   []struct {
					Description string `json:"description"`
					Detail      []struct{ Type, ValueString string }
				} `json:"entity"`
				Agent []struct {
					Network *struct{ Address string } `json:"network"`
				} `json:"agent"`
			} `json:"resource"`
		} `json:"entry"`
		Signature struct{ Data string } `json:"signature"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Entry) != len(x.Events) {
		t.Fatalf("%d entries for %d events", len(doc.Entry), len(x.Events))
	}
	ids := map[string]bool{}
	for i, en := range doc.Entry {
		r, e := en.Resource, x.Events[i]
		ids[r.ID] = true
		if r.Entity[0].Description != string(e.Operation) || r.Outcome != map[Result]string{ResultOK: "0", ResultDenied: "4", ResultError: "12"}[e.Result] {
			t.Errorf("entry %d: %+v for %+v", i, r, e)
		}
		if (r.Agent[0].Network != nil) != (e.Addr != "") {
			t.Errorf("entry %d: address %v, event %q", i, r.Agent[0].Network, e.Addr)
		}
	}
	if len(ids) != len(x.Events) {
		t.Error("AuditEvent ids repeat")
	}
	signed, err := base64.StdEncoding.DecodeString(doc.Signature.Data)
	if err != nil || string(signed) != x.Verified.Signed {
		t.Fatalf("signature does not carry the checkpoint: %v", err)
	}
	// The validator is not a rubber stamp: an AuditEvent without its
	// required time fails.
	broken := strings.Replace(string(b), `"recorded"`, `"recordedx"`, 1)
	errs := validateFHIR(t, b, []byte(broken))
	if errs[0] != nil {
		t.Fatalf("the export is not valid FHIR R4:\n%v", errs[0])
	}
	if errs[1] == nil {
		t.Fatal("the schema accepted an AuditEvent without recorded")
	}
}
