package client

import (
	"context"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// Proof is the password of the logged-in account proven on the client:
// what a password change or a key rotation sends the server (LoginSecret)
// and what it needs to wrap keys anew.
type Proof struct {
	Account     *wire.Account
	Keys        *wire.KeysResponse
	PasswordKey []byte
	LoginSecret []byte
	UMK         []byte
}

// ProvePassword derives the logged-in account's keys from password with
// the checks of a login, since the login secret goes to the server: the
// answer is about the account st is logged in to, and the Argon2id
// parameters pass core.CheckOffered against those st remembers. A
// password that does not open the user master key gives
// old_password_wrong; nothing is sent then.
func (c *API) ProvePassword(ctx context.Context, st *State, password string) (*Proof, error) {
	acct, err := c.Account(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.ExpectAccount(acct); err != nil {
		return nil, err
	}
	keys, err := c.AccountKeys(ctx)
	if err != nil {
		return nil, err
	}
	if err := core.CheckOffered(keys.KDF, st.Seen.KDF(st.Email), false); err != nil {
		return nil, err
	}
	p := &Proof{Account: acct, Keys: keys}
	if p.PasswordKey, p.LoginSecret, err = core.Split(password, keys.KDF); err != nil {
		return nil, err
	}
	p.UMK, err = core.UnlockUMK(p.PasswordKey, keys.Keys)
	if r, _ := akte.ReasonOf(err); r == "umk_unopenable" {
		return nil, akte.R("password.prove", akte.KindUnauthenticated, "old_password_wrong", nil, "Das bisherige Passwort ist falsch.")
	}
	return p, err
}

// ChangePasswordTo changes the password of the logged-in account from old
// to nw (POST /api/v1/password/change) once old and the TOTP code prove
// the owner: nw must pass the password policy, and the same user master
// key is wrapped under it with fresh Argon2id parameters, which st
// records (with the account's keys) for the caller to save.
func (c *API) ChangePasswordTo(ctx context.Context, st *State, old, nw, totp string) error {
	p, err := c.ProvePassword(ctx, st, old)
	if err != nil {
		return err
	}
	if err := core.CheckPassword(nw, p.Account.Email, p.Account.KVNR); err != nil {
		return err
	}
	kdf := core.DefaultKDF()
	ls, wrapped, err := core.Rewrap(p.UMK, nw, kdf)
	if err != nil {
		return err
	}
	err = c.ChangePassword(ctx, wire.PasswordChangeRequest{OldLoginSecret: p.LoginSecret, TOTP: totp, New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped}})
	if err != nil {
		return err
	}
	st.KDF, st.Keys = kdf, p.Keys.Keys
	st.Keys.UMKByPassword = wrapped
	st.Seen.UseKDF(st.Email, kdf)
	return nil
}

// StartEmailChangeTo asks to move the logged-in account to the address to,
// once password and the TOTP code prove the owner; a code is mailed there.
func (c *API) StartEmailChangeTo(ctx context.Context, st *State, password, to, totp string) error {
	p, err := c.ProvePassword(ctx, st, password)
	if err != nil {
		return err
	}
	return c.StartEmailChange(ctx, wire.EmailChangeStart{Email: to, LoginSecret: p.LoginSecret, TOTP: totp})
}

// ConfirmEmailChangeTo moves the account to the address the code was
// mailed to, and st with it: its e-mail, and the key derivation
// parameters it remembered for the old address, now the new one's.
func (c *API) ConfirmEmailChangeTo(ctx context.Context, st *State, to, code string) (*wire.Account, error) {
	acct, err := c.ConfirmEmailChange(ctx, wire.EmailChangeConfirm{Email: to, Code: code})
	if err != nil {
		return nil, err
	}
	if err := st.ExpectAccount(acct); err != nil {
		return nil, err
	}
	// The old address is nobody's now: the server answers it like any
	// unknown one, which must read as that, not as lowered parameters.
	if k := st.Seen.KDF(st.Email); k != nil {
		delete(st.Seen.KDFs, EmailKey(st.Email))
		st.Seen.UseKDF(acct.Email, *k)
	}
	st.Email = acct.Email
	return acct, nil
}

// RotateUMK gives the logged-in account a new user master key and
// recovery key (core.RotateUMK, POST /api/v1/account/keys/rotate) once
// password and the TOTP code prove the owner. It returns the rotation;
// the caller keeps the new UMK for the session (State.Reseal) and shows
// the new recovery key.
func (c *API) RotateUMK(ctx context.Context, st *State, password, totp string) (*core.Rotation, error) {
	p, err := c.ProvePassword(ctx, st, password)
	if err != nil {
		return nil, err
	}
	info, err := c.Record(ctx)
	if err != nil {
		return nil, err
	}
	rt, err := core.RotateUMK(p.UMK, p.Keys.Keys, info.Keys, p.PasswordKey)
	if err != nil {
		return nil, err
	}
	err = c.RotateKeys(ctx, wire.KeysRotateRequest{LoginSecret: p.LoginSecret, TOTP: totp, RecoveryVerifier: rt.RecoveryVerifier, Keys: rt.Keys, RMKByUMK: rt.RMKByUMK})
	if err != nil {
		return nil, err
	}
	return rt, nil
}
