package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

// The key that seals the user master key in state.json between commands
// is split (docs/decisions/0019-cli-key-escrow.md): the server's share is
// the session's escrowed key, which it gives only to a request signed with
// the device key made at login; the local share never enters the state
// file. It is kept in the OS keyring where one answers, else printed for
// the shell as AKTE_SESSION (like Bitwarden's BW_SESSION); without either,
// a command opens the user master key with the password again.

const (
	sessionEnv     = "AKTE_SESSION"
	keyringService = "akte"
	// keyringWait bounds every keyring call: a keyring that does not
	// answer must not hold a command up.
	keyringWait = 3 * time.Second
)

// newSessionKeys makes a login's local share and device key.
func newSessionKeys() (share []byte, device ed25519.PrivateKey) {
	share = make([]byte, core.ShareSize)
	rand.Read(share)
	_, device, _ = ed25519.GenerateKey(nil)
	return share, device
}

// keyringUser names this installation's entry: one per device id, so two
// homes of one person never share an entry.
func keyringUser(st *client.State) string { return "session:" + st.DeviceID }

// keyringReachable says whether a keyring may answer. AKTE_KEYRING=off
// turns it off. On Linux and the BSDs the keyring is the Secret Service on
// the session's D-Bus: without a session bus (a server, a container, ssh)
// there is none, and asking would start one.
func (e *env) keyringReachable() bool {
	if e.Getenv("AKTE_KEYRING") == "off" {
		return false
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	if e.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	if d := e.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return true
		}
	}
	return false
}

// withKeyring runs f on the keyring, giving up after keyringWait.
func (e *env) withKeyring(f func() error) error {
	if !e.keyringReachable() {
		return errors.New("no keyring")
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(keyringWait):
		return errors.New("the keyring does not answer")
	}
}

// keepShare keeps the local share in the keyring and returns "", or, if
// no keyring takes it, returns the session value for the shell.
func (e *env) keepShare(st *client.State, share []byte) string {
	v := base64.RawURLEncoding.EncodeToString(share)
	if e.withKeyring(func() error { return keyring.Set(keyringService, keyringUser(st), v) }) == nil {
		return ""
	}
	return v
}

// dropShare forgets the keyring's local share of this installation.
func (e *env) dropShare(st *client.State) {
	e.withKeyring(func() error { return keyring.Delete(keyringService, keyringUser(st)) })
}

// localShares are the local shares at hand: AKTE_SESSION's, then the
// keyring's.
func (e *env) localShares(st *client.State) [][]byte {
	var out [][]byte
	if b, err := base64.RawURLEncoding.DecodeString(e.Getenv(sessionEnv)); err == nil && len(b) == core.ShareSize {
		out = append(out, b)
	}
	var v string
	if e.withKeyring(func() (err error) { v, err = keyring.Get(keyringService, keyringUser(st)); return err }) == nil {
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(b) == core.ShareSize {
			out = append(out, b)
		}
	}
	return out
}

// serverShare asks for the session's escrowed key, signed with the device
// key.
func (e *env) serverShare(ctx context.Context, st *client.State, c *client.API) ([]byte, error) {
	if len(st.DeviceKey) != ed25519.PrivateKeySize || st.SessionID == "" {
		return nil, core.SessionKeyUnopenable(nil)
	}
	res, err := c.SessionKey(ctx, core.SessionKeyProof(st.DeviceKey, st.SessionID, time.Now()))
	if err != nil {
		return nil, e.authErr(st, err)
	}
	return res.ClientKey, nil
}

// unlockUMK opens the user master key: with the session's key where a
// local share is at hand, else with the password (a prompt,
// --password-stdin or AKTE_PASSWORD), which needs no server share. It
// returns the account's key bundle too.
func (e *env) unlockUMK(ctx context.Context, st *client.State, c *client.API) ([]byte, akte.KeyBundle, error) {
	keys, err := c.AccountKeys(ctx)
	if err != nil {
		return nil, akte.KeyBundle{}, e.authErr(st, err)
	}
	var shareErr error
	if locals := e.localShares(st); len(locals) > 0 {
		server, err := e.serverShare(ctx, st, c)
		if akte.Is(err, akte.KindUnauthenticated) {
			return nil, akte.KeyBundle{}, err
		}
		shareErr = err
		for _, l := range locals {
			if err != nil {
				break
			}
			umk, err := st.UMK(server, l)
			if err == nil {
				return umk, keys.Keys, nil
			}
			shareErr = err
		}
	}
	pw, err := e.secrets(e.pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
	if r, _ := akte.ReasonOf(err); r == "secret_missing" {
		if shareErr != nil {
			return nil, akte.KeyBundle{}, shareErr
		}
		return nil, akte.KeyBundle{}, cli.Fail(akte.KindUnauthenticated, "session_locked", nil)
	}
	if err != nil {
		return nil, akte.KeyBundle{}, err
	}
	umk, err := e.unlockWithPassword(st, pw, keys.Keys)
	return umk, keys.Keys, err
}

// unlockWithPassword derives the password key with the parameters this
// client used at login, checked against the floor and against what it
// used last for the account, and opens the user master key.
func (e *env) unlockWithPassword(st *client.State, pw string, keys akte.KeyBundle) ([]byte, error) {
	if err := core.CheckOffered(st.KDF, st.Seen.KDF(st.Email), false); err != nil {
		return nil, err
	}
	pk, _, err := core.Split(pw, st.KDF)
	if err != nil {
		return nil, err
	}
	return core.UnlockUMK(pk, keys)
}

// openSession seals the user master key of a new session under its key
// and keeps the local share; it returns the session value for the shell,
// or "" if the keyring keeps the share.
func (e *env) openSession(ctx context.Context, st *client.State, c *client.API, res *wire.LoginResponse, share []byte, umk []byte) (string, error) {
	c.Token = res.Token
	server, err := e.serverShare(ctx, st, c)
	if err != nil {
		return "", err
	}
	if err := st.SetUMK(server, share, umk); err != nil {
		return "", err
	}
	return e.keepShare(st, share), nil
}
