package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/doctors"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Write-only parties (decision 0043): the patient's side (apps listed,
// connected, disconnected), the party's side (push, an insurer's shells)
// and the insured's activation.

// Apps is GET /api/v1/records/{rid}/apps.
func (c *API) Apps(ctx context.Context) ([]wire.App, error) {
	var out wire.Apps
	_, err := c.do(ctx, "GET", c.rec()+"/apps", nil, &out, nil)
	return out.Apps, err
}

// ConnectApp is PUT /api/v1/records/{rid}/apps/{app}.
func (c *API) ConnectApp(ctx context.Context, id string) (*wire.App, error) {
	var out wire.App
	_, err := c.do(ctx, "PUT", c.rec()+"/apps/"+esc(id), nil, &out, nil)
	return &out, err
}

// DisconnectApp is DELETE /api/v1/records/{rid}/apps/{app}.
func (c *API) DisconnectApp(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", c.rec()+"/apps/"+esc(id), nil, nil, nil)
	return err
}

// RecordPublicKey is GET /api/v1/records/{rid}/public-key.
func (c *API) RecordPublicKey(ctx context.Context) (*wire.RecordKey, error) {
	var out wire.RecordKey
	_, err := c.do(ctx, "GET", c.rec()+"/public-key", nil, &out, nil)
	return &out, err
}

// OpenRecordFor is POST /api/v1/insurer/records.
func (c *API) OpenRecordFor(ctx context.Context, r wire.OpenRecordRequest) (*wire.OpenRecordResponse, error) {
	var out wire.OpenRecordResponse
	_, err := c.do(ctx, "POST", prefix+"/insurer/records", r, &out, nil)
	return &out, err
}

// Activate is POST /api/v1/accounts/activate.
func (c *API) Activate(ctx context.Context, r wire.ActivateRequest) (*wire.RegisterResponse, error) {
	var out wire.RegisterResponse
	_, err := c.do(ctx, "POST", prefix+"/accounts/activate", r, &out, nil)
	return &out, err
}

// NormalizeFingerprint is a fingerprint as seal.Fingerprint writes it,
// from what a person typed (any case, spaces or none).
func NormalizeFingerprint(s string) string {
	s = strings.ToLower(strings.NewReplacer(" ", "", "-", "", ":", "").Replace(strings.TrimSpace(s)))
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// Pins are the record keys a party's client verified, by record id,
// kept in a file of the client's home (AKTE_HOME/pins.json).
type Pins struct {
	Path string            `json:"-"`
	Keys map[string][]byte `json:"record_keys"`
}

// LoadPins reads the pins of a home directory (none yet: empty).
func LoadPins(home string) (*Pins, error) {
	p := &Pins{Path: filepath.Join(home, "pins.json"), Keys: map[string][]byte{}}
	b, err := os.ReadFile(p.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, err
	}
	if p.Keys == nil {
		p.Keys = map[string][]byte{}
	}
	return p, nil
}

// Save writes the pins atomically, readable by the owner only.
func (p *Pins) Save() error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return err
	}
	tmp := p.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.Path)
}

// VerifyRecordKey fetches the record's public key and accepts it only if
// it is the one pinned for the record, or, at first use, if its
// fingerprint is the one the patient confirmed (fingerprint; seal.
// Fingerprint's form). A party seals only to a key verified so: a server
// that substitutes its own is refused (record_key_changed,
// record_key_mismatch), and without a pin or a fingerprint nothing is
// sealed (record_key_unverified). The pin is added to pins (the caller
// saves them).
func (c *API) VerifyRecordKey(ctx context.Context, pins *Pins, fingerprint string) (*core.Keyring, error) {
	k, err := c.RecordPublicKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := core.Expect("record", c.RecordID, k.RecordID); err != nil {
		return nil, err
	}
	got := seal.Fingerprint(k.PublicKey)
	if fingerprint != "" && NormalizeFingerprint(fingerprint) != got {
		return nil, akte.R("push.record_key", akte.KindCrypto, "record_key_mismatch", map[string]any{"fingerprint": got},
			"Der Schlüssel der Akte hat einen anderen Fingerabdruck ("+got+") als angegeben. Es wurde nichts hochgeladen.")
	}
	pinned := pins.Keys[c.RecordID]
	if pinned == nil && fingerprint == "" {
		return nil, akte.R("push.record_key", akte.KindCrypto, "record_key_unverified", map[string]any{"fingerprint": got},
			"Der Schlüssel dieser Akte ist noch nicht bestätigt: Geben Sie den Fingerabdruck an, den die Patientin oder der Patient beim Verbinden sieht.")
	}
	if err := core.PinRecordKey(pinned, k.PublicKey); err != nil {
		return nil, err
	}
	pins.Keys[c.RecordID] = k.PublicKey
	return &core.Keyring{RecordID: c.RecordID, RecordPub: k.PublicKey}, nil
}

