package akte

import (
	"fmt"
	"time"
)

// AccountID identifies an account; it is random and never reused.
type AccountID string

// DeviceID identifies one client installation of one account. The client
// creates it; the server treats it as opaque text.
type DeviceID string

// KDFParams are the client's Argon2id parameters for the password split of
// design §4.1. They are stored with the account so they can be raised later.
type KDFParams struct {
	Alg     string `json:"alg"`     // "argon2id"
	Salt    []byte `json:"salt"`    // 16 random bytes, chosen by the client
	Memory  uint32 `json:"memory"`  // KiB
	Time    uint32 `json:"time"`    // iterations
	Threads uint8  `json:"threads"` // parallelism
}

// Bounds of the Argon2id parameters (docs/crypto.md §9.1). The server
// refuses parameters outside them from clients, and every client refuses
// them from the server before it derives anything: the floor is design §4's
// minimum, below which a login secret seen by a lying server gives the
// password away cheaply; the ceilings keep a server from making a client
// hang or run out of memory (1 GiB is what a phone's browser tab can still
// allocate; the work bound, memory × passes, is about 21 times the floor's,
// some 5 s natively and 11 s in WebAssembly).
const (
	KDFMinMemory  = 64 * 1024   // KiB
	KDFMaxMemory  = 1024 * 1024 // KiB
	KDFMinTime    = 3
	KDFMaxWork    = 4 * 1024 * 1024 // memory in KiB × time
	KDFMinThreads = 4
	KDFMaxThreads = 16
	KDFMinSalt    = 16 // bytes
	KDFMaxSalt    = 64
)

// OutOfBounds reports which parameter of k lies outside the bounds:
// reason is "" when all are inside, "kdf_unsupported" for another
// algorithm, "kdf_below_floor" or "kdf_above_ceiling"; field names the
// parameter ("alg", "salt", "memory", "time", "threads"), limit the bound
// it crossed and got its value.
func (k KDFParams) OutOfBounds() (reason, field string, limit, got uint64) {
	switch {
	case k.Alg != "argon2id":
		return "kdf_unsupported", "alg", 0, 0
	case len(k.Salt) < KDFMinSalt:
		return "kdf_below_floor", "salt", KDFMinSalt, uint64(len(k.Salt))
	case len(k.Salt) > KDFMaxSalt:
		return "kdf_above_ceiling", "salt", KDFMaxSalt, uint64(len(k.Salt))
	case k.Memory < KDFMinMemory:
		return "kdf_below_floor", "memory", KDFMinMemory, uint64(k.Memory)
	case k.Memory > KDFMaxMemory:
		return "kdf_above_ceiling", "memory", KDFMaxMemory, uint64(k.Memory)
	case k.Time < KDFMinTime:
		return "kdf_below_floor", "time", KDFMinTime, uint64(k.Time)
	case uint64(k.Memory)*uint64(k.Time) > KDFMaxWork:
		return "kdf_above_ceiling", "time", KDFMaxWork / uint64(k.Memory), uint64(k.Time)
	case k.Threads < KDFMinThreads:
		return "kdf_below_floor", "threads", KDFMinThreads, uint64(k.Threads)
	case k.Threads > KDFMaxThreads:
		return "kdf_above_ceiling", "threads", KDFMaxThreads, uint64(k.Threads)
	}
	return "", "", 0, 0
}

// KeyBundle is what a client needs to open its keys: every secret in it is
// wrapped (sealed) on the client. The server stores and returns it verbatim.
type KeyBundle struct {
	// UMKByPassword is the user master key sealed under the password key.
	UMKByPassword []byte `json:"umk_by_password"`
	// UMKByRecovery is the user master key sealed under the recovery key.
	UMKByRecovery []byte `json:"umk_by_recovery"`
	// RecoveryByUMK is the recovery key sealed under the user master key, so
	// a logged-in user can show it again.
	RecoveryByUMK []byte `json:"recovery_by_umk"`
	// PublicKey is the user's HPKE public key (ML-KEM-768 + P-256).
	PublicKey []byte `json:"public_key"`
	// PrivateKeyByUMK is the matching private key sealed under the UMK.
	PrivateKeyByUMK []byte `json:"private_key_by_umk"`
}

