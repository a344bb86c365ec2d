package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/bmp"
	"github.com/akte/akte/bmp/datamatrix"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/wire"
)

// The medication plan (issue 17 item 4, decision 0045). A plan is stored
// as its original UKF XML — a document of the medication category whose
// sealed type is PlanType, the pages' carriers joined by a NUL byte — and
// one MedicationStatement entry per line (bmp.Plan.MedicationStatements,
// identified by bmp.SystemLine "<instance id>-<n>"). An intake is a
// MedicationStatement entry of status completed identified by SystemIntake
// "<instance id>-<n>", at the time taken. The server sees items of the
// medication category, never what they hold.

// PlanType is the sealed document type of a plan's original XML.
const PlanType = "Medikationsplan (BMP)"

// SystemIntake identifies an intake log entry by the plan line it is for.
const SystemIntake = "urn:akte:bmp-intake"

// MedicationService is the service whose consent the plan needs.
const MedicationService = "medication"

// MedPlan is the record's current medication plan.
type MedPlan struct {
	Doc   wire.Item
	Plan  *bmp.Plan
	XML   []byte
	Lines []PlanLine
	// Log holds the intake entries of the plan, oldest first.
	Log []*Entry
	// entries are every entry of the plan (lines and log), for deletion.
	entries []*Entry
}

// PlanLine is one medication line of the plan with its entry.
type PlanLine struct {
	N     int
	Line  bmp.Line
	Head  string // the section's heading
	Entry *Entry // nil if the entry is missing
}

// IsImage tells an image file from the XML of a plan by its first bytes.
func IsImage(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	return len(t) == 0 || t[0] != '<'
}

// ReadPlan decodes the pages of a plan, each an image of its DataMatrix
// or its XML, and merges them. Nothing is stored.
func ReadPlan(pages [][]byte) (*bmp.Plan, [][]byte, error) {
	var plans []*bmp.Plan
	var raws [][]byte
	for _, data := range pages {
		if IsImage(data) {
			var err error
			if data, err = datamatrix.ReadImage(bytes.NewReader(data)); err != nil {
				return nil, nil, err
			}
		}
		p, err := bmp.Decode(data)
		if err != nil {
			return nil, nil, err
		}
		plans, raws = append(plans, p), append(raws, data)
	}
	p, err := bmp.Merge(plans...)
	if err != nil {
		return nil, nil, err
	}
	return p, raws, nil
}

func serviceOn(es *Entries, op string) error {
	if !es.Profile.On(MedicationService) {
		return akte.R(op, akte.KindInvalid, "service_off", map[string]any{"service": MedicationService}, "")
	}
	return nil
}

// ImportPlan decodes the pages, checks every line as an entry, and only
// then stores the lines and the original XML; the plan stored before (its
// lines and log) is deleted after. The same plan (instance id) again
// stores nothing. Needs the medication service.
func (c *API) ImportPlan(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, pages [][]byte, now time.Time) (*MedPlan, error) {
	if err := serviceOn(es, "medplan.import"); err != nil {
		return nil, err
	}
	p, raws, err := ReadPlan(pages)
	if err != nil {
		return nil, err
	}
	rs, bs, err := health.Statements(p, now)
	if err != nil {
		return nil, err
	}
	old, err := c.LoadPlan(ctx, rec, es)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, err
	}
	if old != nil && old.Plan.ID == p.ID {
		return old, nil
	}
	var added []string
	undo := func() {
		for _, id := range added {
			c.DeleteItemNoted(context.WithoutCancel(ctx), rec, seen, id)
		}
	}
	for i, r := range rs {
		x, err := c.AddEntry(ctx, rec, seen, r, bs[i], "medication", nil)
		if err != nil {
			undo()
			return nil, err
		}
		added = append(added, x.ID)
		es.All[x.ID] = x
		es.Latest = append(es.Latest, x)
	}
	xml := bytes.Join(raws, []byte{0})
	m := core.Meta{Title: "Medikationsplan", Type: PlanType, Source: p.Author.Name, FileName: "medikationsplan.xml", MediaType: "application/xml"}
	if len(p.Author.Printed) >= 10 {
		m.Date = p.Author.Printed[:10]
	}
	m.Replaces, m.Version = core.NextVersion("", core.Meta{})
	f := File{Key: "medplan", Size: int64(len(xml)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(xml)), nil }}
	it, err := c.Upload(ctx, rec, f, "medication", m, "", &memPlans{}, Transfer{Seen: seen})
	if err != nil {
		undo()
		return nil, err
	}
	if old != nil {
		if err := c.removePlan(ctx, rec, seen, es, old); err != nil {
			return nil, err
		}
	}
	es.Items = append(es.Items, *it)
	es.Metas[it.ID] = m
	return c.LoadPlan(ctx, rec, es)
}

