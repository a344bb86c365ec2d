package akte

import "time"

// Reminder is an account's intake reminders of the medication plan
// (issue 17 item 4, decision 0045): the local times of day and the time
// zone, nothing else. The server never learns which medication they are
// for; the mail it sends says only that it is time for the medication.
type Reminder struct {
	AccountID AccountID
	// TZ is the IANA time zone the times are local to, e.g. Europe/Berlin.
	TZ string
	// Times are the minutes after midnight of morning, noon, evening and
	// night; -1 where no reminder is set.
	Times [4]int
	// UpdatedAt is when the times were set; no reminder fires for a time
	// before it.
	UpdatedAt time.Time
	// LastSent is the (UTC) instant of the last reminder fired, so that
	// each goes once however many rounds or replicas see it due.
	LastSent time.Time
}

// ReminderSlots names the four times of the BMP dose schema in order.
var ReminderSlots = [4]string{"morning", "noon", "evening", "night"}
