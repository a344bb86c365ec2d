package akte

import "time"

// ProviderType is the kind of institution a provider account stands for.
type ProviderType string

// The provider types of issue 14.
const (
	ProviderPractice        ProviderType = "practice" // a doctor's practice
	ProviderDentist         ProviderType = "dentist"
	ProviderPsychotherapist ProviderType = "psychotherapist"
	ProviderPharmacy        ProviderType = "pharmacy"
	ProviderHospital        ProviderType = "hospital"
	ProviderOther           ProviderType = "other"
)

// ProviderTypes lists the provider types in the order clients offer them.
func ProviderTypes() []ProviderType {
	return []ProviderType{ProviderPractice, ProviderDentist, ProviderPsychotherapist, ProviderPharmacy, ProviderHospital, ProviderOther}
}

// ProviderStatus is where a provider account stands in its verification
// by an operator (decision 0034).
type ProviderStatus string

const (
	// ProviderPending: registered, not yet decided. The account can log
	// in but is no provider: nobody finds it, nobody can grant it.
	ProviderPending ProviderStatus = "pending"
	// ProviderVerified: an operator checked the institution; patients
	// find it and may grant it access.
	ProviderVerified ProviderStatus = "verified"
	// ProviderRejected: an operator refused it; final.
	ProviderRejected ProviderStatus = "rejected"
)

// Provider is the institution data of an account registered as a
// provider (doctor's practice, dentist, psychotherapist, pharmacy,
// hospital). Nothing in it is health data. Its HPKE public key is the
// account's (Account.Keys.PublicKey); a provider has no record of its own.
type Provider struct {
	AccountID AccountID
	Type      ProviderType
	Name      string
	// TelematikID is the institution's id in the telematics
	// infrastructure (on its SMC-B card).
	TelematikID string
	// LANR (lebenslange Arztnummer) and BSNR (Betriebsstättennummer) of
	// a doctor; empty for institutions without them.
	LANR  string
	BSNR  string
	Place string
	// Search is Name and Place as the service normalized them for search
	// (lower case, single spaces); stores match on it.
	Search    string
	Status    ProviderStatus
	CreatedAt time.Time
	// DecidedAt and DecidedBy ("operator:NAME") say who verified or
	// rejected it when; nil and "" while pending.
	DecidedAt *time.Time
	DecidedBy string
}
