// Package wire holds the JSON shapes of the /api/v1 requests and responses,
// shared by the server (package api) and the clients (package client), so
// both sides read one definition. Binary fields are base64 (standard
// alphabet, padded), as encoding/json writes []byte.
package wire

import (
	"time"

	"github.com/akte/akte"
)

// Error is the error body of every failed request.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names the error kind (akte.Kind.String), the stable reason
// code clients translate (akte.Error.Reason; the kind's code when there is
// no finer one) with its parameters, and says in English what went wrong,
// for API users (the catalogue's text of the reason, package catalog).
type ErrorDetail struct {
	Code    string         `json:"code"`
	Reason  string         `json:"reason"`
	Params  map[string]any `json:"params,omitempty"`
	Message string         `json:"message"`
}

// RegisterRequest is POST /api/v1/accounts.
type RegisterRequest struct {
	Email            string         `json:"email"`
	KVNR             string         `json:"kvnr"`
	BirthDate        string         `json:"birth_date"`
	KDF              akte.KDFParams `json:"kdf"`
	LoginSecret      []byte         `json:"login_secret"`
	RecoveryVerifier []byte         `json:"recovery_verifier"`
	Keys             akte.KeyBundle `json:"keys"`
	DeviceID         string         `json:"device_id"`
	DeviceName       string         `json:"device_name"`
	Record           *RecordKeys    `json:"record"`
	// Lang is the account's language (its mails' and the web app's), "de"
	// or "en"; German if absent. Clients send the language they speak.
	Lang string `json:"lang,omitempty"`
	// Consents agree to the required texts (processing, privacy, terms)
	// at their current versions (decision 0044).
	Consents []ConsentAnswer `json:"consents"`
	// Via is the client's kind, "web" or "cli".
	Via string `json:"via"`
}

// RegisterResponse carries the TOTP secret, shown once, and the
// registering device's secret (also set as the device cookie).
type RegisterResponse struct {
	AccountID    string `json:"account_id"`
	TOTPSecret   string `json:"totp_secret"`
	TOTPURI      string `json:"totp_uri"`
	DeviceSecret string `json:"device_secret"`
}

// ResumeRequest is POST /api/v1/accounts/resume: an unfinished
// registration, shown again to whoever proves its password.
type ResumeRequest struct {
	Email       string `json:"email"`
	LoginSecret []byte `json:"login_secret"`
}

// ResumeResponse is what the registration showed and the patient may not
// have kept: the TOTP secret, and the key bundle from which the client
// opens the recovery key with the password.
type ResumeResponse struct {
	AccountID      string         `json:"account_id"`
	EmailConfirmed bool           `json:"email_confirmed"`
	TOTPSecret     string         `json:"totp_secret"`
	TOTPURI        string         `json:"totp_uri"`
	KDF            akte.KDFParams `json:"kdf"`
	Keys           akte.KeyBundle `json:"keys"`
}

// ConfirmRequest is POST /api/v1/accounts/confirm.
type ConfirmRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// EmailRequest names an address (resend code, prelogin, reset start).
type EmailRequest struct {
	Email string `json:"email"`
}

// PreloginResponse gives the client its Argon2id parameters.
type PreloginResponse struct {
	KDF akte.KDFParams `json:"kdf"`
}

// LoginRequest is POST /api/v1/sessions. DeviceSecret is the secret the
// device got at its last login or registration; a browser sends it as the
// device cookie instead.
type LoginRequest struct {
	Email       string `json:"email"`
	LoginSecret []byte `json:"login_secret"`
	TOTP        string `json:"totp"`
	// Passkey replaces TOTP: the PublicKeyCredential (JSON) the browser's
	// navigator.credentials.get returned for the options of POST
	// /api/v1/sessions/passkey.
	Passkey      JSON   `json:"passkey,omitempty"`
	DeviceID     string `json:"device_id"`
	DeviceName   string `json:"device_name"`
	DeviceSecret string `json:"device_secret,omitempty"`
	// DeviceKey is the Ed25519 public key of a client that will ask for
	// the session's escrowed key (POST /api/v1/session/key).
	DeviceKey []byte `json:"device_key,omitempty"`
}

