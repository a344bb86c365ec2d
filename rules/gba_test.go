package rules

import (
	"strings"
	"testing"

	"github.com/akte/akte/fhir"
)

type checkupCase struct {
	name, birth, sex, today string
	done                    []string // "CODE@YYYY-MM-DD"
	want                    []want
	absent                  []string // examinations that must not be listed
	params                  map[string]map[string]any
}

func (c checkupCase) procedures() []*fhir.Procedure {
	var ps []*fhir.Procedure
	for _, d := range c.done {
		code, day, _ := strings.Cut(d, "@")
		ps = append(ps, &fhir.Procedure{Status: "completed", Subject: &fhir.Reference{Reference: "Patient/p"}, PerformedDateTime: fhir.Date(day),
			Code: &fhir.CodeableConcept{Coding: []fhir.Coding{{System: SystemCheckup, Code: code}}}})
	}
	return ps
}

// checkupCases is the table written by hand from the G-BA schedule (shared
// domain notes, section 2): U1-U9 and J1 with their tolerance windows,
// adults by age and sex, dental check-ups and the bonus booklet.
var checkupCases = []checkupCase{
	{name: "newborn: U1 due, U2 from day 3", birth: "2026-11-30", today: "2026-11-30", want: []want{
		{"U1", "due", "2026-11-30", "examination_due"},
		{"U2", "not_recommended", "2026-12-02", "from_age"},
		{"J1", "not_recommended", "2039-11-30", "from_age"},
	}},
	{name: "U2 on the 12th day of life: overdue, within tolerance", birth: "2026-11-01", today: "2026-11-12", want: []want{
		{"U2", "overdue", "2026-11-03", "examination_overdue"},
	}, params: map[string]map[string]any{"U2": {"deadline": "2026-11-14", "until": "2026-11-10"}}},
	{name: "U2 after the tolerance: no longer covered", birth: "2026-11-01", today: "2026-11-20", want: []want{
		{"U2", "not_recommended", "-", "window_passed"},
		{"U3", "due", "2026-11-22", "examination_due"},
	}},
	{name: "U2 done", birth: "2026-11-01", today: "2026-11-20", done: []string{"U2@2026-11-05"}, want: []want{
		{"U2", "complete", "-", "done"},
	}},
	{name: "U4 within tolerance before the nominal window, U3 still within its tolerance", birth: "2026-06-10", today: "2026-07-20", want: []want{
		{"U4", "due", "2026-08-10", "examination_due"},
		{"U3", "overdue", "2026-07-01", "examination_overdue"},
	}},
	{name: "U4 overdue until 4½ months", birth: "2026-06-10", today: "2026-10-20", want: []want{
		{"U4", "overdue", "2026-08-10", "examination_overdue"},
		{"U5", "due", "2026-11-10", "examination_due"},
	}, params: map[string]map[string]any{"U4": {"deadline": "2026-10-24"}}},
	{name: "U7a and U8 for a three-year-old", birth: "2023-08-01", today: "2026-11-30", done: []string{"U7a@2026-06-01"}, want: []want{
		{"U7a", "complete", "-", "done"},
		{"U8", "not_recommended", "2027-05-01", "from_age"},
	}},
	{name: "U9 overdue at 5 years 3 months", birth: "2021-08-01", today: "2026-11-10", want: []want{
		{"U9", "due", "2026-07-01", "examination_due"},
	}},
	{name: "J1 due at 13", birth: "2013-01-20", today: "2026-03-01", want: []want{{"J1", "due", "2026-01-20", "examination_due"}}},
	{name: "J1 overdue at 14", birth: "2013-01-20", today: "2027-06-01", want: []want{{"J1", "overdue", "2026-01-20", "examination_overdue"}}},
	{name: "J1 after the 15th birthday", birth: "2013-01-20", today: "2028-02-01", want: []want{{"J1", "not_recommended", "-", "window_passed"}}},
	{name: "young adult: check-up once until 35", birth: "1995-05-01", today: "2026-11-30", sex: "female", want: []want{
		{"checkup-young", "due", "2013-05-01", "examination_due"},
		{"checkup-35", "not_recommended", "2030-05-01", "from_age"},
		{"cervix-20", "overdue", "2015-05-01", "examination_overdue"},
		{"breast-palpation", "overdue", "2025-05-01", "examination_overdue"},
		{"chlamydia", "not_recommended", "-", "age_limit"},
		{"dental-adult", "overdue", "2026-07-01", "examination_overdue"},
	}, absent: []string{"prostate", "aaa-ultrasound"}},
	{name: "young adult check-up done at 25", birth: "1995-05-01", today: "2026-11-30", done: []string{"checkup@2020-06-01"}, want: []want{
		{"checkup-young", "complete", "-", "done"},
	}},
	{name: "45-year-old: check-up 35 up to date, hepatitis screening never", birth: "1980-01-01", sex: "male", today: "2026-11-30", done: []string{"checkup@2025-02-01"}, want: []want{
		{"checkup-35", "complete", "2028-02-01", "up_to_date"},
		{"checkup-young", "not_recommended", "-", "age_limit"},
		{"hepatitis-screening", "overdue", "2015-01-01", "examination_overdue"},
		{"skin-cancer", "overdue", "2015-01-01", "examination_overdue"},
		{"prostate", "overdue", "2025-01-01", "examination_overdue"},
	}, absent: []string{"mammography", "cervix-35"}},
	{name: "check-up 35 overdue", birth: "1980-01-01", today: "2026-11-30", done: []string{"checkup@2021-01-01", "skin-cancer@2025-06-01"}, want: []want{
		{"checkup-35", "overdue", "2024-01-01", "examination_overdue"},
		{"skin-cancer", "complete", "2027-06-01", "up_to_date"},
	}},
	{name: "man at 66: AAA ultrasound once, prostate yearly", birth: "1960-05-01", sex: "male", today: "2026-11-30", done: []string{"prostate@2026-03-01"}, want: []want{
		{"aaa-ultrasound", "overdue", "2025-05-01", "examination_overdue"},
		{"prostate", "complete", "2027-03-01", "up_to_date"},
	}, absent: []string{"cervix-20", "mammography", "breast-palpation"}},
	{name: "woman at 52: mammography every 2 years, co-test every 3", birth: "1974-03-01", sex: "female", today: "2026-11-30", done: []string{"mammography@2025-03-01", "cervix-35@2025-01-15", "breast-palpation@2026-01-10"}, want: []want{
		{"mammography", "complete", "2027-03-01", "up_to_date"},
		{"cervix-35", "complete", "2028-01-15", "up_to_date"},
		{"breast-palpation", "complete", "2027-01-10", "up_to_date"},
	}, absent: []string{"aaa-ultrasound", "prostate"}},
	{name: "woman at 77: no more mammography", birth: "1949-06-01", sex: "female", today: "2026-11-30", done: []string{"mammography@2024-01-01"}, want: []want{
		{"mammography", "not_recommended", "-", "age_limit"},
	}},
	{name: "one colonoscopy 14 years ago: second due, iFOBT too", birth: "1960-01-01", today: "2026-11-30", done: []string{"colonoscopy@2012-03-01"}, want: []want{
		{"colonoscopy", "overdue", "2022-03-01", "examination_overdue"},
		{"ifobt", "overdue", "2010-01-01", "examination_overdue"},
	}},
	{name: "two colonoscopies: done, iFOBT covered", birth: "1960-01-01", today: "2026-11-30", done: []string{"colonoscopy@2012-03-01", "colonoscopy@2023-01-01"}, want: []want{
		{"colonoscopy", "complete", "-", "done"},
		{"ifobt", "not_recommended", "2033-01-01", "covered_by"},
	}},
	{name: "iFOBT every two years", birth: "1970-06-01", today: "2026-11-30", done: []string{"ifobt@2026-01-10"}, want: []want{
		{"ifobt", "complete", "2028-01-10", "up_to_date"},
		{"colonoscopy", "overdue", "2020-06-01", "examination_overdue"},
	}},
	{name: "dental: done this half-year, bonus 3 years", birth: "1990-01-01", today: "2026-11-30", done: []string{"dental@2024-05-01", "dental@2025-09-01", "dental@2026-08-15"}, want: []want{
		{"dental-adult", "complete", "2027-01-01", "done_this_half_year"},
		{"dental-bonus", "complete", "2027-01-01", "bonus_year_covered"},
		{"dental-kids", "not_recommended", "-", "age_limit"},
	}, params: map[string]map[string]any{"dental-bonus": {"years": 3, "subsidy_percent": 60}}},
	{name: "dental: four months between check-ups", birth: "1990-01-01", today: "2026-08-01", done: []string{"dental@2026-06-20"}, want: []want{
		{"dental-adult", "complete", "2026-10-20", "min_interval"},
	}},
	{name: "dental: due this half-year", birth: "1990-01-01", today: "2026-11-30", done: []string{"dental@2026-03-01"}, want: []want{
		{"dental-adult", "due", "2026-07-01", "examination_due"},
	}},
	{name: "dental bonus: 10 gapless years, this year still open", birth: "1980-01-01", today: "2026-11-30",
		done:   []string{"dental@2016-03-01", "dental@2017-03-01", "dental@2018-03-01", "dental@2019-03-01", "dental@2020-03-01", "dental@2021-03-01", "dental@2022-03-01", "dental@2023-03-01", "dental@2024-03-01", "dental@2025-03-01"},
		want:   []want{{"dental-bonus", "due", "2026-12-31", "bonus_year_open"}},
		params: map[string]map[string]any{"dental-bonus": {"years": 10, "subsidy_percent": 75}}},
	{name: "dental bonus: a gap restarts the count", birth: "1980-01-01", today: "2026-11-30",
		done:   []string{"dental@2016-03-01", "dental@2017-03-01", "dental@2018-03-01", "dental@2020-03-01", "dental@2021-03-01", "dental@2022-03-01", "dental@2023-03-01", "dental@2024-03-01", "dental@2025-03-01", "dental@2026-03-01"},
		want:   []want{{"dental-bonus", "complete", "2027-01-01", "bonus_year_covered"}},
		params: map[string]map[string]any{"dental-bonus": {"years": 7, "subsidy_percent": 70}}},
	{name: "teenager: the bonus needs both half-years", birth: "2010-01-01", today: "2026-11-30", done: []string{"dental@2025-02-01", "dental@2025-08-01", "dental@2026-03-01"}, want: []want{
		{"dental-bonus", "due", "2026-12-31", "bonus_year_open"},
		{"dental-kids", "due", "2026-07-01", "examination_due"},
		{"dental-adult", "not_recommended", "2028-01-01", "from_age"},
	}, params: map[string]map[string]any{"dental-bonus": {"years": 1, "subsidy_percent": 60}}},
	{name: "toddler: first dental early detection", birth: "2026-03-01", today: "2026-09-10", want: []want{
		{"FU1a", "due", "2026-08-01", "examination_due"},
		{"U5", "due", "2026-08-01", "examination_due"},
		{"dental-bonus", "not_recommended", "2038-03-01", "from_age"},
	}},
	{name: "sex other: examinations of both sexes are listed", birth: "1960-05-01", sex: "other", today: "2026-11-30", want: []want{
		{"aaa-ultrasound", "overdue", "2025-05-01", "examination_overdue"},
		{"mammography", "overdue", "2010-05-01", "examination_overdue"},
	}},
}

