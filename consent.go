package akte

import "time"

// ConsentText is one version of a consent text in one language, as it
// was shown (issue 16 item 1, decision 0044): the ledger keeps its exact
// wording by its hash, so that a record can always be read back even
// after the operator replaced the texts.
type ConsentText struct {
	ID      string
	Version int
	Lang    string
	// Hash is the SHA-256 of Body in lower-case hex.
	Hash string
	Body string
}

// Decision is what a consent record says.
type Decision string

// The decisions of the ledger.
const (
	ConsentGiven     Decision = "given"
	ConsentWithdrawn Decision = "withdrawn"
)

// ConsentVia is how a decision reached the ledger.
type ConsentVia string

// The ways a decision is made: in the web app, with the CLI, or on
// paper, recorded by the operator.
const (
	ViaWeb   ConsentVia = "web"
	ViaCLI   ConsentVia = "cli"
	ViaPaper ConsentVia = "paper"
)

// Consent is one record of the ledger: append-only, never changed. A
// consent's state is its newest record. The records outlive the account
// (EndedAt set when it is deleted) by the retention of consent evidence,
// 3 years after the contract ends (design §6).
type Consent struct {
	ID        string
	AccountID AccountID
	Text      string
	Version   int
	Lang      string
	Hash      string
	Decision  Decision
	At        time.Time
	Via       ConsentVia
	// EndedAt is when the account's contract ended (nil while it lasts).
	EndedAt *time.Time
}

// Restriction is a patient's restriction of processing (Art. 18 GDPR,
// issue 16 item 6): while it lasts the record is the patient's alone and
// the services stop.
type Restriction struct {
	AccountID AccountID
	Since     time.Time
}
