package client_test

import (
	"os"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/wire"
)

// TestBilling: the client reads the FHIR bundles of the billing category
// into billing lines; a receipt (PDF) is no billing data, a bundle that
// does not read is a problem and left out, a document of another
// category is not the insurer's; the doctor list needs its service.
func TestBilling(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	c, m, _ := s.account("ben@example.org")
	rec := s.record(c, m.UMK)
	bundle, err := os.ReadFile("../doctors/testdata/billing.json")
	ok(t, err)
	put := func(category, name, mediaType string, b []byte) *wire.Item {
		return must[*wire.Item](t)(c.Upload(ctx, rec, file(name, b), category, core.Meta{Title: name, FileName: name, MediaType: mediaType}, "", memPlans{}, client.Transfer{}))
	}
	put("billing", "abrechnung.json", "application/fhir+json", bundle)
	put("billing", "quittung.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n"))
	bad := put("billing", "kaputt.json", "application/fhir+json", []byte(`{"resourceType":"Patient"}`))
	put("findings", "fremd.json", "application/fhir+json", bundle)

	es := must[*client.Entries](t)(c.LoadEntries(ctx, rec, &client.Seen{}))
	lines, problems, err := c.Billing(ctx, rec, es)
	ok(t, err)
	if len(lines) != 4 || lines[0].Name != "Dr. med. Erika Musterfrau" {
		t.Errorf("lines %+v", lines)
	}
	if len(problems) != 1 || problems[0].ID != bad.ID {
		t.Fatalf("problems %+v", problems)
	}
	if r, _ := akte.ReasonOf(problems[0].Err); r != "billing_not_bundle" {
		t.Errorf("problem %v", problems[0].Err)
	}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	if _, _, err := c.Doctors(ctx, rec, es, today); err == nil {
		t.Error("the doctor list while its service is off")
	}
	es.Profile.Services = map[string]health.ServiceState{"doctors": {On: true}}
	ds, _, err := c.Doctors(ctx, rec, es, today)
	ok(t, err)
	if len(ds) != 2 || ds[0].LastVisit != "2026-09-14" || ds[1].Name != "Dr. Hanna Haut" {
		t.Errorf("doctors %+v", ds)
	}
}
