package wire

import "time"

// ConsentText is one consent text (GET /api/v1/consent-texts,
// /api/v1/consent-texts/{id}, /api/v1/account/consents/texts/{hash}):
// Hash is the SHA-256 of Body (lower-case hex), which the client checks
// itself before it shows the text; the listing leaves Body out.
type ConsentText struct {
	Text     string `json:"text"`
	Version  int    `json:"version"`
	Lang     string `json:"lang"`
	Hash     string `json:"hash"`
	Title    string `json:"title"`
	Required bool   `json:"required"`
	Body     string `json:"body,omitempty"`
}

// ConsentTexts is GET /api/v1/consent-texts: the current texts.
type ConsentTexts struct {
	Texts []ConsentText `json:"texts"`
}

// ConsentAnswer is a text agreed to, as shown: registration sends one per
// required text; POST /api/v1/account/consents one. Via is "web" or "cli".
type ConsentAnswer struct {
	Text    string `json:"text"`
	Version int    `json:"version"`
	Lang    string `json:"lang"`
	Hash    string `json:"hash"`
	Via     string `json:"via,omitempty"`
}

// ConsentWithdrawal is POST /api/v1/account/consents/{id}/withdraw.
type ConsentWithdrawal struct {
	Via string `json:"via"`
}

// ConsentRecord is one record of the ledger.
type ConsentRecord struct {
	ID       string    `json:"id"`
	Text     string    `json:"text"`
	Version  int       `json:"version"`
	Lang     string    `json:"lang"`
	Hash     string    `json:"hash"`
	Decision string    `json:"decision"`
	At       time.Time `json:"at"`
	Via      string    `json:"via"`
}

// ConsentState is a text's state: its newest record (null if none), and
// whether a required text is to be agreed to (again).
type ConsentState struct {
	Text     string         `json:"text"`
	Required bool           `json:"required"`
	Due      bool           `json:"due"`
	Last     *ConsentRecord `json:"last"`
}

// ConsentLedger is GET /api/v1/account/consents and the answer of a give
// or a withdrawal.
type ConsentLedger struct {
	States  []ConsentState  `json:"states"`
	Records []ConsentRecord `json:"records"`
	Due     []string        `json:"due"`
	// DeleteAt is when the account is deleted after the withdrawal of the
	// processing consent (null if it was not withdrawn).
	DeleteAt *time.Time `json:"delete_at"`
}

// Restriction is GET/PUT/DELETE /api/v1/account/restriction.
type Restriction struct {
	Restricted bool       `json:"restricted"`
	Since      *time.Time `json:"since"`
}
