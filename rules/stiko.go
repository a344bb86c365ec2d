package rules

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte/fhir"
)

//go:embed stiko.json
var stikoJSON []byte

// Source is a publication a rule rests on.
type Source struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Reliability string `json:"reliability"`
}

// RuleText describes one rule (a row of the STIKO table) with its sources.
type RuleText struct {
	Text        string   `json:"text"`
	Sources     []string `json:"sources"`
	Reliability string   `json:"reliability"`
}

// VaccinationSchedule is a parsed STIKO rule file.
type VaccinationSchedule struct {
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Edition   string            `json:"edition"`
	ValidFrom string            `json:"valid_from"`
	Notes     []string          `json:"notes"`
	Sources   map[string]Source `json:"sources"`
	Defaults  struct {
		OverdueAfter Duration `json:"overdue_after"`
	} `json:"defaults"`
	Vaccines          map[string]VaccineClass `json:"vaccines"`
	Targets           []Target                `json:"targets"`
	IndicationTargets map[string]string       `json:"indication_targets"`
	Rules             map[string]RuleText     `json:"rules"`
}

// VaccineClass tells vaccines apart that protect against the same target
// disease code (MenB and MenACWY both target SNOMED 23511006).
type VaccineClass struct {
	ATC   []string `json:"atc"`
	PZN   []string `json:"pzn"`
	Names []string `json:"names"`
}

// Target is the plan for one target disease: its doses in order.
type Target struct {
	ID       string `json:"id"`
	Code     string `json:"code"` // SNOMED CT, KBV_VS_MIO_Vaccination_TargetDisease
	Display  string `json:"display"`
	Vaccines string `json:"vaccines,omitempty"` // key of VaccinationSchedule.Vaccines
	Plan     []Slot `json:"plan"`
}

// Slot is one dose of a plan (G1, A2, ...), or a repeating booster
// (Repeat), or a seasonal vaccination (Season).
type Slot struct {
	Dose string `json:"dose"`
	Rule string `json:"rule"`
	// Age is the recommended age; MinAge the earliest age at which a dose
	// counts; MinInterval the least time since the previous counted dose.
	Age         Duration `json:"age"`
	MinAge      Duration `json:"min_age"`
	MinInterval Duration `json:"min_interval"`
	// Until is the age from which a missing dose is no longer recommended.
	Until        Duration `json:"until"`
	OverdueAfter Duration `json:"overdue_after"`
	// Repeat: a booster every Repeat after the last dose, for life.
	Repeat Duration `json:"repeat"`
	Season *Season  `json:"season"`
	// Conditions: born after this day; skipped if this many doses were
	// counted already; only if the first dose was given at this age or
	// later (or would be, if none was).
	BornAfter         string   `json:"born_after"`
	SkipIfDoses       int      `json:"skip_if_doses"`
	OnlyIfStartedFrom Duration `json:"only_if_started_from"`
	Sex               string   `json:"sex"`
}

// Season is a yearly vaccination in autumn. Dates are MM-DD: a dose from
// CountsFrom on counts for the season, which is recommended from Opens,
// due until DueUntil and overdue until Closes (next year).
type Season struct {
	CountsFrom string `json:"counts_from"`
	Opens      string `json:"opens"`
	DueUntil   string `json:"due_until"`
	Closes     string `json:"closes"`
}

// STIKO returns the embedded STIKO schedule. It parses the file on each
// call (about a tenth of a millisecond); keep the result.
func STIKO() *VaccinationSchedule {
	s, err := ParseVaccinationSchedule(stikoJSON)
	if err != nil {
		panic("rules: embedded stiko.json: " + err.Error()) // a build defect, caught by the tests
	}
	return s
}

