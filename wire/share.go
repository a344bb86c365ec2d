package wire

import "time"

// ShareRequest is POST /api/v1/records/{rid}/shares: a share of items
// (decision 0042). ID and Proof are derived by the client from the
// share's secret and password (client/core); each item's key is wrapped
// under the share key (seal.ViaShare). ExpiresAt is optional (14 days).
type ShareRequest struct {
	ID        string      `json:"id"`
	Code      bool        `json:"code"`
	Password  bool        `json:"password"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	Proof     []byte      `json:"proof"`
	Items     []ShareItem `json:"items"`
}

// ShareItem is one shared item and its key under the share key.
type ShareItem struct {
	ID   string `json:"id"`
	Slot []byte `json:"slot,omitempty"`
}

// Share is a share as its owner sees it (the answer to a creation, and
// GET /api/v1/records/{rid}/shares): State is "open", "expired",
// "revoked" or "locked"; Views is the view log.
type Share struct {
	ID        string      `json:"id"`
	Code      bool        `json:"code"`
	Password  bool        `json:"password"`
	CreatedAt time.Time   `json:"created_at"`
	ExpiresAt time.Time   `json:"expires_at"`
	RevokedAt *time.Time  `json:"revoked_at,omitempty"`
	LockedAt  *time.Time  `json:"locked_at,omitempty"`
	Failures  int         `json:"failures"`
	State     string      `json:"state"`
	Items     []string    `json:"items"`
	Views     []time.Time `json:"views"`
}

// ShareOpen is POST /api/v1/shares/open, without a session: the share's
// id and proof. Every failure answers 404 share_unavailable.
type ShareOpen struct {
	ID    string `json:"id"`
	Proof []byte `json:"proof"`
}

// OpenedShare answers ShareOpen: the items with their keys under the
// share key. An item's content is GET /api/v1/shares/{id}/items/{item}/content
// with the proof in the header ShareProofHeader (base64).
type OpenedShare struct {
	ID        string       `json:"id"`
	ExpiresAt time.Time    `json:"expires_at"`
	Items     []SharedItem `json:"items"`
}

// SharedItem is an item of an opened share.
type SharedItem struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Size       int64     `json:"size"`
	CreatedAt  time.Time `json:"created_at"`
	MetaSealed []byte    `json:"meta_sealed"`
	Slot       []byte    `json:"slot"`
}

// ShareProofHeader carries a share's proof on its content route.
const ShareProofHeader = "Akte-Share-Proof"
