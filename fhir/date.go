package fhir

import (
	"strconv"
	"time"
)

// wellFormed reports whether s has the lexical form of a FHIR R4 dateTime
// (which includes date, year-month and year): YYYY[-MM[-DD[Thh:mm:ss[.f+](Z|±hh:mm)]]],
// year 0001 or later, time zone within ±14:00. A hand-written matcher: the
// regular expression of the specification costs a fifth of the status
// computation.
func wellFormed(s string) bool {
	num := func(i, n, lo, hi int) bool {
		if len(s) < i+n {
			return false
		}
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return false
			}
			v = v*10 + int(c-'0')
		}
		return v >= lo && v <= hi
	}
	at := func(i int, c byte) bool { return len(s) > i && s[i] == c }
	switch {
	case !num(0, 4, 1, 9999):
		return false
	case len(s) == 4:
		return true
	case !at(4, '-') || !num(5, 2, 1, 12):
		return false
	case len(s) == 7:
		return true
	case !at(7, '-') || !num(8, 2, 1, 31):
		return false
	case len(s) == 10:
		return true
	case !at(10, 'T') || !num(11, 2, 0, 23) || !at(13, ':') || !num(14, 2, 0, 59) || !at(16, ':') || !num(17, 2, 0, 60):
		return false
	}
	i := 19
	if at(i, '.') {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	switch {
	case len(s) == i+1 && s[i] == 'Z':
		return true
	case len(s) == i+6 && (s[i] == '+' || s[i] == '-') && at(i+3, ':') && num(i+4, 2, 0, 59):
		return num(i+1, 2, 0, 13) || s[i+1:] == "14:00"
	}
	return false
}

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
	if !wellFormed(s) {
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
