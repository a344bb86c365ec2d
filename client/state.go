package client

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// State is what the Go client keeps between commands in its home
// directory (state.json). It holds no key in the clear: the user master
// key is sealed under core.SessionKey of two shares, neither of which is
// in the file — the server's (the session's escrowed key, given only to a
// request signed with DeviceKey) and the local one (in the OS keyring or
// the shell's AKTE_SESSION). A copy of the file, with or without a copy
// of the server's database, opens nothing (docs/crypto.md, section 9.4).
type State struct {
	DeviceID   string `json:"device_id"`
	DeviceName string `json:"device_name"`
	// DeviceSecret is what the server gave this device at its last login
	// or registration; a login that shows it is not delayed by strangers'
	// failures on the account.
	DeviceSecret string `json:"device_secret,omitempty"`
	Email        string `json:"email,omitempty"`
	AccountID    string `json:"account_id,omitempty"`
	// RecordID is the account's own record (wire.Account.RecordID), the
	// one the record-scoped commands address unless told another.
	RecordID  string `json:"record_id,omitempty"`
	Token     string `json:"token,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	// DeviceKey is the Ed25519 private key whose public half the session
	// was opened with: it proves this installation to the server when it
	// asks for the session's escrowed key. It may lie in the file because
	// the local share does not.
	DeviceKey ed25519.PrivateKey `json:"device_key,omitempty"`
	UMKSealed []byte             `json:"umk_sealed,omitempty"`
	Keys      akte.KeyBundle     `json:"keys"`
	KDF       akte.KDFParams     `json:"kdf"`
	Seen      Seen               `json:"seen"`
	// Audit holds the pinned audit keys and the last verified checkpoints
	// (VerifyAudit).
	Audit AuditPins `json:"audit,omitempty"`
}

// LoadState reads the state kept in home, making a device id (and
// naming the device deviceName) on first use.
func LoadState(home, deviceName string) (*State, error) {
	var st State
	path := filepath.Join(home, "state.json")
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, &akte.Error{Op: "state.load", Kind: akte.KindInvalid, Reason: "state_damaged", Params: map[string]any{"file": path},
				Message: fmt.Sprintf("Der Zustand des Clients in %s ist beschädigt.", path), Err: err}
		}
	}
	if st.DeviceID == "" {
		b := make([]byte, 15)
		rand.Read(b)
		st.DeviceID = base32.StdEncoding.EncodeToString(b)
		st.DeviceName = string([]rune(deviceName)[:min(64, len([]rune(deviceName)))])
		if err := st.Save(home); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

// Save writes the state to home atomically, readable by the owner only.
func (st *State) Save(home string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(home, "state.json"), b)
}

// ForgetSession drops the session, its device key and the sealed key.
func (st *State) ForgetSession() {
	st.Token, st.SessionID, st.DeviceKey, st.UMKSealed = "", "", nil, nil
}

var umkAAD = []byte("akte v1 cli umk by session key")

// UMK opens the user master key with the session's key (core.SessionKey of
// the server's and the local share).
func (st *State) UMK(serverShare, localShare []byte) ([]byte, error) {
	if len(st.UMKSealed) == 0 {
		return nil, akte.R("state.umk", akte.KindUnauthenticated, "not_logged_in", nil, "Nicht angemeldet. Bitte zuerst: akte login --email E --totp CODE")
	}
	k, err := core.SessionKey(serverShare, localShare)
	if err != nil {
		return nil, err
	}
	umk, err := seal.OpenSmall(k, umkAAD, st.UMKSealed)
	if err != nil {
		return nil, core.SessionKeyUnopenable(err)
	}
	return umk, nil
}

// SetUMK seals the user master key under the session's key.
func (st *State) SetUMK(serverShare, localShare, umk []byte) error {
	k, err := core.SessionKey(serverShare, localShare)
	if err != nil {
		return err
	}
	st.UMKSealed, err = seal.SealSmall(k, umkAAD, umk)
	return err
}

// ExpectAccount refuses an answer about another account than the one this
// client is logged in to.
func (st *State) ExpectAccount(a *wire.Account) error {
	return core.Expect("account", st.AccountID, a.AccountID)
}

// Seen is what this client remembers of the server's answers, so that a
// server that goes back is noticed (docs/crypto.md, "Malicious server"):
// the Argon2id parameters it last used for an account, and the highest
// category key version it has seen in a record. Nothing in it is secret;
// it outlives sessions and logouts.
type Seen struct {
	// KDFs holds the parameters last used, by lower-cased e-mail
	// (prelogin is asked by e-mail, before the account id is known).
	KDFs map[string]akte.KDFParams `json:"kdf,omitempty"`
	// KeyVersions holds the highest key version by record id and category.
	KeyVersions map[string]map[string]uint32 `json:"key_versions,omitempty"`
	// Manifests holds the highest record manifest counter by record id.
	Manifests map[string]int64 `json:"manifests,omitempty"`
	// RecordKeys holds the public key of each record granted to this
	// account, pinned at first sight (core.PinRecordKey).
	RecordKeys map[string][]byte `json:"record_keys,omitempty"`
}

// SeeManifest remembers a record manifest's counter if it is the highest
// seen; changed says the state must be saved.
func (s *Seen) SeeManifest(record string, counter int64) (changed bool) {
	if counter <= s.Manifests[record] {
		return false
	}
	if s.Manifests == nil {
		s.Manifests = map[string]int64{}
	}
	s.Manifests[record] = counter
	return true
}

// EmailKey is the form of an address the client compares and remembers.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// KDF returns the parameters last used for the account, or nil.
func (s *Seen) KDF(email string) *akte.KDFParams {
	if k, ok := s.KDFs[EmailKey(email)]; ok {
		return &k
	}
	return nil
}

// UseKDF remembers the parameters used for the account: after a login
// whose password key opened the user master key, or after this client
// chose new ones (registration, password change or reset).
func (s *Seen) UseKDF(email string, k akte.KDFParams) {
	if s.KDFs == nil {
		s.KDFs = map[string]akte.KDFParams{}
	}
	s.KDFs[EmailKey(email)] = k
}

// CheckKeyVersions refuses a record whose category key versions are lower
// than this client has seen, and remembers the highest ones; changed says
// the state must be saved.
func (s *Seen) CheckKeyVersions(rec *core.Record) (changed bool, err error) {
	id := rec.Info.Keys.RecordID
	latest, err := rec.KeyVersions(s.KeyVersions[id])
	if err != nil {
		return false, err
	}
	if maps.Equal(latest, s.KeyVersions[id]) {
		return false, nil
	}
	if s.KeyVersions == nil {
		s.KeyVersions = map[string]map[string]uint32{}
	}
	s.KeyVersions[id] = latest
	return true, nil
}
