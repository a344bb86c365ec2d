package wire

import "github.com/akte/akte"

// ProviderRegisterRequest is POST /api/v1/providers: a provider's
// registration, the account's part as in RegisterRequest (no KVNR, no
// date of birth, no record: a provider has none) and the institution.
type ProviderRegisterRequest struct {
	Email            string         `json:"email"`
	KDF              akte.KDFParams `json:"kdf"`
	LoginSecret      []byte         `json:"login_secret"`
	RecoveryVerifier []byte         `json:"recovery_verifier"`
	Keys             akte.KeyBundle `json:"keys"`
	DeviceID         string         `json:"device_id"`
	DeviceName       string         `json:"device_name"`
	Lang             string         `json:"lang,omitempty"`
	Provider         Institution    `json:"provider"`
}

// Institution is the institution data a provider registers with.
type Institution struct {
	// Type is practice, dentist, psychotherapist, pharmacy, hospital or
	// other.
	Type        string `json:"type"`
	Name        string `json:"name"`
	TelematikID string `json:"telematik_id"`
	// LANR and BSNR come together; a practice must give them.
	LANR  string `json:"lanr,omitempty"`
	BSNR  string `json:"bsnr,omitempty"`
	Place string `json:"place,omitempty"`
}

// Provider is a provider as GET /api/v1/providers (search: no key),
// GET /api/v1/providers/{id} (a verified one, with its public key) and
// GET /api/v1/account/provider (one's own, with its status) show it. The
// server sends no fingerprint: clients compute it from PublicKey.
type Provider struct {
	ID string `json:"id"`
	Institution
	// Status is pending, verified or rejected; only in one's own entry.
	Status    string `json:"status,omitempty"`
	PublicKey []byte `json:"public_key,omitempty"`
}
