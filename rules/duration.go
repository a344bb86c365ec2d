package rules

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Duration is an ISO-8601 calendar duration of years, months, weeks and
// days ("P11M", "P4M15D", "P6W"), as the rule files write ages and
// intervals. The zero Duration is "no duration".
type Duration struct {
	Years, Months, Days int
	text                string
}

var durationRE = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$`)

// ParseDuration reads an ISO-8601 duration without a time part.
func ParseDuration(s string) (Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil || s == "P" {
		return Duration{}, fmt.Errorf("duration %q: want PnYnMnWnD", s)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	return Duration{Years: n(1), Months: n(2), Days: 7*n(3) + n(4), text: s}, nil
}

// IsZero reports whether d is absent.
func (d Duration) IsZero() bool { return d.text == "" }

func (d Duration) String() string { return d.text }

// After returns the calendar day d after t. Years and months are added
// first and land on the last day of a shorter month (31 Jan + P1M = 28 or
// 29 Feb, not 3 Mar), then the days.
func (d Duration) After(t time.Time) time.Time {
	y, m := t.Year()+d.Years, t.Month()+time.Month(d.Months)
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	day := min(t.Day(), last)
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d.Days)
}

// UnmarshalJSON reads the ISO form.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	*d = v
	return err
}

// MarshalJSON writes the ISO form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.text) }
