package client

import (
	"bytes"
	"context"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/doctors"
)

// BillingCategory is the category the insurer adds billing data to
// (decision 0043).
const BillingCategory = "billing"

// Billing reads the insurer's billing data in the record (decision 0050):
// the documents of the billing category whose sealed media type is FHIR
// JSON (the insurer's PDFs are receipts for the person, not data), each
// downloaded, decrypted and read on this device (doctors.ReadBilling).
// A document that does not open or read is a problem (the caller warns)
// and its lines are left out; an error of the connection ends the call.
func (c *API) Billing(ctx context.Context, rec *core.Record, es *Entries) ([]doctors.Billing, []core.Problem, error) {
	replaced := map[string]bool{}
	for _, it := range es.Items {
		if r := core.VerifiedReplaces(it, es.Metas[it.ID]); r != "" {
			replaced[r] = true
		}
	}
	var lines []doctors.Billing
	var problems []core.Problem
	for i := range es.Items {
		it := &es.Items[i]
		m := es.Metas[it.ID]
		if it.Category != BillingCategory || m.Entry != "" || m.Profile != "" || m.MediaType != doctors.BillingMediaType || replaced[it.ID] {
			continue
		}
		if m.Size > doctors.MaxBillingSize {
			problems = append(problems, core.Problem{ID: it.ID, Err: akte.R("doctors.billing", akte.KindInvalid, "billing_too_large", map[string]any{"max": doctors.MaxBillingSize}, "")})
			continue
		}
		key, m, err := rec.OpenItem(*it)
		if err != nil {
			problems = append(problems, core.Problem{ID: it.ID, Err: err})
			continue
		}
		var buf bytes.Buffer
		if err := c.Download(ctx, it, key, m, &buf, Transfer{}); err != nil {
			if akte.Is(err, akte.KindCrypto) || akte.Is(err, akte.KindInvalid) {
				problems = append(problems, core.Problem{ID: it.ID, Err: err})
				continue
			}
			return nil, nil, err
		}
		ls, err := doctors.ReadBilling(buf.Bytes())
		if err != nil {
			problems = append(problems, core.Problem{ID: it.ID, Err: err})
			continue
		}
		lines = append(lines, ls...)
	}
	return lines, problems, nil
}

// Doctors is `akte doctors`: the doctor list from the current entries and
// the billing data (DoctorList), or service_off before anything is
// downloaded; problems are the billing documents left out.
func (c *API) Doctors(ctx context.Context, rec *core.Record, es *Entries, today time.Time) ([]doctors.Doctor, []core.Problem, error) {
	if !es.Profile.On("doctors") {
		_, err := DoctorList(es, nil, today)
		return nil, nil, err
	}
	billing, problems, err := c.Billing(ctx, rec, es)
	if err != nil {
		return nil, nil, err
	}
	ds, err := DoctorList(es, billing, today)
	return ds, problems, err
}
