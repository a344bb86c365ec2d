package client

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
	"github.com/akte/akte/client/core"
)

// The key that seals the user master key in state.json between commands
// is split (docs/crypto.md section 9.4, docs/decisions/0019-cli-key-escrow.md):
// the server's share is the session's escrowed key, which the server gives
// only to a request signed with the device key made at login; the local
// share never enters the state file. Shares keeps it in the OS keyring
// where one answers, else the CLI prints it for the shell as AKTE_SESSION
// (like Bitwarden's BW_SESSION); without either, the password opens the
// user master key again.

const (
	// SessionEnv is the variable that holds the local share for a shell.
	SessionEnv     = "AKTE_SESSION"
	keyringService = "akte"
	// keyringWait bounds every keyring call: a keyring that does not
	// answer must not hold a command up.
	keyringWait = 3 * time.Second
)

// NewSessionKeys makes a login's local share and device key.
func NewSessionKeys() (share []byte, device ed25519.PrivateKey) {
	share = make([]byte, core.ShareSize)
	rand.Read(share)
	_, device, _ = ed25519.GenerateKey(nil)
	return share, device
}

// Shares finds and keeps the local share of a session, reading the
// environment through Getenv.
type Shares struct{ Getenv func(string) string }

// keyringUser names an installation's entry: one per device id, so two
// homes of one person never share an entry.
func keyringUser(st *State) string { return "session:" + st.DeviceID }

// keyring runs f on the OS keyring, giving up after keyringWait.
// AKTE_KEYRING=off turns the keyring off. On Linux and the BSDs the
// keyring is the Secret Service on the session's D-Bus: without a session
// bus (a server, a container, ssh) there is none, and asking would start
// one.
func (s Shares) keyring(f func() error) error {
	reachable := runtime.GOOS == "darwin" || runtime.GOOS == "windows" || s.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	if d := s.Getenv("XDG_RUNTIME_DIR"); !reachable && d != "" {
		_, err := os.Stat(filepath.Join(d, "bus"))
		reachable = err == nil
	}
	if !reachable || s.Getenv("AKTE_KEYRING") == "off" {
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

// Keep keeps the local share in the keyring and returns "", or, if no
// keyring takes it, returns the session value for the shell.
func (s Shares) Keep(st *State, share []byte) string {
	v := base64.RawURLEncoding.EncodeToString(share)
	if s.keyring(func() error { return keyring.Set(keyringService, keyringUser(st), v) }) == nil {
		return ""
	}
	return v
}

// Drop forgets the keyring's local share of the installation.
func (s Shares) Drop(st *State) {
	s.keyring(func() error { return keyring.Delete(keyringService, keyringUser(st)) })
}

// Find returns the local shares at hand: AKTE_SESSION's, then the
// keyring's.
func (s Shares) Find(st *State) [][]byte {
	var out [][]byte
	var kept string
	s.keyring(func() (err error) { kept, err = keyring.Get(keyringService, keyringUser(st)); return err })
	for _, v := range []string{s.Getenv(SessionEnv), kept} {
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil && len(b) == core.ShareSize {
			out = append(out, b)
		}
	}
	return out
}

// ServerShare asks for the session's escrowed key, signed with the device
// key.
func (st *State) ServerShare(ctx context.Context, c *API) ([]byte, error) {
	if len(st.DeviceKey) != ed25519.PrivateKeySize || st.SessionID == "" {
		return nil, core.SessionKeyUnopenable(nil)
	}
	res, err := c.SessionKey(ctx, core.SessionKeyProof(st.DeviceKey, st.SessionID, c.now()))
	if err != nil {
		return nil, err
	}
	return res.ClientKey, nil
}

// Seal seals the user master key of a new session under its key and
// keeps the local share; it returns the session value for the shell, or
// "" if the keyring keeps the share.
func (st *State) Seal(ctx context.Context, c *API, s Shares, share, umk []byte) (string, error) {
	server, err := st.ServerShare(ctx, c)
	if err != nil {
		return "", err
	}
	if err := st.SetUMK(server, share, umk); err != nil {
		return "", err
	}
	return s.Keep(st, share), nil
}

// Unlock opens the user master key and returns it with the account's key
// bundle: with the session's key where a local share is at hand, else
// with the password that password() returns (a prompt, --password-stdin
// or AKTE_PASSWORD in the CLI), which needs no server share. The password
// key is derived with the parameters this client used at login, checked
// against the floor and against what it used last for the account.
func (st *State) Unlock(ctx context.Context, c *API, s Shares, password func() (string, error)) ([]byte, akte.KeyBundle, error) {
	keys, err := c.AccountKeys(ctx)
	if err != nil {
		return nil, akte.KeyBundle{}, err
	}
	var shareErr error
	if locals := s.Find(st); len(locals) > 0 {
		server, err := st.ServerShare(ctx, c)
		if akte.Is(err, akte.KindUnauthenticated) {
			return nil, akte.KeyBundle{}, err
		}
		shareErr = err
		for i := 0; err == nil && i < len(locals); i++ {
			umk, err := st.UMK(server, locals[i])
			if err == nil {
				return umk, keys.Keys, nil
			}
			shareErr = err
		}
	}
	pw, err := password()
	if r, _ := akte.ReasonOf(err); r == "secret_missing" {
		if shareErr != nil {
			return nil, akte.KeyBundle{}, shareErr
		}
		return nil, akte.KeyBundle{}, akte.R("state.unlock", akte.KindInvalid, "session_locked", nil,
			"Der Schlüssel dieser Sitzung fehlt: setzen Sie AKTE_SESSION (so wie akte login es ausgegeben hat) oder geben Sie das Passwort an "+
				"(am Terminal, mit --password-stdin oder in AKTE_PASSWORD).")
	}
	if err != nil {
		return nil, akte.KeyBundle{}, err
	}
	if err := core.CheckOffered(st.KDF, st.Seen.KDF(st.Email), false); err != nil {
		return nil, akte.KeyBundle{}, err
	}
	pk, _, err := core.Split(pw, st.KDF)
	if err != nil {
		return nil, akte.KeyBundle{}, err
	}
	umk, err := core.UnlockUMK(pk, keys.Keys)
	return umk, keys.Keys, err
}

// Reseal seals a new user master key of the same session (after a
// rotation) under the local share that opened the old one, so AKTE_SESSION
// and the keyring's entry stay good. Without such a share (the session was
// opened with the password) it forgets the sealed key: the next command
// asks for the password, which opens the new key.
func (st *State) Reseal(ctx context.Context, c *API, s Shares, umk []byte) error {
	locals := s.Find(st)
	if len(locals) > 0 {
		server, err := st.ServerShare(ctx, c)
		if err != nil {
			return err
		}
		for _, local := range locals {
			if _, err := st.UMK(server, local); err == nil {
				return st.SetUMK(server, local, umk)
			}
		}
	}
	st.UMKSealed = nil
	return nil
}