func TestCheckups(t *testing.T) {
	s := GBA()
	checks := 0
	for _, c := range checkupCases {
		p := Person{BirthDate: day(t, c.birth), Sex: c.sex}
		got := s.Checkups(p, c.procedures(), day(t, c.today))
		byID := map[string]Result{}
		for _, r := range got {
			byID[r.Target] = r
		}
		for _, w := range c.want {
			r, ok := byID[w.target]
			if !ok {
				t.Errorf("%s: no result for %s", c.name, w.target)
				continue
			}
			checks++
			next := r.NextDate
			if next == "" {
				next = "-"
			}
			if string(r.Status) != w.status || next != w.next || r.Reason != w.reason {
				t.Errorf("%s: %s = %s %s %s, want %s %s %s", c.name, w.target, r.Status, next, r.Reason, w.status, w.next, w.reason)
			}
		}
		for _, a := range c.absent {
			if _, ok := byID[a]; ok {
				t.Errorf("%s: %s listed for sex %q", c.name, a, c.sex)
			}
		}
		for id, params := range c.params {
			for k, v := range params {
				if byID[id].Params[k] != v {
					t.Errorf("%s: %s param %s = %v, want %v", c.name, id, k, byID[id].Params[k], v)
				}
			}
		}
	}
	if len(checkupCases) < 20 {
		t.Errorf("%d cases, the acceptance asks for at least 20", len(checkupCases))
	}
	t.Logf("%d cases, %d examination checks", len(checkupCases), checks)
}

func TestCheckupData(t *testing.T) {
	s := GBA()
	if s.Version == "" || len(s.Examinations) < 25 {
		t.Errorf("schedule %s with %d examinations", s.Version, len(s.Examinations))
	}
	for _, e := range s.Examinations {
		if len(e.Sources) == 0 {
			t.Errorf("%s without source", e.ID)
		}
	}
	for _, bad := range []string{
		`{"defaults":{"overdue_after":"P1Y"},"examinations":[{"id":"x","kind":"interval","from":"P1Y"}]}`,
		`{"defaults":{"overdue_after":"P1Y"},"examinations":[{"id":"x","kind":"sometimes"}]}`,
		`{"defaults":{"overdue_after":"P1Y"},"examinations":[{"id":"x","kind":"once","from":"P1Y","sources":["nope"]}]}`,
		`{"defaults":{"overdue_after":"P1Y"},"examinations":[{"id":"x","kind":"once","from":"P1Y","not_within":{"exam":"y","period":"P1Y"}}]}`,
	} {
		if _, err := ParseCheckupSchedule([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
