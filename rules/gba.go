package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte/fhir"
)

//go:embed gba.json
var gbaJSON []byte

// SystemCheckup is the code system of check-up Procedures: the code is one
// of an Examination's Codes (its id unless the data says otherwise).
const SystemCheckup = "urn:akte:checkup"

// CheckupSchedule is a parsed G-BA rule file.
type CheckupSchedule struct {
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Edition   string            `json:"edition"`
	ValidFrom string            `json:"valid_from"`
	Notes     []string          `json:"notes"`
	Sources   map[string]Source `json:"sources"`
	Defaults  struct {
		OverdueAfter Duration `json:"overdue_after"`
	} `json:"defaults"`
	Examinations []Examination `json:"examinations"`
}

// Examination is one row of the schedule. Kind says how it recurs:
//   - window: once, in the nominal age window [Nominal[0], Nominal[1]),
//     still allowed within Tolerance (children's U1-U9, J1, dental FU);
//   - once: once from From (until Until);
//   - interval: every Every from From (until Until), unless NotWithin;
//   - count: Count times, Every apart, from From;
//   - half_year: once per calendar half-year, MinInterval apart (dental);
//   - bonus: the dental bonus booklet, one examination per calendar year
//     (per half-year before Adult) without gaps since From.
type Examination struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Codes        []string   `json:"codes"`
	Sex          string     `json:"sex"`
	Nominal      []Duration `json:"nominal"`
	Tolerance    []Duration `json:"tolerance"`
	From         Duration   `json:"from"`
	Until        Duration   `json:"until"`
	Every        Duration   `json:"every"`
	Count        int        `json:"count"`
	MinInterval  Duration   `json:"min_interval"`
	OverdueAfter Duration   `json:"overdue_after"`
	NotWithin    *NotWithin `json:"not_within"`
	Adult        Duration   `json:"adult"`
	Subsidy      []Subsidy  `json:"subsidy"`
	Sources      []string   `json:"sources"`
	Reliability  string     `json:"reliability"`
}

// NotWithin makes an examination unnecessary while another one was done
// within Period (iFOBT after a colonoscopy).
type NotWithin struct {
	Exam   string   `json:"exam"`
	Period Duration `json:"period"`
}

// Subsidy is a step of the dental bonus: from Years of gapless check-ups,
// the insurer pays Percent of the standard dentures fee.
type Subsidy struct {
	Years   int `json:"years"`
	Percent int `json:"percent"`
}

// GBA returns the embedded G-BA check-up schedule (parsed on each call).
func GBA() *CheckupSchedule {
	s, err := ParseCheckupSchedule(gbaJSON)
	if err != nil {
		panic("rules: embedded gba.json: " + err.Error()) // a build defect, caught by the tests
	}
	return s
}

// ParseCheckupSchedule reads a G-BA rule file and checks its consistency.
func ParseCheckupSchedule(data []byte) (*CheckupSchedule, error) {
	var s CheckupSchedule
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if s.Defaults.OverdueAfter.IsZero() {
		return nil, fmt.Errorf("defaults.overdue_after missing")
	}
	ids := map[string]bool{}
	for i := range s.Examinations {
		e := &s.Examinations[i]
		if ids[e.ID] {
			return nil, fmt.Errorf("examination %s twice", e.ID)
		}
		ids[e.ID] = true
		if len(e.Codes) == 0 {
			e.Codes = []string{e.ID}
		}
		for _, src := range e.Sources {
			if _, ok := s.Sources[src]; !ok {
				return nil, fmt.Errorf("examination %s cites unknown source %q", e.ID, src)
			}
		}
		bad := false
		switch e.Kind {
		case "window":
			bad = len(e.Nominal) != 2 || len(e.Tolerance) != 0 && len(e.Tolerance) != 2
		case "once":
			bad = e.From.IsZero()
		case "interval":
			bad = e.From.IsZero() || e.Every.IsZero()
		case "count":
			bad = e.From.IsZero() || e.Every.IsZero() || e.Count < 1
		case "half_year":
			bad = e.From.IsZero()
		case "bonus":
			bad = e.From.IsZero() || e.Adult.IsZero() || len(e.Subsidy) == 0
		default:
			bad = true
		}
		if bad {
			return nil, fmt.Errorf("examination %s: kind %q incomplete", e.ID, e.Kind)
		}
	}
	for _, e := range s.Examinations {
		if e.NotWithin != nil && !ids[e.NotWithin.Exam] {
			return nil, fmt.Errorf("examination %s: unknown exam %q", e.ID, e.NotWithin.Exam)
		}
	}
	return &s, nil
}

