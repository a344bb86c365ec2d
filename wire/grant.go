package wire

import "time"

// GrantKey is one key of a grant in a slot to the grantee's public key: a
// category key version (id: seal.CategoryKeyID) or an item key (id: the
// item id).
type GrantKey struct {
	ID   string `json:"id"`
	Slot []byte `json:"slot"`
}

// GrantRequest is POST /api/v1/records/{rid}/grants. Scope is record,
// categories or items; until is the end (default: 90 days from now),
// unlimited says there is none. Keys are wrapped by the patient's client
// to the grantee's public key (GET /api/v1/records/{rid}/grantees/{id}).
type GrantRequest struct {
	Grantee    string     `json:"grantee"`
	Scope      string     `json:"scope"`
	Categories []string   `json:"categories,omitempty"`
	Items      []string   `json:"items,omitempty"`
	Write      bool       `json:"write"`
	Until      *time.Time `json:"until,omitempty"`
	Unlimited  bool       `json:"unlimited,omitempty"`
	Keys       []GrantKey `json:"keys"`
}

// Grant is a grant as GET /api/v1/records/{rid}/grants lists it: for the
// owner every grant with the grantee's public key, for a grantee its
// running grants with their keys and the record's public key.
type Grant struct {
	ID               string     `json:"id"`
	RecordID         string     `json:"record_id"`
	Grantee          string     `json:"grantee"`
	Scope            string     `json:"scope"`
	Categories       []string   `json:"categories,omitempty"`
	Items            []string   `json:"items,omitempty"`
	Write            bool       `json:"write"`
	CreatedAt        time.Time  `json:"created_at"`
	Until            *time.Time `json:"until,omitempty"`
	RevokedAt        *time.Time `json:"revoked_at,omitempty"`
	Active           bool       `json:"active"`
	Keys             []GrantKey `json:"keys,omitempty"`
	GranteePublicKey []byte     `json:"grantee_public_key,omitempty"`
	RecordPublicKey  []byte     `json:"record_public_key,omitempty"`
}

// Grantee is GET /api/v1/records/{rid}/grantees/{id}: the public key of an
// account the patient may grant to. Its fingerprint is compared out of
// band (seal.Fingerprint).
type Grantee struct {
	ID        string `json:"id"`
	PublicKey []byte `json:"public_key"`
}

// CategoryKeyAdd is POST /api/v1/records/{rid}/keys: the next version of a
// category key under the RMK, and its slot for every running grant that
// covers the category, by grant id.
type CategoryKeyAdd struct {
	Category  string              `json:"category"`
	Version   uint32              `json:"version"`
	KeyByRMK  []byte              `json:"key_by_rmk"`
	GrantKeys map[string]GrantKey `json:"grant_keys"`
}

// Hiding is one item or category hidden from one grantee.
type Hiding struct {
	Grantee  string `json:"grantee"`
	Category string `json:"category,omitempty"`
	Item     string `json:"item,omitempty"`
}

// Blocks is GET /api/v1/records/{rid}/blocks and the answer of a block:
// the blocked accounts, and the grants a block ended.
type Blocks struct {
	Blocked []string `json:"blocked"`
	Ended   []string `json:"ended,omitempty"`
}
