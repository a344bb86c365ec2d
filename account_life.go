package akte

import (
	"fmt"
	"time"
)

// Termination is an account's notice (Kündigung, issue 16 item 7): at
// DeleteAt, after the grace period, its health data, keys and sessions are
// deleted for good; until then the owner can take it back.
type Termination struct {
	AccountID   AccountID
	RequestedAt time.Time
	DeleteAt    time.Time
	// Notices counts the reminder mails sent so far (0: none yet after the
	// one at the request; 1: the one a week before; 2: the one a day
	// before), so that a round of the jobs sends each once.
	Notices int
	// Withdrawal marks a deletion that follows the withdrawal of the
	// processing consent (decision 0044): giving it again takes the
	// deletion back, "account keep" does not.
	Withdrawal bool
}

// UsageData is what the operator keeps of an account for billing (issue 16,
// item 8; docs/decisions/0047-usage-data.md), in tables of its own and
// apart from health data: when it was registered, the insurer that opened
// it (if one did), the last access in each of the last five quarters, and
// when it ended. It outlives the account by up to 15 months.
type UsageData struct {
	AccountID    AccountID
	RegisteredAt time.Time
	Insurer      string
	TerminatedAt *time.Time
	// Quarters holds the last access in each quarter, the latest first.
	Quarters []QuarterAccess
}

// QuarterAccess is the last access of an account within a quarter.
type QuarterAccess struct {
	Quarter    string // as Quarter writes it, e.g. "2026-Q4"
	LastAccess time.Time
}

// Quarter names the calendar quarter of t (UTC), e.g. "2026-Q4"; the names
// sort as the quarters do.
func Quarter(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%04d-Q%d", t.Year(), (int(t.Month())+2)/3)
}