// PushKind says what a pushed file is: a PDF, or a FHIR bundle (a JSON
// object whose resourceType is Bundle, read as a stream: the bundle is not
// held in memory); anything else is refused (push_file_type) before a
// byte is sent.
func PushKind(r io.Reader) (mediaType string, err error) {
	wrong := akte.R("push.file", akte.KindInvalid, "push_file_type", nil, "Nur FHIR-Bundles (JSON) und PDF-Dateien können eingestellt werden.")
	br := bufio.NewReader(r)
	if head, _ := br.Peek(5); bytes.Equal(head, []byte("%PDF-")) {
		return "application/pdf", nil
	}
	dec := json.NewDecoder(br)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", wrong
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return "", wrong
		}
		if k == "resourceType" {
			var v string
			if dec.Decode(&v) != nil || v != "Bundle" {
				return "", wrong
			}
			return "application/fhir+json", nil
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", wrong
		}
	}
	return "", wrong
}

// PushPlans keeps a party's upload plans, sealed under a key derived
// from its credential (a party has no master key).
func PushPlans(home, credential string) DirPlans {
	k := sha256.Sum256([]byte("akte v1 push plans\x00" + credential))
	return DirPlans{Dir: filepath.Join(home, "uploads"), UMK: k[:]}
}

// checkBilling refuses billing data that the patient's client could not
// read as billing lines (doctors.CheckBillingData), before a byte is sent.
func checkBilling(f File) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, doctors.MaxBillingSize+1))
	if err != nil {
		return err
	}
	return doctors.CheckBillingData(b)
}

// Push uploads a file into the record the API addresses, sealed to the
// verified record key in kr, into category (the server admits only the
// party's own). A FHIR bundle into the billing category must be billing
// data (decision 0050).
func (c *API) Push(ctx context.Context, kr *core.Keyring, f File, category string, meta core.Meta, plans Plans) (*wire.Item, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	meta.MediaType, err = PushKind(rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	if category == BillingCategory && meta.MediaType == doctors.BillingMediaType {
		if err := checkBilling(f); err != nil {
			return nil, err
		}
	}
	return c.UploadInbox(ctx, kr, f, category, meta, plans, Transfer{})
}

// FileInbox moves every inbox item of the opened record (added by a
// provider, an app or the insurer, sealed to the record's public key)
// under its category's key (core.FileInboxItem), so that the category's
// grants cover it; the patient's client runs it at login. It rotates a
// category key first where the server asks for it, skips an item changed
// meanwhile, and returns the ids filed.
func (c *API) FileInbox(ctx context.Context, rec *core.Record) ([]string, error) {
	items, err := c.Items(ctx, "")
	if err != nil {
		return nil, err
	}
	var filed []string
	for _, it := range items {
		if it.KeyVersion != 0 {
			continue
		}
		if err := c.RotateIfNeeded(ctx, rec, it.Category); err != nil {
			return filed, err
		}
		ch, err := rec.FileInboxItem(it)
		if err != nil {
			return filed, err
		}
		if _, err := c.ChangeItemMeta(ctx, it.ID, *ch); err != nil {
			if r, _ := akte.ReasonOf(err); r == "item_meta_changed" || akte.Is(err, akte.KindNotFound) {
				continue
			}
			return filed, err
		}
		filed = append(filed, it.ID)
	}
	return filed, nil
}