// LoginResponse opens a session. Token is shown once; DeviceSecret
// replaces the device's secret (also set as the device cookie).
type LoginResponse struct {
	Token        string         `json:"token"`
	SessionID    string         `json:"session_id"`
	ExpiresAt    time.Time      `json:"expires_at"`
	Account      Account        `json:"account"`
	Keys         akte.KeyBundle `json:"keys"`
	DeviceSecret string         `json:"device_secret"`
	// ConsentsDue lists the required texts to agree to (again) before
	// going on: a new version came out (decision 0044).
	ConsentsDue []string `json:"consents_due,omitempty"`
}

// Account is GET /api/v1/account.
type Account struct {
	AccountID string    `json:"account_id"`
	Email     string    `json:"email"`
	KVNR      string    `json:"kvnr"`
	BirthDate string    `json:"birth_date"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
	DeviceID  string    `json:"device_id"`
	// RecordID is the account's own record: the {rid} of the
	// record-scoped routes (/api/v1/records/{rid}/...).
	RecordID string `json:"record_id"`
	// KVNRVerified says an insurer vouched for the KVNR: the account was
	// activated from a record the insurer opened (decision 0043).
	KVNRVerified bool `json:"kvnr_verified,omitempty"`
}

// AccountUpdate is PATCH /api/v1/account: the account's language, "de"
// or "en": its mails' and the web app's after a login on any device.
type AccountUpdate struct {
	Lang string `json:"lang"`
}

// KeysResponse is GET /api/v1/account/keys: the wrapped keys.
type KeysResponse struct {
	KDF  akte.KDFParams `json:"kdf"`
	Keys akte.KeyBundle `json:"keys"`
}

// SessionKeyRequest is POST /api/v1/session/key: the device's Ed25519
// signature over akte.SessionKeyMessage of the session's id and TimeMs
// (Unix milliseconds, within akte.SessionKeyMaxSkew of the server's clock,
// each accepted once).
type SessionKeyRequest struct {
	TimeMs    int64  `json:"time_ms"`
	Signature []byte `json:"signature"`
}

// SessionKeyResponse is the session's escrowed client key: the server's
// share of the key that seals the CLI's user master key.
type SessionKeyResponse struct {
	ClientKey []byte `json:"client_key"`
}

// KeysRotateRequest is POST /api/v1/account/keys/rotate: the proof of the
// password (its login secret) and a TOTP code, as for a password change,
// and the new user master key's wrappings (core.RotateUMK).
type KeysRotateRequest struct {
	LoginSecret      []byte         `json:"login_secret"`
	TOTP             string         `json:"totp"`
	RecoveryVerifier []byte         `json:"recovery_verifier"`
	Keys             akte.KeyBundle `json:"keys"`
	RMKByUMK         []byte         `json:"rmk_by_umk"`
}

// Session is one entry of GET /api/v1/sessions.
type Session struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ClientAddr string    `json:"client_addr"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

// Device is one entry of GET /api/v1/devices.
type Device struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	BlockedAt   *time.Time `json:"blocked_at"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
	Current     bool       `json:"current"`
}

// RenameDeviceRequest is PATCH /api/v1/devices/{id}.
type RenameDeviceRequest struct {
	Name string `json:"name"`
}

// DeviceLinkRequest is POST /api/v1/devices/confirm and
// /api/v1/devices/confirm/preview: the secret of a mailed link, from the
// link's fragment.
type DeviceLinkRequest struct {
	Token string `json:"token"`
}

// PendingDevice answers POST /api/v1/devices/confirm/preview: the device a
// link stands for, shown before the person confirms it.
type PendingDevice struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Event is one entry of GET /api/v1/account/events (unverified; the
// verified protocol is GET /api/v1/account/audit). Code is the protocol
// code once the event is sequenced, Cause why it was denied.
type Event struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Operation  string    `json:"operation"`
	Code       string    `json:"code"`
	Object     string    `json:"object"`
	ActorID    string    `json:"actor_id"`
	ActorRole  string    `json:"actor_role"`
	DeviceID   string    `json:"device_id"`
	ClientAddr string    `json:"client_addr"`
	Result     string    `json:"result"`
	Cause      string    `json:"reason,omitempty"` // why it was denied
}

// AuditKey answers GET /api/v1/audit/key: the server's verifier key for
// the protocol's checkpoints (docs/audit.md §4).
type AuditKey struct {
	Key string `json:"key"`
}

// NewPassword is a re-wrapping of the same user master key.
type NewPassword struct {
	KDF           akte.KDFParams `json:"kdf"`
	LoginSecret   []byte         `json:"login_secret"`
	UMKByPassword []byte         `json:"umk_by_password"`
}

// Authenticator is POST /api/v1/account/authenticator/new: a new TOTP
// secret for the owner's authenticator app, stored nowhere yet.
type Authenticator struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// AuthenticatorChange is PUT /api/v1/account/authenticator: the password
// and a code of the current app, the new secret and a code the new app
// made from it.
type AuthenticatorChange struct {
	LoginSecret []byte `json:"login_secret"`
	TOTP        string `json:"totp"`
	NewSecret   string `json:"new_secret"`
	NewTOTP     string `json:"new_totp"`
}

// EmailChangeStart is POST /api/v1/account/email: the new address, the
// password's login secret and a code of the authenticator. A code is
// mailed to the new address.
type EmailChangeStart struct {
	Email       string `json:"email"`
	LoginSecret []byte `json:"login_secret"`
	TOTP        string `json:"totp"`
}

// EmailChangeConfirm is POST /api/v1/account/email/confirm: the new
// address and the code mailed to it.
type EmailChangeConfirm struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// PasswordChangeRequest is POST /api/v1/password/change.
type PasswordChangeRequest struct {
	OldLoginSecret []byte      `json:"old_login_secret"`
	TOTP           string      `json:"totp"`
	New            NewPassword `json:"new"`
}

// RecoverRequest is POST /api/v1/password/recover.
type RecoverRequest struct {
	Email            string `json:"email"`
	RecoveryVerifier []byte `json:"recovery_verifier"`
	TOTP             string `json:"totp"`
}

// RecoverResponse returns the UMK sealed under the recovery key and a token
// for the second step.
type RecoverResponse struct {
	Token         string `json:"token"`
	UMKByRecovery []byte `json:"umk_by_recovery"`
}

// RecoverCompleteRequest is POST /api/v1/password/recover/complete.
type RecoverCompleteRequest struct {
	Token string      `json:"token"`
	New   NewPassword `json:"new"`
}

// ResetCompleteRequest is POST /api/v1/password/reset/complete: the reset
// without recovery key, which erases the encrypted data.
type ResetCompleteRequest struct {
	Email               string         `json:"email"`
	Code                string         `json:"code"`
	TOTP                string         `json:"totp"`
	AcknowledgeDataLoss bool           `json:"acknowledge_data_loss"`
	KDF                 akte.KDFParams `json:"kdf"`
	LoginSecret         []byte         `json:"login_secret"`
	RecoveryVerifier    []byte         `json:"recovery_verifier"`
	Keys                akte.KeyBundle `json:"keys"`
	Record              *RecordKeys    `json:"record"`
}

// ResetStartResponse names the warning the client must show: Reason is
// its code in the clients' catalogues (data_loss_warning), Warning its
// English text for API users.
type ResetStartResponse struct {
	Reason  string `json:"reason"`
	Warning string `json:"warning"`
}

// Mail is one message of the development mailbox: GET /api/v1/dev/mailbox
// lists them without Text, GET /api/v1/dev/mailbox/{name} returns one with
// its text body decoded.
type Mail struct {
	Name    string    `json:"name"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Time    time.Time `json:"time"`
	Text    string    `json:"text,omitempty"`
}