// ParseVaccinationSchedule reads a STIKO rule file and checks that it is
// consistent (every rule and source named exists, seasons are dates).
func ParseVaccinationSchedule(data []byte) (*VaccinationSchedule, error) {
	var s VaccinationSchedule
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if s.Defaults.OverdueAfter.IsZero() {
		return nil, fmt.Errorf("defaults.overdue_after missing")
	}
	for _, r := range s.Rules {
		for _, src := range r.Sources {
			if _, ok := s.Sources[src]; !ok {
				return nil, fmt.Errorf("rule cites unknown source %q", src)
			}
		}
	}
	for _, t := range s.Targets {
		if t.Vaccines != "" {
			if _, ok := s.Vaccines[t.Vaccines]; !ok {
				return nil, fmt.Errorf("target %s: unknown vaccine class %q", t.ID, t.Vaccines)
			}
		}
		for i, sl := range t.Plan {
			if _, ok := s.Rules[sl.Rule]; !ok {
				return nil, fmt.Errorf("target %s: unknown rule %q", t.ID, sl.Rule)
			}
			if sl.Season != nil {
				for _, md := range []string{sl.Season.CountsFrom, sl.Season.Opens, sl.Season.DueUntil, sl.Season.Closes} {
					if _, err := time.Parse("01-02", md); err != nil {
						return nil, fmt.Errorf("target %s: season date %q", t.ID, md)
					}
				}
				if i != len(t.Plan)-1 {
					return nil, fmt.Errorf("target %s: a season must be the last slot", t.ID)
				}
			}
			if !sl.Repeat.IsZero() && i != len(t.Plan)-1 {
				return nil, fmt.Errorf("target %s: a repeat must be the last slot", t.ID)
			}
		}
	}
	return &s, nil
}

// dose is one recorded vaccination against one target.
type dose struct {
	day     time.Time
	vaccine *fhir.CodeableConcept
}

// Vaccinations returns the status of every target disease of the schedule
// for the person on the day today, from the record's Immunization entries,
// followed by the other target diseases that have recorded doses (status
// not_recommended: indication vaccinations). Entries that are not
// completed, subpotent, or without a date are not counted.
func (s *VaccinationSchedule) Vaccinations(p Person, imms []*fhir.Immunization, today time.Time) []Result {
	today = fhir.Day(today)
	birth := fhir.Day(p.BirthDate)
	byTarget := map[string][]dose{}
	for _, im := range imms {
		if im == nil || im.Status != "completed" || im.IsSubpotent != nil && *im.IsSubpotent {
			continue
		}
		day, ok := dayOf(im.OccurrenceDateTime)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, pa := range im.ProtocolApplied {
			for _, td := range pa.TargetDisease {
				code := td.Code(fhir.SystemSNOMED)
				if code != "" && !seen[code] {
					seen[code] = true
					byTarget[code] = append(byTarget[code], dose{day, im.VaccineCode})
				}
			}
		}
	}
	results := make([]Result, 0, len(s.Targets)+len(byTarget))
	for i := range s.Targets {
		t := &s.Targets[i]
		days := s.dosesFor(t, byTarget[t.Code])
		results = append(results, s.evaluate(t, p, birth, days, today))
	}
	var other []string
	for code := range byTarget {
		if !slices.ContainsFunc(s.Targets, func(t Target) bool { return t.Code == code }) {
			other = append(other, code)
		}
	}
	slices.Sort(other)
	for _, code := range other {
		days := s.dosesFor(nil, byTarget[code])
		id := s.IndicationTargets[code]
		if id == "" {
			id = "snomed-" + code
		}
		results = append(results, Result{Target: id, Code: code, Status: NotRecommended, Reason: "indication_only",
			Doses: len(days), LastDate: date(days[len(days)-1])})
	}
	return results
}

// dosesFor returns the sorted distinct days of the doses that count for t
// (for a target with a vaccine class: doses of that class or of no class).
func (s *VaccinationSchedule) dosesFor(t *Target, ds []dose) []time.Time {
	days := make([]time.Time, 0, len(ds))
	for _, d := range ds {
		if t != nil && t.Vaccines != "" {
			class := s.classOf(d.vaccine)
			if class != "" && class != t.Vaccines {
				continue
			}
		}
		days = append(days, d.day)
	}
	slices.SortFunc(days, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Compact(days)
}

// classOf returns the vaccine class of a vaccine code, "" if none matches.
func (s *VaccinationSchedule) classOf(c *fhir.CodeableConcept) string {
	if c == nil {
		return ""
	}
	label := strings.ToLower(c.Text)
	for _, cd := range c.Coding {
		label += " " + strings.ToLower(cd.Display)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Vaccines)) {
		v := s.Vaccines[name]
		for _, cd := range c.Coding {
			if cd.System == fhir.SystemATC && slices.Contains(v.ATC, cd.Code) ||
				cd.System == fhir.SystemPZN && slices.Contains(v.PZN, cd.Code) {
				return name
			}
		}
		for _, n := range v.Names {
			if strings.Contains(label, n) {
				return name
			}
		}
	}
	return ""
}

