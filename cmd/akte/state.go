package main

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
)

// state is what the client keeps in AKTE_HOME between commands. It holds no
// key in the clear: the user master key is sealed under a key the server
// escrows for the session (ClientKey), so the file is useless once the
// session has ended.
type state struct {
	DeviceID   string         `json:"device_id"`
	DeviceName string         `json:"device_name"`
	Email      string         `json:"email,omitempty"`
	AccountID  string         `json:"account_id,omitempty"`
	Token      string         `json:"token,omitempty"`
	UMKSealed  []byte         `json:"umk_sealed,omitempty"`
	Keys       akte.KeyBundle `json:"keys"`
	KDF        akte.KDFParams `json:"kdf"`
	Seen       seen           `json:"seen"`
}

func homeDir(e *env) (string, error) {
	if h := e.getenv("AKTE_HOME"); h != "" {
		return h, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no AKTE_HOME and no user config directory: %w", err)
	}
	return filepath.Join(d, "akte"), nil
}

// loadState reads the state, creating a device id on first use.
func loadState(e *env) (*state, error) {
	h, err := homeDir(e)
	if err != nil {
		return nil, err
	}
	var st state
	b, err := os.ReadFile(filepath.Join(h, "state.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read client state: %w", err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("client state %s is damaged: %w", filepath.Join(h, "state.json"), err)
		}
	}
	if st.DeviceID == "" {
		b := make([]byte, 15)
		rand.Read(b)
		st.DeviceID = base32.StdEncoding.EncodeToString(b)
		host, _ := os.Hostname()
		st.DeviceName = "akte CLI"
		if host != "" {
			st.DeviceName = "akte CLI auf " + host
		}
		if len([]rune(st.DeviceName)) > 64 {
			st.DeviceName = string([]rune(st.DeviceName)[:64])
		}
		if err := saveState(e, &st); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

// saveState writes the state atomically with owner-only permissions.
func saveState(e *env, st *state) error {
	h, err := homeDir(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(h, 0o700); err != nil {
		return fmt.Errorf("create AKTE_HOME: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(h, ".state-*")
	if err != nil {
		return fmt.Errorf("write client state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write client state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write client state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write client state: %w", err)
	}
	return os.Rename(tmp.Name(), filepath.Join(h, "state.json"))
}

// forgetSession drops the session and the sealed key.
func (st *state) forgetSession() {
	st.Token, st.UMKSealed = "", nil
}

var umkAAD = []byte("akte v1 cli umk by client key")

// umk opens the user master key with the session's escrowed client key.
func (st *state) umk(clientKey []byte) ([]byte, error) {
	if len(st.UMKSealed) == 0 {
		return nil, akte.E("state.umk", akte.KindUnauthenticated, "Kein Schlüssel auf diesem Gerät. Bitte melden Sie sich an (akte login).", nil)
	}
	return seal.OpenSmall(clientKey, umkAAD, st.UMKSealed)
}

func (st *state) setUMK(clientKey, umk []byte) error {
	s, err := seal.SealSmall(clientKey, umkAAD, umk)
	st.UMKSealed = s
	return err
}
