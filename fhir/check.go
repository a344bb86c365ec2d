package fhir

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/akte/akte"
)

// Identifier and code systems whose values carry a check digit or format.
const (
	SystemPZN       = "http://fhir.de/CodeSystem/ifa/pzn"
	SystemATC       = "http://fhir.de/CodeSystem/bfarm/atc"
	SystemSNOMED    = "http://snomed.info/sct"
	SystemKVNR      = "http://fhir.de/sid/gkv/kvid-10"
	SystemKVNROld   = "http://fhir.de/NamingSystem/gkv/kvid-10"
	SystemLANR      = "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_ANR"
	SystemBSNR      = "https://fhir.kbv.de/NamingSystem/KBV_NS_Base_BSNR"
	SystemEventTime = "http://hl7.org/fhir/event-timing"
)

// MaxDoseNumber is the highest dose number accepted in a vaccination
// series (boosters of a lifetime included).
const MaxDoseNumber = 20

// Context is what plausibility checks compare against.
type Context struct {
	// Today is the current calendar day (time of day is ignored).
	Today time.Time
	// BirthDate is the patient's birth date; "" skips the before-birth check.
	BirthDate Date
}

// Check tests r for plausibility: no clinical date in the future or before
// the birth date, periods that end after they start, dose numbers within
// the series and 1..MaxDoseNumber, a completed Immunization with its target
// diseases (target_disease_missing), and the check digits of every PZN coding,
// KVNR, LANR and the format of every BSNR in it. It returns the first
// problem as an *akte.Error (KindInvalid) with a Reason such as
// date_in_future and Params naming the element ("path") and the values;
// CheckAll returns all of them.
func Check(r Resource, ctx Context) error {
	if ps := CheckAll(r, ctx); len(ps) > 0 {
		return ps[0]
	}
	return nil
}

// CheckAll returns every plausibility problem of r (see Check), in
// document order; nil if there is none.
func CheckAll(r Resource, ctx Context) []*akte.Error {
	c := &checker{op: "fhir.check", ctx: ctx}
	c.resource(r, "")
	return c.list
}

// problem builds one finding. Params and Message name the element (a FHIR
// path) but never its value: errors may reach logs, values are health data.
func problem(path, reason string, params map[string]any, msg string) *akte.Error {
	if params == nil {
		params = map[string]any{}
	}
	params["path"] = path
	return &akte.Error{Op: "fhir.parse", Kind: akte.KindInvalid, Reason: reason, Params: params, Message: path + ": " + msg}
}

type checker struct {
	op   string
	ctx  Context
	list []*akte.Error
}

