package service

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/akte/akte"
)

// recordPrefix is the blob key prefix of everything stored for an
// account's record. Account ids are upper-case base32, blob keys lower
// case; lower-casing base32 keeps ids distinct.
func recordPrefix(id akte.AccountID) string {
	return "records/" + strings.ToLower(string(id)) + "/"
}

var recordIDRe = regexp.MustCompile(`^[a-z0-9]{16,64}$`)

// validateRecordKeys checks the record keys a client made at registration
// or in a reset: a record id, the three wrapped keys, and exactly one key
// of version 1 for every category.
func validateRecordKeys(op string, r *akte.Record) error {
	if r == nil {
		return invalid(op, "record_keys_missing", nil)
	}
	if !recordIDRe.MatchString(string(r.ID)) {
		return errIDInvalid(op, "record.record_id")
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{"record.rmk_by_umk", r.RMKByUMK}, {"record.public_key", r.PublicKey}, {"record.private_key_by_rmk", r.PrivateKeyByRMK}} {
		if err := validateWrapped(op, f.name, f.b); err != nil {
			return err
		}
	}
	seen := map[akte.CategoryID]bool{}
	for _, k := range r.CategoryKeys {
		if _, ok := akte.CategoryByID(k.Category); !ok {
			return errCategoryUnknown(op, k.Category)
		}
		if k.Version != 1 || seen[k.Category] {
			return invalid(op, "category_key_invalid", map[string]any{"category": k.Category})
		}
		if err := validateWrapped(op, "record.category_keys.key_by_rmk", k.KeyByRMK); err != nil {
			return err
		}
		seen[k.Category] = true
	}
	for _, c := range akte.Categories() {
		if !seen[c.ID] {
			return invalid(op, "category_key_missing", map[string]any{"category": c.ID})
		}
	}
	return nil
}

// RecordInfo is what the owner's client needs to work with the record: its
// keys, the categories, and the quota with what is used of it.
type RecordInfo struct {
	Record     *akte.Record
	Categories []akte.Category
	Quota      int64 // effective quota in ciphertext bytes
	Used       int64 // complete items
	Reserved   int64 // uploads in progress
	// RMKSlot is, for a representative, the record master key its
	// patient's client wrapped to its public key (nil until then), and
	// RMKByUMK is left out of Record: that slot is the patient's.
	RMKSlot []byte
	// Rotate names the categories whose newest key a former grantee held:
	// the owner's client adds a new version before it adds an item there.
	Rotate []akte.CategoryID
}