// LoadPlan opens the current plan (the newest plan document) with its
// lines and intake log; KindNotFound (medplan_none) if there is none.
func (c *API) LoadPlan(ctx context.Context, rec *core.Record, es *Entries) (*MedPlan, error) {
	var doc *wire.Item
	for i, it := range es.Items {
		if m := es.Metas[it.ID]; m.Type == PlanType && m.Entry == "" && m.Profile == "" && (doc == nil || it.CreatedAt.After(doc.CreatedAt)) {
			doc = &es.Items[i]
		}
	}
	if doc == nil {
		return nil, akte.R("medplan.show", akte.KindNotFound, "medplan_none", nil, "")
	}
	key, m, err := rec.OpenItem(*doc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := c.Download(ctx, doc, key, m, &buf, Transfer{}); err != nil {
		return nil, err
	}
	mp := &MedPlan{Doc: *doc, XML: buf.Bytes()}
	if mp.Plan, _, err = ReadPlan(bytes.Split(buf.Bytes(), []byte{0})); err != nil {
		return nil, err
	}
	byLine := map[string]*Entry{}
	for _, e := range es.Latest {
		ms, ok := e.Resource.(*fhir.MedicationStatement)
		if !ok {
			continue
		}
		for _, id := range ms.Identifier {
			switch {
			case id.System == bmp.SystemLine && strings.HasPrefix(id.Value, mp.Plan.ID+"-"):
				byLine[id.Value] = e
				mp.entries = append(mp.entries, e)
			case id.System == SystemIntake && strings.HasPrefix(id.Value, mp.Plan.ID+"-"):
				mp.Log = append(mp.Log, e)
				mp.entries = append(mp.entries, e)
			}
		}
	}
	slices.SortFunc(mp.Log, func(a, b *Entry) int {
		return strings.Compare(string(a.Resource.(*fhir.MedicationStatement).EffectiveDateTime), string(b.Resource.(*fhir.MedicationStatement).EffectiveDateTime))
	})
	n := 0
	for _, s := range mp.Plan.Sections {
		for _, l := range s.Lines {
			if l.Kind == bmp.FreeText {
				continue
			}
			n++
			mp.Lines = append(mp.Lines, PlanLine{N: n, Line: l, Head: s.Heading, Entry: byLine[fmt.Sprintf("%s-%d", mp.Plan.ID, n)]})
		}
	}
	return mp, nil
}

// LogIntake records that line n (1-based) was taken at at, in slot
// (morning, noon, evening, night or ""), as a sealed entry.
func (c *API) LogIntake(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, mp *MedPlan, n int, slot string, at time.Time) (*Entry, error) {
	if err := serviceOn(es, "medplan.log"); err != nil {
		return nil, err
	}
	if n < 1 || n > len(mp.Lines) {
		return nil, akte.R("medplan.log", akte.KindInvalid, "medplan_line_unknown", map[string]any{"line": n, "lines": len(mp.Lines)}, "")
	}
	if slot != "" && !slices.Contains(akte.ReminderSlots[:], slot) {
		return nil, akte.R("medplan.log", akte.KindInvalid, "medplan_slot_invalid", map[string]any{"slot": slot}, "")
	}
	l := mp.Lines[n-1]
	ms := &fhir.MedicationStatement{
		Status:                    "completed",
		Identifier:                []fhir.Identifier{{System: SystemIntake, Value: fmt.Sprintf("%s-%d", mp.Plan.ID, n)}},
		Subject:                   &fhir.Reference{Display: strings.TrimSpace(mp.Plan.Patient.GivenName + " " + mp.Plan.Patient.FamilyName)},
		MedicationCodeableConcept: &fhir.CodeableConcept{Text: l.Line.Label()},
		EffectiveDateTime:         fhir.Date(at.UTC().Format(time.RFC3339)),
	}
	if l.Line.PZN != "" {
		ms.MedicationCodeableConcept.Coding = []fhir.Coding{{System: fhir.SystemPZN, Code: l.Line.PZN}}
	}
	if slot != "" {
		when := map[string]string{"morning": "MORN", "noon": "NOON", "evening": "EVE", "night": "NIGHT"}[slot]
		ms.Dosage = []fhir.Dosage{{Text: slot, Timing: &fhir.Timing{Repeat: &fhir.TimingRepeat{When: []string{when}}}}}
	}
	b, err := fhir.Marshal(ms)
	if err != nil {
		return nil, err
	}
	r, b, err := health.Parse(b, fhir.Context{Today: at.Add(time.Minute)})
	if err != nil {
		return nil, err
	}
	return c.AddEntry(ctx, rec, seen, r, b, "medication", nil)
}

// RemovePlan deletes the current plan: its original, its lines and its
// intake log.
func (c *API) RemovePlan(ctx context.Context, rec *core.Record, seen *Seen, es *Entries) (*MedPlan, error) {
	mp, err := c.LoadPlan(ctx, rec, es)
	if err != nil {
		return nil, err
	}
	return mp, c.removePlan(ctx, rec, seen, es, mp)
}

func (c *API) removePlan(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, mp *MedPlan) error {
	// The original goes last: lines without it are no plan, and the next
	// import or removal finds them again by the instance id.
	for _, e := range mp.entries {
		if _, err := c.RemoveEntry(ctx, rec, seen, es, e); err != nil {
			return err
		}
	}
	for _, it := range es.Items {
		if m := es.Metas[it.ID]; m.Type == PlanType && m.Entry == "" && m.Profile == "" {
			if err := c.DeleteItemNoted(ctx, rec, seen, it.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
				return err
			}
		}
	}
	return nil
}

// Reminders returns the account's intake reminders (nil if none).
func (c *API) Reminders(ctx context.Context) (*wire.Reminders, error) {
	var out wire.RemindersState
	_, err := c.do(ctx, "GET", prefix+"/account/reminders", nil, &out, nil)
	return out.Reminders, err
}

// SetReminders stores the intake reminders (times only); all times empty
// clears them.
func (c *API) SetReminders(ctx context.Context, r wire.Reminders) (*wire.Reminders, error) {
	var out wire.RemindersState
	_, err := c.do(ctx, "PUT", prefix+"/account/reminders", r, &out, nil)
	return out.Reminders, err
}

// ClearReminders deletes the intake reminders at once, and the push
// subscriptions, which serve only them (decision 0051).
func (c *API) ClearReminders(ctx context.Context) error {
	if _, err := c.do(ctx, "DELETE", prefix+"/account/reminders", nil, nil, nil); err != nil {
		return err
	}
	subs, err := c.PushSubscriptions(ctx)
	for _, s := range subs {
		if err == nil {
			err = c.Unsubscribe(ctx, s.ID)
		}
	}
	if akte.Is(err, akte.KindNotFound) { // removed meanwhile
		err = nil
	}
	return err
}

// SetReminderVia changes where the reminders go (mail, push or both),
// keeping their times; reminders_none if none are set.
func (c *API) SetReminderVia(ctx context.Context, via string) (*wire.Reminders, error) {
	r, err := c.Reminders(ctx)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, akte.R("medication.reminders_set", akte.KindNotFound, "reminders_none", nil, "")
	}
	r.Via = via
	return c.SetReminders(ctx, *r)
}

// PushKey returns the server's VAPID public key, the one browsers
// subscribe with (decision 0051).
func (c *API) PushKey(ctx context.Context) (string, error) {
	var out wire.PushKey
	_, err := c.do(ctx, "GET", prefix+"/push/key", nil, &out, nil)
	return out.Key, err
}

// Subscribe stores a browser's push subscription for this account.
func (c *API) Subscribe(ctx context.Context, s wire.PushSubscriptionNew) (*wire.PushSubscription, error) {
	var out wire.PushSubscription
	_, err := c.do(ctx, "POST", prefix+"/account/push", s, &out, nil)
	return &out, err
}

// PushSubscriptions lists the account's push subscriptions.
func (c *API) PushSubscriptions(ctx context.Context) ([]wire.PushSubscription, error) {
	var out wire.PushSubscriptions
	_, err := c.do(ctx, "GET", prefix+"/account/push", nil, &out, nil)
	return out.Subscriptions, err
}

// Unsubscribe removes one of the account's push subscriptions.
func (c *API) Unsubscribe(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", prefix+"/account/push/"+url.PathEscape(id), nil, nil, nil)
	return err
}
