package akte

import "time"

// PartyID identifies a write-only party: a health app (DiGA) or an
// insurer's service account (decision 0043).
type PartyID string

// PartyKind is what a write-only party is.
type PartyKind string

// The kinds of write-only parties (design §1).
const (
	PartyApp     PartyKind = "app"
	PartyInsurer PartyKind = "insurer"
)

// Party is a service account the operator registered: it authenticates
// with a credential (stored as its hash) and may only add items, into
// the category of its kind, to records that are linked to it.
type Party struct {
	ID         PartyID
	Kind       PartyKind
	Name       string
	SecretHash []byte
	CreatedAt  time.Time
}

// Category is the one category a party of this kind adds to.
func (k PartyKind) Category() CategoryID {
	if k == PartyInsurer {
		return "billing"
	}
	return "apps"
}

// PartyLink says that a party may add to a record: the patient connected
// the app, or the insured activated the record the insurer opened.
type PartyLink struct {
	Party     PartyID
	AccountID AccountID // the record's owner
	Record    RecordID
	CreatedAt time.Time
}

// Activation is the shell of an account an insurer opened for its
// insured: KVNR, birth date, optional e-mail and the hash of the one-time
// code printed in the letter. It becomes an account when the insured
// activates it (AccountID, UsedAt); unused, it is deleted after 4 weeks.
type Activation struct {
	ID        string
	Insurer   PartyID
	KVNR      string
	BirthDate string
	Email     string
	CodeHash  []byte
	CreatedAt time.Time
	AccountID AccountID
	UsedAt    *time.Time
}
