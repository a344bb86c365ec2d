package client

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
)

// DirPlans keeps upload plans as files in Dir (the CLI's
// AKTE_HOME/uploads), one per key, written atomically and readable by the
// owner only. The plan's key and seed are sealed under UMK, the user
// master key, so a plan file is useless without the account.
type DirPlans struct {
	Dir string
	UMK []byte
}

// planFile is the form of a plan on disk.
type planFile struct {
	Key    string    `json:"key"`
	Plan   core.Plan `json:"plan"`
	Secret []byte    `json:"secret"` // Key ‖ Seed, sealed under the UMK
}

func planAAD(id string) []byte { return []byte("akte v1 cli upload " + id) }

func (d DirPlans) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(d.Dir, hex.EncodeToString(sum[:16])+".json")
}

// Load returns the plan kept under key; KindNotFound if there is none or
// it does not open (another account's, or damaged).
func (d DirPlans) Load(key string) (*core.Plan, error) {
	none := akte.E("plans.load", akte.KindNotFound, "", nil)
	b, err := os.ReadFile(d.path(key))
	if err != nil {
		return nil, none
	}
	var f planFile
	if json.Unmarshal(b, &f) != nil || f.Key != key {
		return nil, none
	}
	sec, err := seal.OpenSmall(d.UMK, planAAD(f.Plan.Request.ID), f.Secret)
	if err != nil || len(sec) != seal.KeySize+seal.StreamRandomSize {
		return nil, none
	}
	p := f.Plan
	p.Key, p.Seed = sec[:seal.KeySize], sec[seal.KeySize:]
	return &p, nil
}

// Save writes the plan under key.
func (d DirPlans) Save(key string, p *core.Plan) error {
	sec, err := seal.SealSmall(d.UMK, planAAD(p.Request.ID), append(append([]byte{}, p.Key...), p.Seed...))
	if err != nil {
		return err
	}
	f := planFile{Key: key, Plan: *p, Secret: sec}
	f.Plan.Key, f.Plan.Seed = nil, nil
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return writeFile(d.path(key), b)
}

// Delete removes the plan under key.
func (d DirPlans) Delete(key string) error {
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeFile replaces the file at path with b atomically and durably,
// readable by the owner only, creating its directory if needed.
func writeFile(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