// PasskeyBegin is POST /api/v1/account/passkeys/new: the password's login
// secret and a code of the authenticator app, as for changing the app.
type PasskeyBegin struct {
	LoginSecret []byte `json:"login_secret"`
	TOTP        string `json:"totp"`
}

// PasskeyOptions carries the options of a WebAuthn ceremony as the
// browser takes them ({"publicKey": …}, binary fields base64url):
// navigator.credentials.create for POST /api/v1/account/passkeys/new,
// navigator.credentials.get for POST /api/v1/sessions/passkey.
type PasskeyOptions struct {
	Options JSON `json:"options"`
}

// PasskeyAdd is POST /api/v1/account/passkeys: a name for the passkey and
// the PublicKeyCredential (JSON) navigator.credentials.create returned.
type PasskeyAdd struct {
	Name       string `json:"name"`
	Credential JSON   `json:"credential"`
}

// Passkey is one of the account's passkeys.
type Passkey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// JSON is a JSON value passed through as it is (the WebAuthn options and
// credentials): json.RawMessage without importing encoding/json into the
// WebAssembly core, which this package is part of.
type JSON []byte

// MarshalJSON returns j itself, or null if it is empty.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON keeps a copy of the value.
func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// Termination is the account's notice (POST /api/v1/account/termination):
// its data is deleted at delete_at unless the notice is taken back before
// (DELETE).
type Termination struct {
	RequestedAt time.Time `json:"requested_at"`
	DeleteAt    time.Time `json:"delete_at"`
}

