package client

import (
	"context"

	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// Continued is an unfinished registration brought back with the password
// (issue 12, item 1): what the server shows again, and the recovery key,
// opened here from the key bundle.
type Continued struct {
	*wire.ResumeResponse
	RecoveryKey []byte
}

// ContinueRegistration asks the server for the unfinished registration of
// email's account with the password, after the checks a client makes
// before it derives anything (the Argon2id floor and what st used last),
// and records the account in st (which the caller saves).
func ContinueRegistration(ctx context.Context, c *API, st *State, email, pw string) (*Continued, error) {
	pre, err := c.Prelogin(ctx, wire.EmailRequest{Email: email})
	if err != nil {
		return nil, err
	}
	if err := core.CheckOffered(pre.KDF, st.Seen.KDF(email), false); err != nil {
		return nil, err
	}
	pk, ls, err := core.Split(pw, pre.KDF)
	if err != nil {
		return nil, err
	}
	res, err := c.ResumeRegistration(ctx, wire.ResumeRequest{Email: email, LoginSecret: ls})
	if err != nil {
		return nil, err
	}
	if EmailKey(st.Email) == EmailKey(email) && st.AccountID != "" {
		if err := core.Expect("account", st.AccountID, res.AccountID); err != nil {
			return nil, err
		}
	}
	umk, err := core.UnlockUMK(pk, res.Keys)
	if err != nil {
		return nil, err
	}
	rk, err := core.RecoveryKey(umk, res.Keys)
	if err != nil {
		return nil, err
	}
	st.Email, st.AccountID, st.Keys, st.KDF = email, res.AccountID, res.Keys, pre.KDF
	st.Seen.UseKDF(email, pre.KDF)
	st.ForgetSession()
	return &Continued{ResumeResponse: res, RecoveryKey: rk}, nil
}
