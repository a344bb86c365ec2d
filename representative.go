package akte

import "time"

// MaxRepresentatives is how many representatives one record may have
// (issue 14: "up to five").
const MaxRepresentatives = 5

// Representative is a person the patient named to act for them in one
// record (design §1, decision 0036). The patient names them by e-mail and
// KVNR; the server ties the naming to an account only when that account
// accepts, proving it holds both (so naming someone tells the patient
// nothing about whether the account exists). The record master key is
// wrapped to the representative's public key by the patient's client;
// the server hands it only to the representative, and to an emergency
// representative only once the waiting period has passed.
type Representative struct {
	ID     string
	Owner  AccountID // the patient whose record it is
	Record RecordID
	Email  string // as named, lower-cased
	KVNR   string // as named
	// WaitDays is the emergency waiting period in days; 0: a representative
	// whose access starts with the acceptance.
	WaitDays int
	// Account is the representative's account, set at acceptance.
	Account    AccountID
	CreatedAt  time.Time
	AcceptedAt *time.Time
	// PublicKey is the representative's public key that RMKSlot was
	// wrapped to, RMKSlot the record master key in a slot of type
	// seal.RecordMasterKey via seal.ViaPublicKey; both empty until the
	// patient's client wrapped it.
	PublicKey []byte
	RMKSlot   []byte
	// The emergency request: when it was made and when access opens;
	// RemindedAt when the patient was told it opens soon, OpenedAt when
	// the opening was recorded; RefusedAt when the patient last refused.
	RequestedAt *time.Time
	OpensAt     *time.Time
	RemindedAt  *time.Time
	OpenedAt    *time.Time
	RefusedAt   *time.Time
}

// Emergency reports whether the representative waits for access.
func (r *Representative) Emergency() bool { return r.WaitDays > 0 }

// Open reports whether an emergency representative's waiting period has
// passed at now (a representative without waiting period: once accepted).
func (r *Representative) Open(now time.Time) bool {
	if r.AcceptedAt == nil {
		return false
	}
	if !r.Emergency() {
		return true
	}
	return r.OpensAt != nil && !now.Before(*r.OpensAt)
}
