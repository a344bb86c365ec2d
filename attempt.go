package akte

import "time"

// Attempts is the counter of one limited key (a secret such as an
// account's password and TOTP code, or an action such as registrations
// from one client address): the attempts counted in its current window and
// when the next may come. Store.TakeAttempts reads and writes it atomically;
// package service decides what a key allows.
type Attempts struct {
	N     int       // attempts counted since Start
	Start time.Time // the first attempt of the current window; zero: none
	Next  time.Time // no attempt is allowed before this time
}
