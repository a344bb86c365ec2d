package wire

// DonationOffer is GET /api/v1/donation: whether the operator configured a
// research sink, its age X25519 recipient (clients pin it and show its
// fingerprint, decision 0048), the categories and the largest extract.
type DonationOffer struct {
	Offered    bool     `json:"offered"`
	Recipient  string   `json:"recipient,omitempty"`
	Categories []string `json:"categories"`
	MaxBytes   int      `json:"max_bytes"`
}

// DonationRelayed answers POST /api/v1/account/donations.
type DonationRelayed struct {
	Categories []string `json:"categories"`
	Bytes      int      `json:"bytes"`
}
