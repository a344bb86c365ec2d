package audit

import (
	"fmt"
	"math"
	"time"
)

// AlarmKind names a suspicious pattern.
type AlarmKind string

const (
	AlarmFailedLogins   AlarmKind = "failed_logins"   // a burst of failed logins
	AlarmNewDevice      AlarmKind = "new_device"      // the first login from a newly confirmed device
	AlarmDownloadBurst  AlarmKind = "download_burst"  // downloads far above the record's usual rate
	AlarmDeniedAttempts AlarmKind = "denied_attempts" // one actor refused again and again
	AlarmOffHours       AlarmKind = "off_hours"       // a provider's access outside the hours the patient chose
)

// Alarm is one detected incident. It carries no health data: a kind,
// counts, times, and the ids of the log, the actor or device, or (in the
// system log) the client address.
type Alarm struct {
	Kind AlarmKind
	// Key identifies the incident: every Detect that sees it returns the
	// same key, so the caller raises each alarm once by remembering keys.
	Key     string
	Log     string
	Subject string    // the actor id, device id or client address concerned
	Time    time.Time // when the pattern was met
	Index   int64     // the event that met it
	Count   int       // matching events in the window at that moment
	// Operator says whether the operator is told too (an attack on the
	// system rather than on one record); the patient of a record's log is
	// always told.
	Operator bool
}

// AlarmConfig holds the thresholds (all configurable).
type AlarmConfig struct {
	FailedLogins   int           // failed logins to one account (or from one address) ...
	FailedLoginsIn time.Duration // ... within this window
	Denied         int           // refused requests of one actor ...
	DeniedIn       time.Duration // ... within this window
	Downloads      int           // downloads of one record at least ...
	DownloadsIn    time.Duration // ... within this window, and at least
	DownloadFactor float64       // this many times the record's usual rate
	// Lookback is how far back the caller passes events: long enough for
	// a device confirmed by mail to be followed by its first login, and at
	// least twice the longest window.
	Lookback time.Duration
}

// DefaultAlarmConfig returns the default thresholds (decision 0013).
func DefaultAlarmConfig() AlarmConfig {
	return AlarmConfig{
		FailedLogins: 10, FailedLoginsIn: time.Hour,
		Denied: 10, DeniedIn: 15 * time.Minute,
		Downloads: 100, DownloadsIn: 10 * time.Minute, DownloadFactor: 10,
		Lookback: 7 * 24 * time.Hour,
	}
}

// Hours are the times a patient allows providers to access the record.
type Hours struct {
	Loc      *time.Location // the patient's time zone
	Weekdays [7]bool        // indexed by time.Weekday
	From, To time.Duration  // since local midnight, From before To
}

// Allows reports whether t lies within the hours.
func (h *Hours) Allows(t time.Time) bool {
	l := t.In(h.Loc)
	since := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
	return h.Weekdays[l.Weekday()] && since >= h.From && since < h.To
}

// Window is what Detect looks at: every event of one log logged at or
// after Since, oldest first (the caller passes Since = now - Lookback).
type Window struct {
	Log    string
	Since  time.Time
	Events []Event
	// UsualDownloads is the record's usual number of downloads per
	// DownloadsIn (the mean over the last 30 days, counted by the store).
	UsualDownloads float64
	// Hours, if not nil, are the hours providers may access the record.
	Hours *Hours
}

// Alarming reports whether e is an event some alarm looks at: a login (with
// a code or a passkey), a device's confirmation, a download, a refusal, a
// provider's access. Detect finds nothing new in a window that gained none of them (every
// rule is met by such an event), so a log whose new events are all other
// reads and changes needs no detection.
func Alarming(e *Event) bool {
	switch {
	case e.Result == ResultDenied, e.ActorRole == RoleProvider:
		return true
	}
	switch e.Operation {
	case SessionLogin, SessionLoginPasskey, DeviceConfirm, ItemDownload:
		return true
	}
	return false
}

