package doctors

import (
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/fhir"
)

// The insurer's billing data (decision 0050). The insurer pushes it as a
// write-only document into the record's category "billing" (decision
// 0043, `akte push FILE --record ID` with the insurer's credential): a
// FHIR R4 Bundle (JSON, media type application/fhir+json) of type
// collection, one Encounter per treatment day of a doctor, and the
// doctors as Practitioner resources:
//
//	{"resourceType": "Bundle", "type": "collection", "entry": [
//	  {"fullUrl": "urn:uuid:6a0f…", "resource": {"resourceType": "Practitioner",
//	    "identifier": [{"system": "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR", "value": "123456667"},
//	                   {"system": "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_BSNR", "value": "721234500"}],
//	    "name": [{"text": "Dr. med. Erika Musterfrau"}],
//	    "qualification": [{"code": {"text": "Allgemeinmedizin"}}],
//	    "address": [{"line": ["Markt 1"], "postalCode": "10115", "city": "Berlin"}],
//	    "telecom": [{"system": "phone", "value": "030 1234567"}]}},
//	  {"resource": {"resourceType": "Encounter", "status": "finished",
//	    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
//	    "period": {"start": "2025-03-14"},
//	    "participant": [{"individual": {"reference": "urn:uuid:6a0f…"}}]}}]}
//
// An Encounter's participant names its doctor by a reference to a
// Practitioner of the bundle (its fullUrl, or Practitioner/ID), or by
// itself: the LANR as identifier and the name as display. The day is
// period.start (its first ten characters). Encounters that are planned,
// cancelled or entered in error, and other resource types (a Claim, an
// ExplanationOfBenefit), are left out. Each Encounter and participant is
// one Billing line; List skips the lines CheckBilling refuses, and the
// visits before the four years.

// BillingMediaType is the media type of billing data; the insurer's PDF
// (a receipt) in the same category is a document, not billing data.
const BillingMediaType = "application/fhir+json"

// MaxBillingSize bounds one billing document a client reads (4 MiB, about
// 10,000 lines).
const MaxBillingSize = 4 << 20

// ReadBilling reads the billing lines of one billing document: a FHIR R4
// Bundle as above. A file that is not a Bundle answers billing_not_bundle,
// one fhir.Parse refuses its reason (akte.Error, KindInvalid).
func ReadBilling(data []byte) ([]Billing, error) {
	const op = "doctors.billing"
	if len(data) > MaxBillingSize {
		return nil, akte.R(op, akte.KindInvalid, "billing_too_large", map[string]any{"max": MaxBillingSize}, "billing data too large")
	}
	r, err := fhir.Parse(data)
	if err != nil {
		return nil, err
	}
	b, ok := r.(*fhir.Bundle)
	if !ok {
		return nil, akte.R(op, akte.KindInvalid, "billing_not_bundle", nil, "billing data must be a FHIR Bundle")
	}
	docs := map[string]*fhir.Practitioner{}
	for _, e := range b.Entry {
		if p, ok := e.Resource.(*fhir.Practitioner); ok {
			if e.FullURL != "" {
				docs[e.FullURL] = p
			}
			if p.ID != "" {
				docs["Practitioner/"+p.ID] = p
			}
		}
	}
	lines := []Billing{}
	for _, e := range b.Entry {
		enc, ok := e.Resource.(*fhir.Encounter)
		if !ok || enc.Status == "cancelled" || enc.Status == "entered-in-error" || enc.Status == "planned" || enc.Period == nil {
			continue
		}
		day := string(enc.Period.Start)
		if len(day) > 10 {
			day = day[:10]
		}
		practice := ""
		if sp := enc.ServiceProvider; sp != nil && sp.Identifier != nil && sp.Identifier.System == fhir.SystemBSNR {
			practice = sp.Identifier.Value
		}
		for _, pa := range enc.Participant {
			ref := pa.Individual
			if ref == nil {
				continue
			}
			l := Billing{Date: day, BSNR: practice}
			if p := docs[ref.Reference]; p != nil {
				fromPractitioner(&l, p)
			}
			if l.LANR == "" && ref.Identifier != nil && ref.Identifier.System == fhir.SystemLANR {
				l.LANR = ref.Identifier.Value
			}
			if l.Name == "" {
				l.Name = ref.Display
			}
			lines = append(lines, l)
		}
	}
	return lines, nil
}

// CheckBillingData is what the insurer's client checks before it pushes
// billing data: it reads (ReadBilling), has at least one line
// (billing_no_lines), and every line passes CheckBilling.
func CheckBillingData(data []byte) error {
	lines, err := ReadBilling(data)
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return akte.R("doctors.billing", akte.KindInvalid, "billing_no_lines", nil, "billing data without an Encounter")
	}
	return CheckBilling(lines)
}

func fromPractitioner(l *Billing, p *fhir.Practitioner) {
	for _, id := range p.Identifier {
		switch id.System {
		case fhir.SystemLANR:
			l.LANR = id.Value
		case fhir.SystemBSNR:
			l.BSNR = id.Value
		}
	}
	if len(p.Name) > 0 {
		l.Name = p.Name[0].String()
	}
	if len(p.Qualification) > 0 {
		l.Specialty = p.Qualification[0].Code.Label()
	}
	if len(p.Address) > 0 {
		l.Address = address(p.Address[0])
	}
	for _, t := range p.Telecom {
		if t.System == "phone" && l.Phone == "" {
			l.Phone = t.Value
		}
	}
}

func address(a fhir.Address) string {
	s := strings.TrimSpace(strings.Join(a.Line, ", ") + ", " + strings.TrimSpace(a.PostalCode+" "+a.City))
	return strings.Trim(s, ", ")
}
