package akte

import "time"

// Event is one entry of the audit protocol (design §7). Authentication
// events are written now; the tamper-evident chain is built over this shape.
// No field holds health data.
type Event struct {
	ID         int64
	Time       time.Time
	AccountID  AccountID // whose record or account the event concerns; may be empty
	Operation  string    // e.g. "account.register", "session.login"
	Object     string    // what was acted on, e.g. "device:abc", "session:xyz"
	ActorID    string    // account id, "operator:NAME" or "system"
	ActorRole  string    // patient, operator, system, anonymous
	DeviceID   DeviceID
	ClientAddr string // kept 14 days (retention job), then cleared
	Result     string // "ok" or an error code
	Code       string // protocol code / reason, e.g. "wrong_totp"
}

// Event results.
const (
	ResultOK     = "ok"
	ResultFailed = "failed"
)