// Usage is GET /api/v1/account/usage: what the operator keeps for billing
// (decision 0047), or null for an account without (a provider).
type Usage struct {
	RegisteredAt time.Time      `json:"registered_at"`
	Insurer      string         `json:"insurer"`
	TerminatedAt *time.Time     `json:"terminated_at"`
	Quarters     []UsageQuarter `json:"quarters"`
}

// UsageQuarter is the last access within a quarter ("2026-Q4").
type UsageQuarter struct {
	Quarter    string    `json:"quarter"`
	LastAccess time.Time `json:"last_access"`
}

// UsageState wraps Usage, which is null for an account without.
type UsageState struct {
	Usage *Usage `json:"usage"`
}

// TerminationState is GET /api/v1/account/termination: the notice, or
// null if none was given.
type TerminationState struct {
	Termination *Termination `json:"termination"`
}

// Reminders is PUT /api/v1/account/reminders and, in RemindersState, its
// answer: the intake reminders of the medication plan (decision 0045) as
// local times "HH:MM" ("" for none) in the IANA time zone TZ. Never a
// medication: the server does not learn which.
type Reminders struct {
	TZ      string `json:"tz"`
	Morning string `json:"morning,omitempty"`
	Noon    string `json:"noon,omitempty"`
	Evening string `json:"evening,omitempty"`
	Night   string `json:"night,omitempty"`
	// Via is where they go: mail (the default), push (Web Push to the
	// account's subscribed browsers) or both (decision 0051).
	Via string `json:"via,omitempty"`
}

// PushKey is GET /api/v1/push/key: the server's VAPID public key
// (base64url, uncompressed P-256), the applicationServerKey of
// PushManager.subscribe.
type PushKey struct {
	Key string `json:"key"`
}

// PushSubscriptionNew is POST /api/v1/account/push: a browser's
// PushSubscription as its toJSON() gives it (decision 0051).
type PushSubscriptionNew struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *float64 `json:"expirationTime,omitempty"` // ignored
	Keys           struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// PushSubscription is one of the account's push subscriptions.
type PushSubscription struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	ThisDevice bool      `json:"this_device"` // subscribed from the caller's device
	Endpoint   string    `json:"endpoint"`
	Service    string    `json:"service"` // the push service's host
	CreatedAt  time.Time `json:"created_at"`
}

// PushSubscriptions is GET /api/v1/account/push.
type PushSubscriptions struct {
	Subscriptions []PushSubscription `json:"subscriptions"`
}

// RemindersState is GET /api/v1/account/reminders: the reminders, or null
// if none are set.
type RemindersState struct {
	Reminders *Reminders `json:"reminders"`
}