// Account is a registered user. Nothing in it is health data.
type Account struct {
	ID        AccountID
	Email     string // lower-cased
	KVNR      string // 10-character unchangeable part
	BirthDate string // YYYY-MM-DD
	// Lang is the account's language, "de" or "en": its mails', and the
	// web app's after a login on any device (decision 0031). Chosen at
	// registration, changed by the owner.
	Lang string
	KDF  KDFParams
	// LoginHash is the server's slow hash (PHC string) of the login secret.
	LoginHash string
	// RecoveryHash is the server's hash of the recovery verifier, which the
	// client derives from the recovery key; it proves possession of the key.
	RecoveryHash string
	Keys         KeyBundle
	// TOTPSecret is the RFC 6238 shared secret (base32).
	TOTPSecret string
	// TOTPLastCounter is the highest time step accepted so far; a code is
	// never accepted twice (RFC 6238 §5.2).
	TOTPLastCounter int64
	CreatedAt       time.Time
	ConfirmedAt     *time.Time // e-mail confirmed
	BlockedAt       *time.Time // blocked by an operator
	PasswordChanged time.Time
	// Rev counts the writes of UpdateAccount and RotateKeys: a copy read
	// before another write is refused when written back (KindConflict,
	// reason account_changed) instead of undoing that write.
	Rev int64
}

// Confirmed reports whether the e-mail address was confirmed.
func (a *Account) Confirmed() bool { return a.ConfirmedAt != nil }

// Device is one client installation of an account.
type Device struct {
	AccountID   AccountID
	ID          DeviceID
	Name        string
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	BlockedAt   *time.Time
	LastSeenAt  time.Time
	// SecretHash is the SHA-256 of the device secret the client holds (a
	// "device cookie" in OWASP's words): a login that presents it counts its
	// failures on the device's own counter. Empty: none issued.
	SecretHash []byte
}

// Session is a logged-in device. The bearer token itself is never stored,
// only its SHA-256 hash; ID is a separate public handle for listing and
// revoking sessions.
type Session struct {
	ID         string
	TokenHash  []byte
	AccountID  AccountID
	DeviceID   DeviceID
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute lifetime
	ClientAddr string
	UserAgent  string
	// ClientKey is the server's share of the key under which the CLI keeps
	// the user master key sealed on disk (docs/crypto.md, section 9.4):
	// random, given out only to a request signed with DeviceKey
	// (SessionKeyMessage), never to the bearer token alone.
	ClientKey []byte
	// DeviceKey is the Ed25519 public key the client sent at login; empty
	// for a session that never gets its ClientKey (the web app's).
	DeviceKey []byte
}

// SessionKeyMaxSkew is how far the time a request for a session's
// ClientKey was signed at may lie from the server's clock.
const SessionKeyMaxSkew = 5 * time.Minute

// SessionKeyMessage is what the device signs to get its session's
// ClientKey: a domain-separated statement binding the session's public id
// and the time of signing in Unix milliseconds.
func SessionKeyMessage(sessionID string, unixMilli int64) []byte {
	return fmt.Appendf(nil, "akte v1 session key\x00%s\x00%d", sessionID, unixMilli)
}

// TokenPurpose says what a single-use token or code is for.
type TokenPurpose string

const (
	TokenEmailConfirm  TokenPurpose = "email-confirm"
	TokenDeviceConfirm TokenPurpose = "device-confirm"
	TokenPasswordReset TokenPurpose = "password-reset" // erase-and-reset without recovery key
	TokenRecovery      TokenPurpose = "recovery"       // reset with recovery key, second step
	TokenEmailChange   TokenPurpose = "email-change"   // moving an account to another address
)

// Token is a single-use code or link secret, stored only as a hash.
type Token struct {
	Hash      []byte
	Purpose   TokenPurpose
	AccountID AccountID
	DeviceID  DeviceID // for device confirmation
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}