// Checkups returns the status of every examination of the schedule that
// applies to the person's sex, from the record's completed Procedure
// entries coded with SystemCheckup, on the day today.
func (s *CheckupSchedule) Checkups(p Person, procs []*fhir.Procedure, today time.Time) []Result {
	today = fhir.Day(today)
	birth := fhir.Day(p.BirthDate)
	byCode := map[string][]time.Time{}
	for _, pr := range procs {
		if pr == nil || pr.Status != "completed" || pr.Code == nil {
			continue
		}
		d := pr.PerformedDateTime
		if d == "" && pr.PerformedPeriod != nil {
			d = pr.PerformedPeriod.Start
		}
		day, ok := dayOf(d)
		if !ok {
			continue
		}
		for _, c := range pr.Code.Coding {
			if c.System == SystemCheckup && c.Code != "" {
				byCode[c.Code] = append(byCode[c.Code], day)
			}
		}
	}
	done := func(e *Examination) []time.Time {
		var days []time.Time
		for _, c := range e.Codes {
			days = append(days, byCode[c]...)
		}
		slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
		return slices.Compact(days)
	}
	var results []Result
	for i := range s.Examinations {
		e := &s.Examinations[i]
		if !p.matches(e.Sex) {
			continue
		}
		days := done(e)
		r := Result{Target: e.ID, Code: e.Codes[0]}
		if len(days) > 0 {
			r.LastDate = date(days[len(days)-1])
		}
		switch e.Kind {
		case "window":
			s.window(&r, e, birth, days, today)
		case "once", "interval", "count":
			s.recurring(&r, e, birth, days, today, func(exam string) []time.Time {
				for j := range s.Examinations {
					if s.Examinations[j].ID == exam {
						return done(&s.Examinations[j])
					}
				}
				return nil
			})
		case "half_year":
			s.halfYear(&r, e, birth, days, today)
		case "bonus":
			s.bonus(&r, e, birth, days, today)
		}
		results = append(results, r)
	}
	return results
}

// window: due from the start of the tolerance (or nominal) window to the
// end of the nominal one, overdue until the end of the tolerance, then no
// longer covered. NextDate is the start of the nominal window.
func (s *CheckupSchedule) window(r *Result, e *Examination, birth time.Time, days []time.Time, today time.Time) {
	from, until := e.Nominal[0].After(birth), e.Nominal[1].After(birth)
	tolFrom, tolUntil := from, until
	if len(e.Tolerance) == 2 {
		tolFrom, tolUntil = e.Tolerance[0].After(birth), e.Tolerance[1].After(birth)
	}
	r.Params = map[string]any{"from": date(from), "until": date(until.AddDate(0, 0, -1)), "deadline": date(tolUntil.AddDate(0, 0, -1))}
	switch {
	case len(days) > 0:
		r.Status, r.Reason = Complete, "done"
	case today.Before(tolFrom):
		r.Status, r.Reason, r.NextDate = NotRecommended, "from_age", date(from)
	case today.Before(until):
		r.Status, r.Reason, r.NextDate = Due, "examination_due", date(from)
	case today.Before(tolUntil):
		r.Status, r.Reason, r.NextDate = Overdue, "examination_overdue", date(from)
	default:
		r.Status, r.Reason = NotRecommended, "window_passed"
	}
}

// recurring handles once, interval and count.
func (s *CheckupSchedule) recurring(r *Result, e *Examination, birth time.Time, days []time.Time, today time.Time, other func(string) []time.Time) {
	from, until := e.From.After(birth), e.Until.After(birth)
	var last time.Time
	inWindow := days[:0:0]
	for _, d := range days {
		if !d.Before(from) && (e.Until.IsZero() || d.Before(until)) {
			inWindow = append(inWindow, d)
			last = d
		}
	}
	if !e.Until.IsZero() && !today.Before(until) {
		r.Status, r.Reason = NotRecommended, "age_limit"
		r.Params = map[string]any{"until": date(e.Until.After(birth))}
		if e.Kind == "once" && len(inWindow) > 0 {
			r.Status, r.Reason = Complete, "done"
		}
		return
	}
	if today.Before(from) {
		r.Status, r.Reason, r.NextDate = NotRecommended, "from_age", date(from)
		return
	}
	next := from
	switch e.Kind {
	case "once":
		if len(inWindow) > 0 {
			r.Status, r.Reason = Complete, "done"
			return
		}
		if !e.Until.IsZero() { // the whole window is its time: due, not overdue
			r.Status, r.Reason, r.NextDate = Due, "examination_due", date(from)
			r.Params = map[string]any{"until": date(until)}
			return
		}
	case "count":
		if len(inWindow) >= e.Count {
			r.Status, r.Reason = Complete, "done"
			r.Params = map[string]any{"count": len(inWindow)}
			return
		}
		if !last.IsZero() {
			next = e.Every.After(last)
		}
	case "interval":
		if !last.IsZero() {
			next = e.Every.After(last)
		}
	}
	if e.NotWithin != nil {
		if od := other(e.NotWithin.Exam); len(od) > 0 {
			covered := e.NotWithin.Period.After(od[len(od)-1])
			if covered.After(today) {
				r.Status, r.Reason, r.NextDate = NotRecommended, "covered_by", date(covered)
				r.Params = map[string]any{"exam": e.NotWithin.Exam}
				return
			}
		}
	}
	s.dueOn(r, e, next, today)
}

