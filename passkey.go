package akte

import "time"

// Passkey is a WebAuthn credential an account holds as a second factor
// beside its TOTP app (docs/decisions/0030-passkeys.md). Credential is
// the relying party's record of it (the public key, flags and attestation
// as the WebAuthn library keeps them), opaque to the store.
type Passkey struct {
	ID           string // short id the owner names it by (list, remove)
	AccountID    AccountID
	CredentialID []byte // the authenticator's credential id, unique on the server
	Name         string
	Credential   []byte
	SignCount    uint32 // the authenticator's signature counter at its last use
	CreatedAt    time.Time
	LastUsedAt   *time.Time
}

// PasskeyChallenge is a WebAuthn challenge the server issued, stored as
// its hash until it is used once or expires. AccountID is the account
// that registers a passkey; empty for a login, whose account is named
// only by the answer.
type PasskeyChallenge struct {
	Hash      []byte
	Purpose   string // "register" or "login"
	AccountID AccountID
	CreatedAt time.Time
	ExpiresAt time.Time
}