func (c *checker) add(path, reason string, params map[string]any, msg string) {
	p := problem(path, reason, params, msg)
	p.Op = c.op
	c.list = append(c.list, p)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func (c *checker) resource(r Resource, path string) {
	c.identifiers(r, path)
	switch r := r.(type) {
	case *Immunization:
		c.event(join(path, "occurrenceDateTime"), r.OccurrenceDateTime)
		c.event(join(path, "recorded"), r.Recorded)
		// The KBV MIO requires the target diseases (1..*); the vaccination
		// status is computed from them.
		if r.Status == "completed" && !slices.ContainsFunc(r.ProtocolApplied, func(pa ImmunizationProtocolApplied) bool { return len(pa.TargetDisease) > 0 }) {
			c.add(join(path, "protocolApplied.targetDisease"), "target_disease_missing", nil, "a vaccination needs the diseases it protects against")
		}
		for i, pa := range r.ProtocolApplied {
			p := join(path, fmt.Sprintf("protocolApplied[%d]", i))
			n, max := pa.DoseNumberPositiveInt, MaxDoseNumber
			if pa.SeriesDosesPositiveInt > 0 && pa.SeriesDosesPositiveInt < max {
				max = pa.SeriesDosesPositiveInt
			}
			if pa.DoseNumberString == "" && (n < 1 || n > max) || pa.SeriesDosesPositiveInt > MaxDoseNumber {
				c.add(join(p, "doseNumberPositiveInt"), "dose_number_invalid", map[string]any{"max": max},
					fmt.Sprintf("the dose number must be between 1 and %d", max))
			}
		}
	case *Procedure:
		c.event(join(path, "performedDateTime"), r.PerformedDateTime)
		c.period(join(path, "performedPeriod"), r.PerformedPeriod, true)
	case *Encounter:
		c.period(join(path, "period"), r.Period, r.Status != "planned")
	case *MedicationStatement:
		c.event(join(path, "effectiveDateTime"), r.EffectiveDateTime)
		c.period(join(path, "effectivePeriod"), r.EffectivePeriod, false)
		c.event(join(path, "dateAsserted"), r.DateAsserted)
	case *Observation:
		c.event(join(path, "effectiveDateTime"), r.EffectiveDateTime)
		c.period(join(path, "effectivePeriod"), r.EffectivePeriod, true)
	case *AllergyIntolerance:
		c.event(join(path, "onsetDateTime"), r.OnsetDateTime)
		c.event(join(path, "recordedDate"), r.RecordedDate)
		c.event(join(path, "lastOccurrence"), r.LastOccurrence)
	case *Condition:
		c.event(join(path, "onsetDateTime"), r.OnsetDateTime)
		c.event(join(path, "abatementDateTime"), r.AbatementDateTime)
		c.event(join(path, "recordedDate"), r.RecordedDate)
		c.order(join(path, "abatementDateTime"), r.OnsetDateTime, r.AbatementDateTime)
	case *Patient:
		c.future(join(path, "birthDate"), r.BirthDate)
	case *Practitioner:
		c.future(join(path, "birthDate"), r.BirthDate)
	case *Bundle:
		for i, e := range r.Entry {
			if e.Resource != nil {
				c.resource(e.Resource, join(path, fmt.Sprintf("entry[%d].resource", i)))
			}
		}
	}
}

// event checks a date on which something happened: not in the future, not
// before birth.
func (c *checker) event(path string, d Date) {
	if c.future(path, d) {
		c.beforeBirth(path, d)
	}
}

// future reports a date in the future; it returns false if d is empty,
// malformed or in the future.
func (c *checker) future(path string, d Date) bool {
	first, _, ok := d.Days()
	if d == "" || !ok {
		return false
	}
	if !c.ctx.Today.IsZero() && first.After(Day(c.ctx.Today)) {
		c.add(path, "date_in_future", map[string]any{"today": string(DateOf(c.ctx.Today))}, "the date is in the future")
		return false
	}
	return true
}

func (c *checker) beforeBirth(path string, d Date) {
	_, last, ok := d.Days()
	birth, _, bok := c.ctx.BirthDate.Days()
	if !ok || !bok || c.ctx.BirthDate == "" {
		return
	}
	if last.Before(birth) {
		c.add(path, "date_before_birth", nil, "the date is before the birth date")
	}
}

// period checks start (an event) and end (in the past too if past), and
// that end is not before start.
func (c *checker) period(path string, p *Period, past bool) {
	if p == nil {
		return
	}
	if past {
		c.event(join(path, "start"), p.Start)
		c.event(join(path, "end"), p.End)
	} else {
		c.beforeBirth(join(path, "start"), p.Start)
	}
	c.order(join(path, "end"), p.Start, p.End)
}

func (c *checker) order(path string, start, end Date) {
	s, _, sok := start.Days()
	_, e, eok := end.Days()
	if start != "" && end != "" && sok && eok && e.Before(s) {
		c.add(path, "period_end_before_start", nil, "the end is before the start")
	}
}

// identifiers checks every Identifier and Coding anywhere in r.
func (c *checker) identifiers(r Resource, path string) {
	if _, ok := r.(*Bundle); ok {
		return // each entry is checked as a resource
	}
	walk(reflect.ValueOf(r), path, func(p string, v reflect.Value) {
		switch x := v.Interface().(type) {
		case Identifier:
			c.identifier(p, x)
		case Coding:
			if x.System == SystemPZN && x.Code != "" && !akte.ValidPZN(x.Code) {
				c.add(join(p, "code"), "pzn_check_digit", nil, "the PZN has a wrong check digit or is not eight digits")
			}
		}
	})
}

func (c *checker) identifier(path string, id Identifier) {
	if id.Value == "" {
		return
	}
	switch id.System {
	case SystemKVNR, SystemKVNROld:
		if !akte.ValidKVNR(id.Value) {
			c.add(join(path, "value"), "kvnr_check_digit", nil, "the KVNR is not valid (a letter, nine digits, the last a check digit)")
		}
	case SystemLANR:
		if !akte.ValidLANR(id.Value) {
			c.add(join(path, "value"), "lanr_check_digit", nil, "the LANR is not valid (nine digits, the seventh a check digit)")
		}
	case SystemBSNR:
		if !akte.ValidBSNR(id.Value) {
			c.add(join(path, "value"), "bsnr_format", nil, "the BSNR must have nine digits")
		}
	}
}

// walk calls visit for every struct value reachable from v (through
// pointers, slices and struct fields), with its FHIR path.
func walk(v reflect.Value, path string, visit func(string, reflect.Value)) {
	if v.Type() == rawType {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, visit)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", visit)
		}
	case reflect.Struct:
		visit(path, v)
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			p := path
			if !f.Anonymous {
				p = join(path, name)
			}
			walk(v.Field(i), p, visit)
		}
	}
}