// dueOn sets complete, due or overdue for an examination next due on next.
func (s *CheckupSchedule) dueOn(r *Result, e *Examination, next, today time.Time) {
	grace := e.OverdueAfter
	if grace.IsZero() {
		grace = s.Defaults.OverdueAfter
	}
	r.NextDate = date(next)
	switch {
	case next.After(today):
		r.Status, r.Reason = Complete, "up_to_date"
	case today.Before(grace.After(next)):
		r.Status, r.Reason = Due, "examination_due"
	default:
		r.Status, r.Reason = Overdue, "examination_overdue"
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// halfStart returns the first day of t's calendar half-year.
func halfStart(t time.Time) time.Time {
	m := time.January
	if t.Month() >= time.July {
		m = time.July
	}
	return time.Date(t.Year(), m, 1, 0, 0, 0, 0, time.UTC)
}

// halfYear: one examination per calendar half-year, MinInterval apart. Due
// when this half-year has none; overdue when the previous one had none
// either (since From).
func (s *CheckupSchedule) halfYear(r *Result, e *Examination, birth time.Time, days []time.Time, today time.Time) {
	from := e.From.After(birth)
	if !e.Until.IsZero() && !today.Before(e.Until.After(birth)) {
		r.Status, r.Reason = NotRecommended, "age_limit"
		r.Params = map[string]any{"until": date(e.Until.After(birth))}
		return
	}
	if today.Before(from) {
		r.Status, r.Reason, r.NextDate = NotRecommended, "from_age", date(from)
		return
	}
	half := halfStart(today)
	prevHalf, nextHalf := half.AddDate(0, -6, 0), half.AddDate(0, 6, 0)
	var last time.Time
	if len(days) > 0 {
		last = days[len(days)-1]
	}
	after := func(t time.Time) time.Time {
		if !last.IsZero() && e.MinInterval.After(last).After(t) {
			return e.MinInterval.After(last)
		}
		return t
	}
	switch {
	case !last.Before(half):
		r.Status, r.Reason, r.NextDate = Complete, "done_this_half_year", date(after(nextHalf))
	case after(half).After(today):
		r.Status, r.Reason, r.NextDate = Complete, "min_interval", date(after(half))
	case !last.Before(prevHalf) || !from.Before(prevHalf):
		// the previous half-year was covered, or not yet required
		r.Status, r.Reason, r.NextDate = Due, "examination_due", date(after(later(half, from)))
	default:
		r.Status, r.Reason, r.NextDate = Overdue, "examination_overdue", date(after(later(half, from)))
	}
}

// bonus counts the gapless years of the dental bonus booklet up to today:
// each calendar year since From needs one examination (before Adult: one
// per half-year). The current year counts once it is covered; if it is not
// yet, the examination is due by the end of the year.
func (s *CheckupSchedule) bonus(r *Result, e *Examination, birth time.Time, days []time.Time, today time.Time) {
	from := e.From.After(birth)
	if today.Before(from) {
		r.Status, r.Reason, r.NextDate = NotRecommended, "from_age", date(from)
		return
	}
	adult := e.Adult.After(birth)
	// covered reports whether the period [a, b) had what the booklet needs.
	covered := func(a, b time.Time) bool {
		for _, d := range days {
			if !d.Before(a) && d.Before(b) {
				return true
			}
		}
		return false
	}
	yearCovered := func(y int) bool {
		start, end := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
		if !end.After(adult) { // a child's year: both half-years (those from From on)
			mid := start.AddDate(0, 6, 0)
			return (mid.Before(from) || covered(start, mid)) && (end.Before(from) || covered(mid, end))
		}
		return covered(start, end)
	}
	years := 0
	for y := today.Year() - 1; y >= from.Year(); y-- {
		if !yearCovered(y) {
			break
		}
		years++
	}
	thisYear := yearCovered(today.Year())
	if thisYear {
		years++
	}
	percent := 0
	for _, st := range e.Subsidy {
		if years >= st.Years {
			percent = st.Percent
		}
	}
	r.Params = map[string]any{"years": years, "subsidy_percent": percent}
	end := time.Date(today.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	if thisYear {
		r.Status, r.Reason, r.NextDate = Complete, "bonus_year_covered", date(end.AddDate(0, 0, 1))
		return
	}
	r.Status, r.Reason, r.NextDate = Due, "bonus_year_open", date(end)
}
