package wire

import "time"

// ActivateRequest is POST /api/v1/accounts/activate: a registration with
// the activation code of the letter an insurer sent (decision 0043). The
// birth date is the account shell's; the one sent is ignored.
type ActivateRequest struct {
	RegisterRequest
	Code string `json:"code"`
}

// OpenRecordRequest is POST /api/v1/insurer/records: an insurer opens a
// record for an insured.
type OpenRecordRequest struct {
	KVNR      string `json:"kvnr"`
	BirthDate string `json:"birth_date"`
	Email     string `json:"email,omitempty"`
}

// OpenRecordResponse carries the one-time activation code, returned
// once, for the letter.
type OpenRecordResponse struct {
	ID        string    `json:"activation_id"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// App is a registered app (or the record's insurer) as the patient sees
// it: what it may add, and whether it is connected.
type App struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Category    string     `json:"category"`
	Connected   bool       `json:"connected"`
	ConnectedAt *time.Time `json:"connected_at,omitempty"`
}

// Apps is GET /api/v1/records/{rid}/apps.
type Apps struct {
	Apps []App `json:"apps"`
}

// RecordKey is GET /api/v1/records/{rid}/public-key: the key write-only
// parties seal to. Clients compare its fingerprint with the one the
// patient confirmed.
type RecordKey struct {
	RecordID  string `json:"record_id"`
	PublicKey []byte `json:"public_key"`
}

// PartyRegistration is what akte admin app|insurer register prints once.
type PartyRegistration struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Credential string `json:"credential"`
}