var rawType = reflect.TypeFor[json.RawMessage]()

// structure checks what FHIR requires of r's shape: required elements,
// codes from the required value sets, at most one alternative of a choice
// element, and the form of every date. Parse calls it.
func structure(r Resource) error {
	c := &checker{op: "fhir.parse"}
	c.structure(r, "")
	if len(c.list) > 0 {
		return c.list[0]
	}
	return nil
}

func (c *checker) required(path string, present bool) {
	if !present {
		c.add(path, "fhir_element_missing", map[string]any{"element": path[strings.LastIndex(path, ".")+1:]}, "required element is missing")
	}
}

func (c *checker) code(path, value string, allowed ...string) {
	if value != "" && !slices.Contains(allowed, value) {
		c.add(path, "fhir_code_invalid", map[string]any{"allowed": allowed},
			"the code must be one of "+strings.Join(allowed, ", "))
	}
}

// choice refuses more than one alternative of a choice element [x].
func (c *checker) choice(path string, set ...bool) {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	if n > 1 {
		c.add(path, "fhir_choice_multiple", nil, "only one alternative of a choice element may be given")
	}
}

func (c *checker) structure(r Resource, path string) {
	// Every date anywhere must be a FHIR date of a real day.
	walk(reflect.ValueOf(r), path, func(p string, v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			if d, ok := v.Field(i).Interface().(Date); ok && d != "" && !d.Valid() {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				c.add(join(p, name), "fhir_date_invalid", nil, "not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)")
			}
		}
	})
	switch r := r.(type) {
	case *Immunization:
		c.required(join(path, "status"), r.Status != "")
		c.code(join(path, "status"), r.Status, "completed", "entered-in-error", "not-done")
		c.required(join(path, "vaccineCode"), r.VaccineCode != nil)
		c.required(join(path, "patient"), r.Patient != nil)
		c.required(join(path, "occurrence[x]"), r.OccurrenceDateTime != "" || r.OccurrenceString != "")
		c.choice(join(path, "occurrence[x]"), r.OccurrenceDateTime != "", r.OccurrenceString != "")
		for i, pa := range r.ProtocolApplied {
			p := join(path, fmt.Sprintf("protocolApplied[%d]", i))
			c.required(join(p, "doseNumber[x]"), pa.DoseNumberPositiveInt != 0 || pa.DoseNumberString != "")
			c.choice(join(p, "doseNumber[x]"), pa.DoseNumberPositiveInt != 0, pa.DoseNumberString != "")
			c.choice(join(p, "seriesDoses[x]"), pa.SeriesDosesPositiveInt != 0, pa.SeriesDosesString != "")
		}
		for i, pf := range r.Performer {
			c.required(join(path, fmt.Sprintf("performer[%d].actor", i)), pf.Actor != nil)
		}
	case *Procedure:
		c.required(join(path, "status"), r.Status != "")
		c.code(join(path, "status"), r.Status, "preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown")
		c.required(join(path, "subject"), r.Subject != nil)
		c.choice(join(path, "performed[x]"), r.PerformedDateTime != "", r.PerformedPeriod != nil, r.PerformedString != "")
	case *Encounter:
		c.required(join(path, "status"), r.Status != "")
		c.code(join(path, "status"), r.Status, "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown")
		c.required(join(path, "class"), r.Class != nil)
	case *Practitioner:
		c.code(join(path, "gender"), r.Gender, "male", "female", "other", "unknown")
	case *MedicationStatement:
		c.required(join(path, "status"), r.Status != "")
		c.code(join(path, "status"), r.Status, "active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken")
		c.required(join(path, "medication[x]"), r.MedicationCodeableConcept != nil || r.MedicationReference != nil)
		c.choice(join(path, "medication[x]"), r.MedicationCodeableConcept != nil, r.MedicationReference != nil)
		c.required(join(path, "subject"), r.Subject != nil)
		c.choice(join(path, "effective[x]"), r.EffectiveDateTime != "", r.EffectivePeriod != nil)
		for i, d := range r.Dosage {
			c.choice(join(path, fmt.Sprintf("dosage[%d].asNeeded[x]", i)), d.AsNeededBoolean != nil, d.AsNeededCodeableConcept != nil)
		}
	case *Observation:
		c.required(join(path, "status"), r.Status != "")
		c.code(join(path, "status"), r.Status, "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown")
		c.required(join(path, "code"), r.Code != nil)
		c.choice(join(path, "effective[x]"), r.EffectiveDateTime != "", r.EffectivePeriod != nil)
		c.value(join(path, "value[x]"), r.ObservationValue)
		for i, comp := range r.Component {
			p := join(path, fmt.Sprintf("component[%d]", i))
			c.required(join(p, "code"), comp.Code != nil)
			c.value(join(p, "value[x]"), comp.ObservationValue)
		}
	case *AllergyIntolerance:
		c.required(join(path, "patient"), r.Patient != nil)
		c.code(join(path, "type"), r.Type, "allergy", "intolerance")
		for i, cat := range r.Category {
			c.code(join(path, fmt.Sprintf("category[%d]", i)), cat, "food", "medication", "environment", "biologic")
		}
		c.code(join(path, "criticality"), r.Criticality, "low", "high", "unable-to-assess")
		c.choice(join(path, "onset[x]"), r.OnsetDateTime != "", r.OnsetString != "")
		for i, re := range r.Reaction {
			p := join(path, fmt.Sprintf("reaction[%d]", i))
			c.required(join(p, "manifestation"), len(re.Manifestation) > 0)
			c.code(join(p, "severity"), re.Severity, "mild", "moderate", "severe")
		}
	case *Condition:
		c.required(join(path, "subject"), r.Subject != nil)
		c.choice(join(path, "onset[x]"), r.OnsetDateTime != "", r.OnsetString != "")
		c.choice(join(path, "abatement[x]"), r.AbatementDateTime != "", r.AbatementString != "")
	case *Patient:
		c.code(join(path, "gender"), r.Gender, "male", "female", "other", "unknown")
		c.choice(join(path, "deceased[x]"), r.DeceasedBoolean != nil, r.DeceasedDateTime != "")
	case *Bundle:
		c.required(join(path, "type"), r.Type != "")
		c.code(join(path, "type"), r.Type, "document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection")
		for i, e := range r.Entry {
			if e.Resource != nil {
				c.structure(e.Resource, join(path, fmt.Sprintf("entry[%d].resource", i)))
			}
		}
	}
}

func (c *checker) value(path string, v ObservationValue) {
	c.choice(path, v.ValueQuantity != nil, v.ValueCodeableConcept != nil, v.ValueString != "",
		v.ValueBoolean != nil, v.ValueInteger != nil, v.ValueDateTime != "")
}
