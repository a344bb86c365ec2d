package wire

import "time"

// RepresentativeAdd is POST /api/v1/records/{rid}/representatives.
type RepresentativeAdd struct {
	Email string `json:"email"`
	KVNR  string `json:"kvnr"`
	// EmergencyWaitDays > 0 names an emergency representative.
	EmergencyWaitDays int `json:"emergency_wait_days,omitempty"`
}

// Representative is one representative of a record (decision 0036).
type Representative struct {
	ID                string `json:"id"`
	RecordID          string `json:"record_id"`
	Email             string `json:"email"`
	KVNR              string `json:"kvnr"`
	EmergencyWaitDays int    `json:"emergency_wait_days"`
	// Role is what the entry makes its person in the record: invited,
	// representative, emergency_waiting or emergency_open.
	Role       string     `json:"role"`
	CreatedAt  time.Time  `json:"created_at"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	// AccountKey is, in the patient's list, the accepted representative's
	// current public key: the patient's client shows its fingerprint and
	// wraps the record key to it.
	AccountKey []byte `json:"account_key,omitempty"`
	// KeyHandedOver says the record key was wrapped to the representative
	// (to KeyFingerprintOf PublicKey).
	KeyHandedOver bool       `json:"key_handed_over"`
	PublicKey     []byte     `json:"public_key,omitempty"`
	RequestedAt   *time.Time `json:"requested_at,omitempty"`
	OpensAt       *time.Time `json:"opens_at,omitempty"`
	RefusedAt     *time.Time `json:"refused_at,omitempty"`
}

// RepresentativeKey is PUT /api/v1/records/{rid}/representatives/{id}/key:
// the record master key the patient's client wrapped to PublicKey.
type RepresentativeKey struct {
	PublicKey []byte `json:"public_key"`
	RMKSlot   []byte `json:"rmk_slot"`
}

// RepresentativeAccept is POST /api/v1/records/{rid}/representatives/accept:
// the named person states the KVNR the patient named.
type RepresentativeAccept struct {
	KVNR string `json:"kvnr"`
}
