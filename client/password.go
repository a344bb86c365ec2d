package client

import (
	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// ProvePassword opens the logged-in account's keys (as GET
// /api/v1/account/keys gave them) with the password, after the checks made
// before anything is derived (the Argon2id floor and what st used last),
// and returns the user master key and the login secret that proves the
// password to the server. A password that does not open the keys is
// refused here, before anything is sent.
func ProvePassword(keys *wire.KeysResponse, st *State, pw string) (umk, loginSecret []byte, err error) {
	// A session never sees another device's password change (it ends
	// the session), so the remembered parameters must hold.
	if err := core.CheckOffered(keys.KDF, st.Seen.KDF(st.Email), false); err != nil {
		return nil, nil, err
	}
	pk, ls, err := core.Split(pw, keys.KDF)
	if err != nil {
		return nil, nil, err
	}
	umk, err = core.UnlockUMK(pk, keys.Keys)
	if r, _ := akte.ReasonOf(err); r == "umk_unopenable" {
		return nil, nil, akte.R("password.prove", akte.KindUnauthenticated, "old_password_wrong", nil, "")
	}
	return umk, ls, err
}
