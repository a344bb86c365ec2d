package audit

import "time"

// Class says which retention rule applies to an event.
type Class string

const (
	// ClassProtocol: an entry of a record's protocol. Kept until the end of
	// the year after its creation; the newest KeepNewest of a record
	// always (seeds 001).
	ClassProtocol Class = "protocol"
	// ClassSecurity: an event of the system log that concerns no record
	// (failed logins to unknown accounts, the system's jobs).
	ClassSecurity Class = "security"
	// ClassOperator: an operator's action in the system log.
	ClassOperator Class = "operator"
)

// ClassOf returns the class of an event with the operation in the log.
func ClassOf(log string, op Operation) Class {
	if log != SystemLog {
		return ClassProtocol
	}
	if o, _ := op.Info(); o.Area == AreaOperator {
		return ClassOperator
	}
	return ClassSecurity
}

// Policy holds the retention periods (design §6; all configurable).
// Retention deletes event rows and blanks addresses; it never deletes the
// stored hashes of a log or its latest checkpoint, so every proof keeps
// working: a client still verifies the events that remain, and that the
// log extends the last checkpoint it saw, however old.
type Policy struct {
	Addr       time.Duration // client addresses in events
	KeepNewest int64         // protocol entries a record always keeps
	Security   time.Duration // security events of the system log
	Operator   time.Duration // operator actions in the system log
}

// DefaultPolicy returns the defaults: addresses 14 days (seeds 001),
// protocol entries to the end of the following year with the newest 50
// kept (seeds 001), security events one year, operator actions three years
// (decision 0013).
func DefaultPolicy() Policy {
	return Policy{
		Addr:       14 * 24 * time.Hour,
		KeepNewest: 50,
		Security:   365 * 24 * time.Hour,
		Operator:   3 * 365 * 24 * time.Hour,
	}
}

// AddrCutoff returns the time before which events keep no client address.
func (p Policy) AddrCutoff(now time.Time) time.Time { return now.Add(-p.Addr) }

// Cutoff returns the time before which events of the class have expired.
// For protocol entries that is the start of the previous year (UTC): an
// entry of 2025 expires when 2026 ends, so on 1 January 2027 the cutoff is
// 1 January 2026.
func (p Policy) Cutoff(now time.Time, c Class) time.Time {
	switch c {
	case ClassSecurity:
		return now.Add(-p.Security)
	case ClassOperator:
		return now.Add(-p.Operator)
	default:
		return time.Date(now.UTC().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
}

// Expired reports whether an event of the class, logged at t, is deleted
// at now; fromNewest is its position counted from the newest event of its
// log (0 for the newest). The newest KeepNewest protocol entries never
// expire.
func (p Policy) Expired(now time.Time, c Class, t time.Time, fromNewest int64) bool {
	if c == ClassProtocol && fromNewest < p.KeepNewest {
		return false
	}
	return t.Before(p.Cutoff(now, c))
}

// AddrExpired reports whether the client address of an event logged at t
// is removed at now.
func (p Policy) AddrExpired(now, t time.Time) bool { return t.Before(p.AddrCutoff(now)) }

// ProtocolDelete returns what retention deletes from a record's log of
// size events at now: the events before index end that were logged before
// the time before. Because a log's times never decrease, that is always a
// prefix of the log, and a verifying client sees it as the page starting
// after it.
func (p Policy) ProtocolDelete(now time.Time, size int64) (end int64, before time.Time) {
	return max(size-p.KeepNewest, 0), p.Cutoff(now, ClassProtocol)
}
