package client

import (
	"context"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// ProviderRegistration is what a provider's registration gives the
// person to keep: the answer (TOTP secret) and the key material (the
// recovery key).
type ProviderRegistration struct {
	*wire.RegisterResponse
	Material *core.Material
}

// RegisterProvider registers a provider account (decision 0034) as a
// patient's registration does its account: the password is checked and
// split on the client, the keys (with the HPKE key pair patients will
// wrap keys to) are made and wrapped here, and the account is noted in st
// (which the caller saves). A provider has no record.
func RegisterProvider(ctx context.Context, c *API, st *State, email, password, lang string, in wire.Institution) (*ProviderRegistration, error) {
	if err := core.CheckPassword(password, email, ""); err != nil {
		return nil, err
	}
	m, err := core.NewMaterial(password, core.DefaultKDF())
	if err != nil {
		return nil, err
	}
	res, err := c.RegisterProvider(ctx, wire.ProviderRegisterRequest{Email: email, KDF: m.KDF, LoginSecret: m.LoginSecret,
		RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: st.DeviceID, DeviceName: st.DeviceName, Lang: lang, Provider: in})
	if err != nil {
		return nil, err
	}
	st.Email, st.AccountID, st.Keys, st.KDF, st.DeviceSecret = email, res.AccountID, m.Keys, m.KDF, res.DeviceSecret
	st.RecordID = ""
	st.Seen.UseKDF(email, m.KDF)
	st.ForgetSession()
	return &ProviderRegistration{RegisterResponse: res, Material: m}, nil
}

// Fingerprinted is a provider with the fingerprint of its public key as
// this client computed it.
type Fingerprinted struct {
	wire.Provider
	Fingerprint string
}

// ProviderFingerprint fetches a verified provider and computes the
// fingerprint of the key the server serves for it: the key a grant would
// wrap to. The server sends no fingerprint; none is trusted.
func ProviderFingerprint(ctx context.Context, c *API, id string) (*Fingerprinted, error) {
	p, err := c.Provider(ctx, id)
	if err != nil {
		return nil, err
	}
	fp, err := core.KeyFingerprint(p.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Fingerprinted{Provider: *p, Fingerprint: fp}, nil
}

// OwnProviderFingerprint is the practice's side: its own entry (with its
// status) and the fingerprint its own private key proves (umk and keys as
// State.Unlock returns them). A served public key that is not the one
// the private key belongs to is refused (account_key_substituted).
func OwnProviderFingerprint(ctx context.Context, c *API, umk []byte, keys akte.KeyBundle) (*Fingerprinted, error) {
	p, err := c.OwnProvider(ctx)
	if err != nil {
		return nil, err
	}
	keys.PublicKey = p.PublicKey // the key patients are served must be the one the private key proves
	fp, err := core.OwnFingerprint(umk, keys)
	if err != nil {
		return nil, err
	}
	return &Fingerprinted{Provider: *p, Fingerprint: fp}, nil
}