// Detect returns the alarms of the window. It is pure and deterministic:
// called again on a later, overlapping window it returns the same keys for
// the same incidents. A threshold alarm is raised by the event that takes
// the count in its window to the threshold, and only when the window holds
// the whole history that decision needs (twice the threshold's window), so
// a burst is reported once, not again as the window slides over it.
func Detect(cfg AlarmConfig, w Window) []Alarm {
	system := w.Log == SystemLog
	var out []Alarm
	downloads := max(cfg.Downloads, int(math.Ceil(cfg.DownloadFactor*w.UsualDownloads)))
	type rule struct {
		kind      AlarmKind
		threshold int
		within    time.Duration
		operator  bool
		// subject returns whom a matching event concerns, or false.
		subject func(e *Event) (string, bool)
	}
	rules := []rule{
		{AlarmFailedLogins, cfg.FailedLogins, cfg.FailedLoginsIn, system, func(e *Event) (string, bool) {
			if e.Operation != SessionLogin || e.Result != ResultDenied {
				return "", false
			}
			if system {
				return e.Addr, true
			}
			return w.Log, true
		}},
		{AlarmDeniedAttempts, cfg.Denied, cfg.DeniedIn, true, func(e *Event) (string, bool) {
			if e.Result != ResultDenied || e.Operation == SessionLogin {
				return "", false
			}
			if e.ActorID == "" {
				return e.Addr, true
			}
			return e.ActorID, true
		}},
		{AlarmDownloadBurst, downloads, cfg.DownloadsIn, system, func(e *Event) (string, bool) {
			return w.Log, e.Operation == ItemDownload && e.Result == ResultOK
		}},
	}
	for _, r := range rules {
		if r.threshold < 1 || r.within <= 0 {
			continue
		}
		certain := w.Since.Add(2 * r.within)
		recent := map[string][]time.Time{} // matching times within the window, per subject
		for i := range w.Events {
			e := &w.Events[i]
			subj, ok := r.subject(e)
			if !ok {
				continue
			}
			q := recent[subj]
			before := len(q)
			for len(q) > 0 && !q[0].After(e.Time.Add(-r.within)) {
				q = q[1:]
			}
			q = append(q, e.Time)
			recent[subj] = q
			// before is the count the previous matching event had in its
			// own window: the threshold is met here, not earlier.
			if len(q) >= r.threshold && before < r.threshold && !e.Time.Before(certain) {
				out = append(out, Alarm{Kind: r.kind, Key: fmt.Sprintf("%s|%s|%s|%d", r.kind, w.Log, subj, e.Index),
					Log: w.Log, Subject: subj, Time: e.Time, Index: e.Index, Count: len(q), Operator: r.operator})
			}
		}
	}
	out = append(out, newDevices(w)...)
	if w.Hours != nil {
		out = append(out, offHours(w)...)
	}
	return out
}

// newDevices finds the first successful login from each device confirmed
// in the window (a device is confirmed through a link mailed to the
// account, so its first login is the moment a new device gains access).
func newDevices(w Window) []Alarm {
	var out []Alarm
	confirmed := map[string]int64{} // device -> index of its confirmation, until its first login
	for i := range w.Events {
		e := &w.Events[i]
		if e.Result != ResultOK || e.Device == "" {
			continue
		}
		switch e.Operation {
		case DeviceConfirm:
			confirmed[e.Device] = e.Index
		case SessionLogin, SessionLoginPasskey:
			at, ok := confirmed[e.Device]
			if !ok {
				continue
			}
			delete(confirmed, e.Device)
			out = append(out, Alarm{Kind: AlarmNewDevice, Key: fmt.Sprintf("%s|%s|%s|%d", AlarmNewDevice, w.Log, e.Device, at),
				Log: w.Log, Subject: e.Device, Time: e.Time, Index: e.Index, Count: 1})
		}
	}
	return out
}

// offHours finds providers' accesses outside the allowed hours: one alarm
// per provider and local day.
func offHours(w Window) []Alarm {
	var out []Alarm
	seen := map[string]bool{}
	for i := range w.Events {
		e := &w.Events[i]
		if e.ActorRole != RoleProvider || e.Result != ResultOK || w.Hours.Allows(e.Time) {
			continue
		}
		key := fmt.Sprintf("%s|%s|%s|%s", AlarmOffHours, w.Log, e.ActorID, e.Time.In(w.Hours.Loc).Format(time.DateOnly))
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Alarm{Kind: AlarmOffHours, Key: key, Log: w.Log, Subject: e.ActorID, Time: e.Time, Index: e.Index, Count: 1})
	}
	return out
}
