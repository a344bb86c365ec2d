package fhir

import (
	"regexp"
	"strconv"
	"time"
)

// dateRE is FHIR R4's dateTime (which includes date, year-month and year).
var dateRE = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)

// Valid reports whether d is a FHIR date or dateTime of a real day
// (2023-02-29 is not).
func (d Date) Valid() bool {
	_, _, ok := d.Days()
	return ok
}

// Days returns the first and the last calendar day d covers, as UTC
// midnights: "2024" covers 2024-01-01 to 2024-12-31, a dateTime its own day
// (in its own time zone, the day the person saw on the calendar).
func (d Date) Days() (first, last time.Time, ok bool) {
	s := string(d)
	if !dateRE.MatchString(s) {
		return time.Time{}, time.Time{}, false
	}
	y, _ := strconv.Atoi(s[0:4])
	switch {
	case len(s) == 4:
		return day(y, 1, 1), day(y, 12, 31), true
	case len(s) == 7:
		m, _ := strconv.Atoi(s[5:7])
		first = day(y, time.Month(m), 1)
		return first, first.AddDate(0, 1, -1), true
	}
	m, _ := strconv.Atoi(s[5:7])
	dd, _ := strconv.Atoi(s[8:10])
	first = day(y, time.Month(m), dd)
	if first.Day() != dd { // normalised: no such day
		return time.Time{}, time.Time{}, false
	}
	return first, first, true
}

// DateOf returns the FHIR date (YYYY-MM-DD) of t's calendar day.
func DateOf(t time.Time) Date { return Date(t.Format(time.DateOnly)) }

// Day returns t's calendar day as a UTC midnight.
func Day(t time.Time) time.Time { return day(t.Year(), t.Month(), t.Day()) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