// evaluate walks t's plan: each recorded dose fills the next slot it is
// valid for (old enough, far enough from the previous counted dose); doses
// valid for no slot are ignored. The first slot left open decides the
// status; a slot whose catch-up age (Until) has passed is skipped.
func (s *VaccinationSchedule) evaluate(t *Target, p Person, birth time.Time, days []time.Time, today time.Time) Result {
	r := Result{Target: t.ID, Code: t.Code}
	var counted []time.Time
	next, missed := 0, ""
	var prev time.Time // last counted dose
	for _, sl := range t.Plan {
		if !s.applies(sl, p, birth, counted, today) {
			continue
		}
		r.Rule = sl.Rule
		if sl.Season != nil {
			for ; next < len(days); next++ {
				if !days[next].Before(sl.MinAge.After(birth)) {
					counted = append(counted, days[next])
				}
			}
			s.season(&r, sl, birth, counted, today)
			return finish(r, counted)
		}
		if !sl.Repeat.IsZero() {
			counted = append(counted, days[next:]...)
			next = len(days)
			if len(counted) > 0 {
				prev = counted[len(counted)-1]
			}
			return finish(s.open(r, sl, birth, sl.Repeat.After(prev), len(counted) > 0, today), counted)
		}
		filled := false
		for next < len(days) {
			d := days[next]
			if !sl.Until.IsZero() && !d.Before(sl.Until.After(birth)) {
				break // given after the slot's catch-up age: it counts for a later slot
			}
			next++
			if d.Before(sl.MinAge.After(birth)) || !prev.IsZero() && d.Before(sl.MinInterval.After(prev)) {
				continue // too early for this slot: does not count
			}
			counted, prev, filled = append(counted, d), d, true
			break
		}
		if filled {
			missed = "" // a later dose makes up for a missed one
			continue
		}
		if !sl.Until.IsZero() && !today.Before(sl.Until.After(birth)) {
			missed = sl.Rule
			continue
		}
		dueDay := sl.Age.After(birth)
		if !sl.MinAge.IsZero() && sl.MinAge.After(birth).After(dueDay) {
			dueDay = sl.MinAge.After(birth)
		}
		if !prev.IsZero() && sl.MinInterval.After(prev).After(dueDay) {
			dueDay = sl.MinInterval.After(prev)
		}
		if sl.Age.IsZero() && prev.IsZero() && sl.MinAge.IsZero() {
			dueDay = birth
		}
		return finish(s.open(r, sl, birth, dueDay, len(counted) > 0, today), counted)
	}
	switch {
	case missed != "":
		r.Status, r.Reason, r.Rule = NotRecommended, "catch_up_age_passed", missed
	case len(counted) == 0:
		r.Status, r.Reason = NotRecommended, "no_recommendation"
	default:
		r.Status, r.Reason = Complete, "series_complete"
	}
	return finish(r, counted)
}

func finish(r Result, counted []time.Time) Result {
	r.Doses = len(counted)
	if len(counted) > 0 {
		r.LastDate = date(counted[len(counted)-1])
	}
	return r
}

// applies reports whether a slot's conditions hold for the person.
func (s *VaccinationSchedule) applies(sl Slot, p Person, birth time.Time, counted []time.Time, today time.Time) bool {
	if !p.matches(sl.Sex) {
		return false
	}
	if sl.BornAfter != "" {
		after, err := time.Parse(time.DateOnly, sl.BornAfter)
		if err != nil || !birth.After(after) {
			return false
		}
	}
	if sl.SkipIfDoses > 0 && len(counted) >= sl.SkipIfDoses {
		return false
	}
	if !sl.OnlyIfStartedFrom.IsZero() {
		start := today
		if len(counted) > 0 {
			start = counted[0]
		}
		if start.Before(sl.OnlyIfStartedFrom.After(birth)) {
			return false
		}
	}
	return true
}

