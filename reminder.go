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
	// Via is where the reminders go: ReminderMail, ReminderPush or
	// ReminderBoth (decision 0051).
	Via string
}

// The channels of the reminders.
const (
	ReminderMail = "mail"
	ReminderPush = "push" // Web Push to the account's subscribed devices
	ReminderBoth = "both"
)

// PushSubscription is one browser's Web Push subscription (RFC 8030) of
// an account (decision 0051): the push service's endpoint URL, which the
// server calls, and the browser's keys the message is encrypted to (RFC
// 8291). The server sends to it only generic reminder texts.
type PushSubscription struct {
	ID        string
	AccountID AccountID
	DeviceID  DeviceID // the device that subscribed; may be empty
	Endpoint  string
	P256DH    []byte // the browser's P-256 public key, 65 bytes
	Auth      []byte // the browser's authentication secret, 16 bytes
	CreatedAt time.Time
}

// ReminderSlots names the four times of the BMP dose schema in order.
var ReminderSlots = [4]string{"morning", "noon", "evening", "night"}
