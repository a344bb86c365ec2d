package akte

import "time"

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