// open sets the status of an open slot that is due on dueDay.
func (s *VaccinationSchedule) open(r Result, sl Slot, birth, dueDay time.Time, vaccinated bool, today time.Time) Result {
	r.NextDate = date(dueDay)
	r.Params = map[string]any{"dose": sl.Dose}
	grace := sl.OverdueAfter
	if grace.IsZero() {
		grace = s.Defaults.OverdueAfter
	}
	switch {
	case dueDay.After(today) && vaccinated:
		r.Status, r.Reason = Complete, "up_to_date"
	case dueDay.After(today):
		r.Status, r.Reason = NotRecommended, "from_age"
	case today.Before(grace.After(dueDay)):
		r.Status, r.Reason = Due, "dose_due"
	default:
		r.Status, r.Reason = Overdue, "dose_overdue"
		if !sl.Until.IsZero() {
			r.Params["until"] = date(sl.Until.After(birth))
		}
	}
	return r
}

// season sets the status of a seasonal vaccination (see Season).
func (s *VaccinationSchedule) season(r *Result, sl Slot, birth time.Time, counted []time.Time, today time.Time) {
	at := func(year int, md string) time.Time {
		t, _ := time.Parse("01-02", md)
		return time.Date(year, t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	se := sl.Season
	year := today.Year()
	if today.Before(at(year, se.CountsFrom)) {
		year--
	}
	countsFrom, opens, dueUntil, closes := at(year, se.CountsFrom), at(year, se.Opens), at(year, se.DueUntil), at(year+1, se.Closes)
	var last time.Time
	if len(counted) > 0 {
		last = counted[len(counted)-1]
	}
	minNext := func(t time.Time) time.Time {
		if !last.IsZero() && !sl.MinInterval.IsZero() && sl.MinInterval.After(last).After(t) {
			return sl.MinInterval.After(last)
		}
		return t
	}
	eligible := sl.MinAge.After(birth)
	if eligible.After(today) {
		first := eligible
		for y := eligible.Year() - 1; ; y++ { // the first open window from eligible on
			o, c := at(y, se.Opens), at(y+1, se.Closes)
			if !first.After(c) {
				if first.Before(o) {
					first = o
				}
				break
			}
		}
		r.NextDate = date(minNext(first))
		if len(counted) > 0 {
			r.Status, r.Reason = Complete, "up_to_date"
		} else {
			r.Status, r.Reason = NotRecommended, "from_age"
		}
		return
	}
	doneThisSeason := !last.Before(countsFrom)
	offSeason := today.Before(opens) || today.After(closes)
	nextOpens := at(year+1, se.Opens)
	switch {
	case doneThisSeason:
		r.Status, r.Reason, r.NextDate = Complete, "season_done", date(minNext(nextOpens))
	case offSeason:
		r.NextDate = date(minNext(opens))
		if today.After(closes) {
			r.NextDate = date(minNext(nextOpens))
		}
		// Before this season opens: complete if the last one was covered.
		if today.Before(opens) && !last.IsZero() && !last.Before(at(year-1, se.CountsFrom)) {
			r.Status, r.Reason = Complete, "season_done"
		} else {
			r.Status, r.Reason = NotRecommended, "off_season"
		}
	case minNext(today).After(today):
		r.Status, r.Reason, r.NextDate = Complete, "min_interval", date(minNext(today))
	case !today.After(dueUntil):
		r.Status, r.Reason, r.NextDate = Due, "season_due", date(opens)
	default:
		r.Status, r.Reason, r.NextDate = Overdue, "season_overdue", date(opens)
	}
	r.Params = map[string]any{"dose": sl.Dose, "season": fmt.Sprintf("%d/%02d", year, (year+1)%100)}
}
