package service

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"time"
	_ "time/tzdata" // the reminders' time zones, whatever the host has

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Intake reminders of the medication plan (issue 17 item 4, decision
// 0045). The plan stays sealed on the patient's devices; the server keeps
// only the local times of day and the time zone, and at each time sends a
// mail that says it is time for the medication — never which. The client
// clears them when the medication service is switched off.

// ReminderLate bounds how late a reminder still goes (a server that was
// down sends none for times long past).
const ReminderLate = 2 * time.Hour

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// ParseReminderTime reads "HH:MM" as minutes after midnight; "" is -1 (no
// reminder).
func ParseReminderTime(v string) (int, bool) {
	if v == "" {
		return -1, true
	}
	m := hhmm.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	return h*60 + min, true
}

// FormatReminderTime is the inverse of ParseReminderTime.
func FormatReminderTime(m int) string {
	if m < 0 {
		return ""
	}
	return strconv.Itoa(m/60/10) + strconv.Itoa(m/60%10) + ":" + strconv.Itoa(m%60/10) + strconv.Itoa(m%60%10)
}

// SetReminders stores the caller's reminders: times "HH:MM" (or "") for
// morning, noon, evening and night in the time zone tz. All empty clears
// them.
func (s *Service) SetReminders(ctx context.Context, p *Principal, tz string, times [4]string, via string) (*akte.Reminder, error) {
	const op = "medication.reminders_set"
	switch via {
	case "":
		via = akte.ReminderMail
	case akte.ReminderMail, akte.ReminderPush, akte.ReminderBoth:
	default:
		return nil, akte.R(op, akte.KindInvalid, "reminder_via_invalid", map[string]any{"via": via}, "")
	}
	if via != akte.ReminderMail && s.push == nil {
		return nil, akte.R(op, akte.KindUnavailable, "push_off", nil, "")
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return nil, akte.R(op, akte.KindInvalid, "reminder_tz_invalid", map[string]any{"tz": tz}, "")
	}
	x := &akte.Reminder{AccountID: p.Account.ID, TZ: tz, Via: via}
	set := false
	for i, v := range times {
		m, ok := ParseReminderTime(v)
		if !ok {
			return nil, akte.R(op, akte.KindInvalid, "reminder_time_invalid", map[string]any{"slot": akte.ReminderSlots[i], "value": v}, "")
		}
		x.Times[i], set = m, set || m >= 0
	}
	if !set {
		return nil, s.ClearReminders(ctx, p)
	}
	now := s.nowUTC()
	x.UpdatedAt, x.LastSent = now, now
	if err := s.store.SetReminder(ctx, x); err != nil {
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "account:" + string(p.Account.ID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return x, nil
}

// RemindersOf returns the caller's reminders; KindNotFound if none.
func (s *Service) RemindersOf(ctx context.Context, p *Principal) (*akte.Reminder, error) {
	x, err := s.store.Reminder(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R("medication.reminders_read", akte.KindNotFound, "reminders_none", nil, "")
	}
	if err != nil {
		return nil, internal("medication.reminders_read", err)
	}
	return x, nil
}

// ClearReminders removes the caller's reminders at once (none is not an
// error: the medication service's switch-off clears whatever there is).
func (s *Service) ClearReminders(ctx context.Context, p *Principal) error {
	const op = "medication.reminders_clear"
	err := s.store.DeleteReminder(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return nil
	}
	if err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "account:" + string(p.Account.ID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return nil
}

// dueReminder returns the latest instant in (after, now] at which one of
// x's times falls, and its slot; ok false if none.
func dueReminder(x *akte.Reminder, after, now time.Time) (time.Time, int, bool) {
	loc, err := time.LoadLocation(x.TZ)
	if err != nil {
		return time.Time{}, 0, false
	}
	local := now.In(loc)
	var best time.Time
	slot := -1
	for d := 0; d <= 1; d++ { // today and yesterday
		day := local.AddDate(0, 0, -d)
		for i, m := range x.Times {
			if m < 0 {
				continue
			}
			t := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc).UTC()
			if t.After(after) && !t.After(now) && t.After(best) {
				best, slot = t, i
			}
		}
	}
	return best, slot, slot >= 0
}

// runReminders sends the reminders due: one mail or push per account and round
// for the latest time passed since the last one, none for a time more
// than ReminderLate ago. Marked sent before the mail, so that of two
// rounds one sends.
func (s *Service) runReminders(ctx context.Context, now time.Time) error {
	xs, err := s.store.Reminders(ctx)
	if err != nil {
		return err
	}
	for _, x := range xs {
		after := x.LastSent
		if x.UpdatedAt.After(after) {
			after = x.UpdatedAt
		}
		at, slot, ok := dueReminder(x, after, now)
		if !ok {
			continue
		}
		sent, err := s.store.MarkReminderSent(ctx, x.AccountID, at)
		if err != nil {
			return err
		}
		if !sent || now.Sub(at) > ReminderLate {
			continue
		}
		a, err := s.store.Account(ctx, x.AccountID)
		if err != nil {
			continue
		}
		if x.Via != akte.ReminderPush {
			s.event(ctx, akte.Event{AccountID: x.AccountID, Operation: "medication.reminder_sent", Object: "mail:" + string(x.AccountID),
				ActorID: "system", ActorRole: "system"})
			s.mail(ctx, "medication.reminder_sent", a, mail.MedicationReminder{Slot: akte.ReminderSlots[slot], Time: FormatReminderTime(x.Times[slot])})
		}
		if x.Via == akte.ReminderPush || x.Via == akte.ReminderBoth {
			msg, _ := json.Marshal(PushMessage{Type: "medication_reminder", Slot: akte.ReminderSlots[slot], Time: FormatReminderTime(x.Times[slot])})
			s.pushReminder(ctx, x.AccountID, msg)
		}
	}
	return nil
}