// Record returns the record rid.
func (s *Service) Record(ctx context.Context, p *Principal, rid akte.RecordID) (*RecordInfo, error) {
	const op = "record.get"
	acc, err := s.authorize(ctx, p, rid, ActRecordRead)
	if err != nil {
		return nil, err
	}
	r, err := s.store.Record(ctx, acc.Owner)
	if akte.Is(err, akte.KindNotFound) {
		return nil, errRecordNotFound(op, err)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	used, reserved, err := s.store.Usage(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, "record.read", "record:"+string(acc.Owner), akte.Event{}); err != nil {
		return nil, err
	}
	stale, err := s.rotationNeeded(ctx, acc.Owner, r)
	if err != nil {
		return nil, internal(op, err)
	}
	info := &RecordInfo{Record: r, Categories: akte.Categories(), Quota: s.quotaOf(r), Used: used, Reserved: reserved}
	for _, c := range akte.Categories() {
		if stale[c.ID] {
			info.Rotate = append(info.Rotate, c.ID)
		}
	}
	if acc.Rep != nil {
		c := *r
		c.RMKByUMK = nil
		info.Record, info.RMKSlot = &c, acc.Rep.RMKSlot
	}
	return info, nil
}

func errRecordNotFound(op string, err error) error {
	return &akte.Error{Op: op, Kind: akte.KindNotFound, Reason: "record_not_found", Err: err}
}

func (s *Service) quotaOf(r *akte.Record) int64 {
	if r.Quota > 0 {
		return r.Quota
	}
	return s.cfg.Quota
}

// FormatBytes writes a size for people, in decimal units as storage is
// sold (MB, GB), with a German decimal comma.
func FormatBytes(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	var s string
	switch {
	case i == 0:
		s = fmt.Sprintf("%d", n)
	case f < 10:
		s = fmt.Sprintf("%.2f", f)
	case f < 100:
		s = fmt.Sprintf("%.1f", f)
	default:
		s = fmt.Sprintf("%.0f", f)
	}
	return strings.Replace(s, ".", ",", 1) + " " + units[i]
}

// AdminSetQuota sets the quota of an account's record in bytes (0: back
// to the server default).
func (s *Service) AdminSetQuota(ctx context.Context, o Operator, ref string, quota int64) (*akte.Account, int64, error) {
	const op = "admin.quota"
	if quota < 0 {
		return nil, 0, invalid(op, "quota_negative", nil)
	}
	a, err := s.adminAccount(ctx, op, ref)
	if err != nil {
		return nil, 0, err
	}
	if err := s.store.SetQuota(ctx, a.ID, quota); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			return nil, 0, errRecordNotFound(op, err)
		}
		return nil, 0, internal(op, err)
	}
	eff := quota
	if eff == 0 {
		eff = s.cfg.Quota
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: op, Object: "record:" + string(a.ID), ActorID: o.actor(), ActorRole: "operator",
		Cause: fmt.Sprintf("quota=%d", eff)})
	return a, eff, nil
}

// MaxManifest bounds a sealed record manifest (about 200,000 items).
const MaxManifest = 12 << 20

// Manifest returns the record's sealed manifest and its counter. The
// server cannot open it; only the owner's client writes and reads it.
func (s *Service) Manifest(ctx context.Context, p *Principal, rid akte.RecordID) (int64, []byte, error) {
	const op = "record.manifest"
	acc, err := s.authorize(ctx, p, rid, ActManifestRead)
	if err != nil {
		return 0, nil, err
	}
	n, b, err := s.store.Manifest(ctx, acc.Owner)
	if akte.Is(err, akte.KindNotFound) {
		return 0, nil, errRecordNotFound(op, err)
	}
	if err != nil {
		return 0, nil, internal(op, err)
	}
	return n, b, nil
}

// SwapManifest stores a new sealed manifest if the counter is still
// expect and returns the new counter; another counter is KindConflict
// (manifest_changed): someone wrote meanwhile.
func (s *Service) SwapManifest(ctx context.Context, p *Principal, rid akte.RecordID, expect int64, blob []byte) (int64, error) {
	const op = "record.manifest_swap"
	acc, err := s.authorize(ctx, p, rid, ActManifestWrite)
	if err != nil {
		return 0, err
	}
	if len(blob) == 0 {
		return 0, invalid(op, "manifest_missing", nil)
	}
	if len(blob) > MaxManifest {
		return 0, akte.R(op, akte.KindTooLarge, "manifest_too_large", map[string]any{"max_mib": MaxManifest >> 20}, "")
	}
	err = s.store.SwapManifest(ctx, acc.Owner, expect, expect+1, blob)
	switch {
	case akte.Is(err, akte.KindConflict):
		return 0, akte.R(op, akte.KindConflict, "manifest_changed", nil, "")
	case akte.Is(err, akte.KindNotFound):
		return 0, errRecordNotFound(op, err)
	case err != nil:
		return 0, internal(op, err)
	}
	return expect + 1, nil
}

// recordErr answers a clash on a record id (the client chose an id that
// another record holds: record ids are unique, grants and representatives
// name records by them) with its reason; other errors are internal.
func recordErr(op string, err error) error {
	if r, _ := akte.ReasonOf(err); r == "record_id_taken" || r == "activation_code_invalid" {
		return akte.R(op, akte.KindConflict, r, nil, "")
	}
	return internal(op, err)
}
