package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
)

// Grants let a provider read, and with "add" also add to, part of a
// patient's record (design §4.2, decision 0035). The keys travel wrapped
// by the patient's client to the grantee's public key; the server stores
// them and hands them only to the grantee while the grant runs, and
// refuses everything outside a running grant's scope from the very next
// request on: every request resolves the grants anew.

// Grant limits.
const (
	DefaultGrantDays = 90
	maxGrantItems    = 100 // their slots fit the 256 KiB body
	maxGrantKeys     = 10000
)

// GrantOps: the audit operations of grants, hiding and blocking.
const (
	opGrantCreate = string(audit.GrantCreate)
	opGrantRevoke = string(audit.GrantRevoke)
	opHide        = string(audit.GrantHide)
	opUnhide      = string(audit.GrantUnhide)
	opBlock       = string(audit.GrantBlock)
	opUnblock     = string(audit.GrantUnblock)
)

// granteeEligible decides whether an account may be named in a grant of
// owner's record: it exists, is not the owner, is not blocked by an
// operator, and is a provider the operator verified.
// The owner's own block is checked by the store in the same statement
// that inserts the grant.
func (s *Service) granteeEligible(ctx context.Context, op string, owner, grantee akte.AccountID) (*akte.Account, error) {
	if grantee == owner {
		return nil, invalid(op, "grantee_self", nil)
	}
	// Only a provider an operator verified can be granted (issue 14,
	// item 2); anyone else gets the answer of an unknown id.
	if _, err := s.VerifiedProvider(ctx, grantee); akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(op, akte.KindNotFound, "provider_not_found", nil, "")
	} else if err != nil {
		return nil, err
	}
	a, err := s.store.Account(ctx, grantee)
	if akte.Is(err, akte.KindNotFound) || (err == nil && (a.BlockedAt != nil || len(a.Keys.PublicKey) == 0)) {
		return nil, akte.R(op, akte.KindNotFound, "provider_not_found", nil, "")
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return a, nil
}

// grantScope is what a provider may act on in one record: the running
// grants to it and what is hidden from it, folded into sets once per
// request (a listing asks for every item).
type grantScope struct {
	grantee akte.AccountID
	grants  []*akte.Grant
	hidden  map[string]bool // "c:"+category, "i:"+item
	read    map[akte.CategoryID]bool
	add     map[akte.CategoryID]bool
	items   map[akte.ItemID]bool
	writes  bool
}

// fold computes the sets of the scope from its grants and hidings.
func (sc *grantScope) fold() {
	sc.read, sc.add, sc.items = map[akte.CategoryID]bool{}, map[akte.CategoryID]bool{}, map[akte.ItemID]bool{}
	for _, c := range akte.Categories() {
		if !c.Grants || sc.hidden["c:"+string(c.ID)] {
			continue
		}
		for _, g := range sc.grants {
			if g.Scope != akte.ScopeItems && grantCoversCategory(g, c.ID) {
				sc.read[c.ID] = true
			}
			if g.Write && grantCoversCategory(g, c.ID) {
				sc.add[c.ID] = true
			}
		}
	}
	for _, g := range sc.grants {
		sc.writes = sc.writes || g.Write
		if g.Scope == akte.ScopeItems {
			for _, id := range g.Items {
				sc.items[id] = true
			}
		}
	}
}

// grantCoversCategory says whether one grant covers a category (for reading or adding
// a new item there).
func grantCoversCategory(g *akte.Grant, c akte.CategoryID) bool {
	cat, ok := akte.CategoryByID(c)
	if !ok || !cat.Grants {
		return false // the private category can never be granted
	}
	switch g.Scope {
	case akte.ScopeRecord:
		return true
	case akte.ScopeCategories:
		return slices.Contains(g.Categories, c)
	case akte.ScopeItems:
		return g.Write // an item grant with add may add into any grantable category
	}
	return false
}

// Covers implements Scope: never the private category, nothing hidden;
// for an upload, a new item into a category a grant lets it add to, or
// its own upload under way; for reading, a covered category, a granted
// item, or what it added itself while a grant to add runs.
func (sc *grantScope) Covers(action Action, it *akte.Item) bool {
	if sc == nil || it.Category == "private" || sc.hidden["c:"+string(it.Category)] || (it.ID != "" && sc.hidden["i:"+string(it.ID)]) {
		return false
	}
	own := it.CreatedBy == string(sc.grantee)
	if action == ActItemUpload {
		return sc.add[it.Category] && (it.ID == "" || own)
	}
	if sc.read[it.Category] || sc.items[it.ID] && grantable(it.Category) {
		return true
	}
	return sc.writes && own && grantable(it.Category)
}

// grantable says whether a category may be granted at all.
func grantable(c akte.CategoryID) bool {
	cat, ok := akte.CategoryByID(c)
	return ok && cat.Grants
}

// grantRole finds the role of a principal that does not own the record
// from its running grants of it: the broadest scope, "add" if any grant
// lets it add. No running grant (expired, revoked, blocked, never) is a
// stranger, with a stranger's answer.
func (s *Service) grantRole(ctx context.Context, p *Principal, rid akte.RecordID) (Role, akte.AccountID, *grantScope, error) {
	if !recordIDRe.MatchString(string(rid)) {
		return RoleStranger, "", nil, nil
	}
	gs, err := s.store.GranteeGrants(ctx, p.Account.ID, false)
	if err != nil {
		return "", "", nil, internal("record.authorize", err)
	}
	now := s.nowUTC()
	sc := &grantScope{grantee: p.Account.ID}
	var owner akte.AccountID
	for _, g := range gs {
		if g.Record == rid && g.Active(now) {
			sc.grants, owner = append(sc.grants, g), g.Owner
		}
	}
	if len(sc.grants) == 0 {
		return RoleStranger, "", nil, nil
	}
	hs, err := s.store.Hidings(ctx, owner)
	if err != nil {
		return "", "", nil, internal("record.authorize", err)
	}
	sc.hidden = map[string]bool{}
	for _, h := range hs {
		if h.Grantee != p.Account.ID {
			continue
		}
		if h.Item != "" {
			sc.hidden["i:"+string(h.Item)] = true
		} else {
			sc.hidden["c:"+string(h.Category)] = true
		}
	}
	sc.fold()
	return providerRole(sc.grants), owner, sc, nil
}

// providerRole names the role of a set of running grants.
func providerRole(gs []*akte.Grant) Role {
	write, rank := false, 0
	for _, g := range gs {
		write = write || g.Write
		switch g.Scope {
		case akte.ScopeRecord:
			rank = max(rank, 3)
		case akte.ScopeCategories:
			rank = max(rank, 2)
		default:
			rank = max(rank, 1)
		}
	}
	roles := map[[2]any]Role{
		{3, false}: RoleProviderRecord, {3, true}: RoleProviderRecordW,
		{2, false}: RoleProviderCategory, {2, true}: RoleProviderCatW,
		{1, false}: RoleProviderItem, {1, true}: RoleProviderItemW,
	}
	return roles[[2]any{rank, write}]
}

// grantedRecords lists the records granted to the principal, with its
// role in each and when its grants there end.
func (s *Service) grantedRecords(ctx context.Context, p *Principal) ([]RecordAccess, error) {
	gs, err := s.store.GranteeGrants(ctx, p.Account.ID, false)
	if err != nil {
		return nil, internal("record.list", err)
	}
	now := s.nowUTC()
	type rec struct {
		owner  akte.AccountID
		grants []*akte.Grant
	}
	byID := map[akte.RecordID]*rec{}
	var order []akte.RecordID
	for _, g := range gs {
		if !g.Active(now) {
			continue
		}
		r := byID[g.Record]
		if r == nil {
			r = &rec{owner: g.Owner}
			byID[g.Record] = r
			order = append(order, g.Record)
		}
		r.grants = append(r.grants, g)
	}
	var out []RecordAccess
	for _, rid := range order {
		r := byID[rid]
		a, err := s.store.Account(ctx, r.owner)
		if err != nil {
			continue // the owner left meanwhile
		}
		ra := RecordAccess{ID: rid, Role: providerRole(r.grants), OwnerEmail: a.Email, OwnerKVNR: a.KVNR}
		for _, g := range r.grants {
			if g.Until == nil {
				ra.Until = nil
				break
			}
			if ra.Until == nil || g.Until.After(*ra.Until) {
				ra.Until = g.Until
			}
		}
		out = append(out, ra)
	}
	return out, nil
}

// GrantRequest is a new grant as the patient's client made it.
type GrantRequest struct {
	Grantee    akte.AccountID
	Scope      akte.GrantScope
	Categories []akte.CategoryID
	Items      []akte.ItemID
	Write      bool
	// Until ends the grant; nil with Unlimited false means the default of
	// DefaultGrantDays from now.
	Until     *time.Time
	Unlimited bool
	Keys      []akte.GrantKey
}

// GrantInfo is a grant with what its reader needs besides: the grantee's
// public key (for the owner, to wrap new key versions) and the record's
// public key (for a grantee with "add").
type GrantInfo struct {
	*akte.Grant
	GranteePublicKey []byte
	RecordPublicKey  []byte
	Active           bool
}

// GranteeKey returns the public key of an account the patient may name in
// a grant, for its client to wrap the granted keys to.
func (s *Service) GranteeKey(ctx context.Context, p *Principal, rid akte.RecordID, grantee akte.AccountID) ([]byte, error) {
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return nil, err
	}
	a, err := s.granteeEligible(ctx, "grant.grantee", acc.Owner, grantee)
	if err != nil {
		return nil, err
	}
	return a.Keys.PublicKey, nil
}

// CreateGrant stores a grant of the record. The keys must be exactly
// those the scope needs (design §4.2): for a whole record or categories,
// the category keys of the covered categories, at least their newest
// versions, never the RMK and never the private category's; for items,
// each item's key. The server cannot check the slots' content; it checks
// their names.
func (s *Service) CreateGrant(ctx context.Context, p *Principal, rid akte.RecordID, r GrantRequest) (*akte.Grant, error) {
	const op = opGrantCreate
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return nil, err
	}
	if _, err := s.granteeEligible(ctx, op, acc.Owner, r.Grantee); err != nil {
		return nil, s.refused(ctx, p, op, "account:"+string(r.Grantee), err)
	}
	rec, err := s.store.Record(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	now := s.nowUTC()
	g := &akte.Grant{ID: akte.GrantID(strings.ToLower(randomToken(16))), Owner: acc.Owner, Record: rid, Grantee: r.Grantee,
		Scope: r.Scope, Write: r.Write, CreatedAt: now, CreatedBy: p.Account.ID}
	switch {
	case r.Unlimited && r.Until != nil:
		return nil, invalid(op, "grant_until_and_unlimited", nil)
	case r.Unlimited:
	case r.Until == nil:
		u := now.AddDate(0, 0, DefaultGrantDays)
		g.Until = &u
	case !r.Until.After(now):
		return nil, invalid(op, "grant_until_past", nil)
	default:
		u := r.Until.UTC()
		g.Until = &u
	}
	newest := map[akte.CategoryID]uint32{}
	for _, k := range rec.CategoryKeys {
		newest[k.Category] = max(newest[k.Category], k.Version)
	}
	want := map[string]bool{} // key ids the scope allows
	need := map[string]bool{} // key ids it must have
	var covered []akte.CategoryID
	switch r.Scope {
	case akte.ScopeRecord:
		if len(r.Categories) > 0 || len(r.Items) > 0 {
			return nil, invalid(op, "grant_scope_invalid", nil)
		}
		for _, c := range akte.Categories() {
			if c.Grants {
				covered = append(covered, c.ID)
			}
		}
	case akte.ScopeCategories:
		if len(r.Categories) == 0 || len(r.Items) > 0 {
			return nil, invalid(op, "grant_scope_invalid", nil)
		}
		for _, c := range r.Categories {
			cat, ok := akte.CategoryByID(c)
			if !ok {
				return nil, errCategoryUnknown(op, c)
			}
			if !cat.Grants {
				return nil, invalid(op, "category_not_grantable", map[string]any{"category": c})
			}
			if slices.Contains(covered, c) {
				return nil, invalid(op, "grant_scope_invalid", nil)
			}
			covered = append(covered, c)
		}
		g.Categories = covered
	case akte.ScopeItems:
		if len(r.Items) == 0 || len(r.Items) > maxGrantItems || len(r.Categories) > 0 {
			return nil, invalid(op, "grant_scope_invalid", map[string]any{"max": maxGrantItems})
		}
		for _, id := range r.Items {
			it, err := s.ownItem(ctx, op, acc, ActItemReadMetadata, id)
			if err != nil || it.State != akte.StateComplete {
				return nil, itemNotFound(op)
			}
			if cat, _ := akte.CategoryByID(it.Category); !cat.Grants {
				return nil, invalid(op, "category_not_grantable", map[string]any{"category": it.Category})
			}
			if want[string(id)] {
				return nil, invalid(op, "grant_scope_invalid", nil)
			}
			want[string(id)], need[string(id)] = true, true
		}
		g.Items = r.Items
	default:
		return nil, invalid(op, "grant_scope_invalid", nil)
	}
	for _, c := range covered {
		for v := uint32(1); v <= newest[c]; v++ {
			want[categoryKeyID(rid, c, v)] = true
		}
		need[categoryKeyID(rid, c, newest[c])] = true
	}
	if len(r.Keys) > maxGrantKeys {
		return nil, invalid(op, "grant_keys_invalid", nil)
	}
	seen := map[string]bool{}
	for _, k := range r.Keys {
		if !want[k.ID] || seen[k.ID] {
			return nil, invalid(op, "grant_keys_invalid", map[string]any{"key": k.ID})
		}
		if err := validateWrapped(op, "keys.slot", k.Slot); err != nil {
			return nil, err
		}
		seen[k.ID] = true
	}
	for id := range need {
		if !seen[id] {
			return nil, invalid(op, "grant_keys_missing", map[string]any{"key": id})
		}
	}
	g.Keys = r.Keys
	if err := s.store.CreateGrant(ctx, g); err != nil {
		if akte.Is(err, akte.KindConflict) {
			// Blocked by the patient: the same answer as an account that
			// is no provider, and a refusal in the protocol.
			return nil, s.refused(ctx, p, op, "account:"+string(r.Grantee), akte.R(op, akte.KindNotFound, "provider_not_found", nil, ""))
		}
		return nil, internal(op, err)
	}
	until := "unlimited"
	if g.Until != nil {
		until = g.Until.Format(time.RFC3339)
	}
	return g, s.accessEvent(ctx, acc, op, "grant:"+string(g.ID), akte.Event{
		Cause: fmt.Sprintf("grantee=%s scope=%s write=%t until=%s", g.Grantee, g.Scope, g.Write, until)})
}

// categoryKeyID is seal.CategoryKeyID (service does not import seal).
func categoryKeyID(rid akte.RecordID, c akte.CategoryID, v uint32) string {
	return fmt.Sprintf("%s/%s/v%d", rid, c, v)
}

// Grants lists the record's grants: for the owner every grant (running
// and ended, with the grantees' public keys, without the slots), for a
// grantee its running grants with their keys and the record's public key.
func (s *Service) Grants(ctx context.Context, p *Principal, rid akte.RecordID) ([]GrantInfo, error) {
	const op = "grant.list"
	acc, err := s.authorize(ctx, p, rid, ActGrantList)
	if err != nil {
		return nil, err
	}
	now := s.nowUTC()
	var out []GrantInfo
	if acc.Scope != nil {
		rec, err := s.store.Record(ctx, acc.Owner)
		if err != nil {
			return nil, internal(op, err)
		}
		gs, err := s.store.GranteeGrants(ctx, p.Account.ID, true)
		if err != nil {
			return nil, internal(op, err)
		}
		for _, g := range gs {
			if g.Record == rid && g.Active(now) {
				out = append(out, GrantInfo{Grant: g, RecordPublicKey: rec.PublicKey, Active: true})
			}
		}
		return out, nil
	}
	gs, err := s.store.Grants(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	keys := map[akte.AccountID][]byte{}
	for _, g := range gs {
		if _, ok := keys[g.Grantee]; !ok {
			if a, err := s.store.Account(ctx, g.Grantee); err == nil {
				keys[g.Grantee] = a.Keys.PublicKey
			}
		}
		g.Keys = nil // the grantee's; the owner wraps new versions to the public key
		out = append(out, GrantInfo{Grant: g, GranteePublicKey: keys[g.Grantee], Active: g.Active(now)})
	}
	return out, nil
}

// RevokeGrant ends a grant at once: its keys are deleted and from the
// next request on the grantee is refused what it covered. The owner's
// client then makes new versions of the category keys it held (lazy
// rotation: RotationNeeded).
func (s *Service) RevokeGrant(ctx context.Context, p *Principal, rid akte.RecordID, id akte.GrantID) error {
	const op = opGrantRevoke
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return err
	}
	if err := s.store.RevokeGrant(ctx, acc.Owner, id, s.nowUTC()); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			return akte.R(op, akte.KindNotFound, "grant_not_found", nil, "")
		}
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "grant:"+string(id), akte.Event{})
}

// rotationNeeded lists the categories of the owner's record whose newest
// key version a grantee held whose grant has ended (revoked, expired or
// ended by a block): new items there must go under a new version, so that
// the former grantee cannot read them with any key it kept.
func (s *Service) rotationNeeded(ctx context.Context, owner akte.AccountID, rec *akte.Record) (map[akte.CategoryID]bool, error) {
	gs, err := s.store.Grants(ctx, owner)
	if err != nil {
		return nil, err
	}
	now := s.nowUTC()
	newest := map[akte.CategoryID]akte.CategoryKey{}
	for _, k := range rec.CategoryKeys {
		if k.Version >= newest[k.Category].Version {
			newest[k.Category] = k
		}
	}
	out := map[akte.CategoryID]bool{}
	for _, g := range gs {
		end := g.EndedAt(now)
		if end == nil || g.Scope == akte.ScopeItems || g.Record != rec.ID {
			continue
		}
		for _, c := range akte.Categories() {
			// The newest version existed before the grant ended: the
			// grantee held it (given at the grant, or wrapped to it when
			// it was made while the grant ran).
			if k, ok := newest[c.ID]; ok && grantCoversCategory(g, c.ID) && k.CreatedAt.Before(*end) {
				out[c.ID] = true
			}
		}
	}
	return out, nil
}

// inboxRecord returns the owner's record for an upload by a provider,
// which must name key version 0: its item key is sealed to the record's
// public key, not under a category key.
func (s *Service) inboxRecord(ctx context.Context, op string, owner akte.AccountID, category akte.CategoryID, version uint32) (*akte.Record, error) {
	if _, ok := akte.CategoryByID(category); !ok {
		return nil, errCategoryUnknown(op, category)
	}
	if version != 0 {
		return nil, invalid(op, "inbox_key_version", nil)
	}
	rec, err := s.store.Record(ctx, owner)
	if err != nil {
		return nil, internal(op, err)
	}
	return rec, nil
}

// checkKeyFresh refuses an upload under an older key version than the
// category's newest, or under a newest version that a former grantee
// held (the client must rotate first: reason category_key_rotation_needed).
func (s *Service) checkKeyFresh(ctx context.Context, op string, owner akte.AccountID, rec *akte.Record, category akte.CategoryID, version uint32) error {
	var newest uint32
	for _, k := range rec.CategoryKeys {
		if k.Category == category {
			newest = max(newest, k.Version)
		}
	}
	if version < newest {
		return akte.R(op, akte.KindConflict, "category_key_outdated", map[string]any{"category": category, "version": newest}, "")
	}
	stale, err := s.rotationNeeded(ctx, owner, rec)
	if err != nil {
		return internal(op, err)
	}
	if stale[category] {
		return akte.R(op, akte.KindConflict, "category_key_rotation_needed", map[string]any{"category": category}, "")
	}
	return nil
}

// NewCategoryKey is a new version of a category key with its slots for
// the running grants that cover the category.
type NewCategoryKey struct {
	Key       akte.CategoryKey
	GrantKeys map[akte.GrantID]akte.GrantKey
}

// AddCategoryKey stores the next version of a category key. Every running
// grant that covers the category must get its slot (design §4.2: new
// versions made while a grant runs are wrapped to the grantee too).
func (s *Service) AddCategoryKey(ctx context.Context, p *Principal, rid akte.RecordID, k NewCategoryKey) error {
	const op = "record.key_add"
	acc, err := s.authorize(ctx, p, rid, ActKeyAdd)
	if err != nil {
		return err
	}
	if _, ok := akte.CategoryByID(k.Key.Category); !ok {
		return errCategoryUnknown(op, k.Key.Category)
	}
	if err := validateWrapped(op, "key_by_rmk", k.Key.KeyByRMK); err != nil {
		return err
	}
	gs, err := s.store.Grants(ctx, acc.Owner)
	if err != nil {
		return internal(op, err)
	}
	hs, err := s.store.Hidings(ctx, acc.Owner)
	if err != nil {
		return internal(op, err)
	}
	hidden := map[akte.AccountID]bool{} // the category is hidden from them
	for _, h := range hs {
		if h.Category == k.Key.Category {
			hidden[h.Grantee] = true
		}
	}
	id := categoryKeyID(rid, k.Key.Category, k.Key.Version)
	now := s.nowUTC()
	for _, g := range gs {
		// (Grants of the record before a reset name its old id; its keys are gone.)
		if g.Record != rid || !g.Active(now) || g.Scope == akte.ScopeItems || !grantCoversCategory(g, k.Key.Category) {
			continue
		}
		if hidden[g.Grantee] {
			// Keys enforce the hiding for what is added from now on.
			if _, ok := k.GrantKeys[g.ID]; ok {
				return invalid(op, "grant_keys_invalid", map[string]any{"key": id})
			}
			continue
		}
		gk, ok := k.GrantKeys[g.ID]
		if !ok || gk.ID != id {
			return invalid(op, "grant_keys_missing", map[string]any{"grant": g.ID})
		}
		if err := validateWrapped(op, "grant_keys.slot", gk.Slot); err != nil {
			return err
		}
	}
	k.Key.CreatedAt = now
	if err := s.store.AddCategoryKey(ctx, acc.Owner, k.Key, k.GrantKeys); err != nil {
		if akte.Is(err, akte.KindConflict) {
			return akte.R(op, akte.KindConflict, "category_key_version_exists", nil, "")
		}
		return internal(op, err)
	}
	return nil
}

// SetHidden hides one item or one category of the record from one
// grantee (hidden), or shows it again. The server refuses the grantee
// what is hidden from the next request on; for new items in a hidden
// category the keys do too once the patient's client rotated (docs/crypto.md).
func (s *Service) SetHidden(ctx context.Context, p *Principal, rid akte.RecordID, h akte.Hiding, hidden bool) error {
	op := opUnhide
	if hidden {
		op = opHide
	}
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return err
	}
	switch {
	case (h.Category == "") == (h.Item == ""):
		return invalid(op, "hiding_invalid", nil)
	case h.Category != "":
		if _, ok := akte.CategoryByID(h.Category); !ok {
			return errCategoryUnknown(op, h.Category)
		}
	default:
		if _, err := s.ownItem(ctx, op, acc, ActItemReadMetadata, h.Item); err != nil {
			return err
		}
	}
	// Any well-formed id: the answer does not tell whether an account exists.
	if !recordIDRe.MatchString(string(h.Grantee)) {
		return errIDInvalid(op, "grantee")
	}
	h.Owner = acc.Owner
	if err := s.store.SetHidden(ctx, h, hidden); err != nil {
		return internal(op, err)
	}
	object := "item:" + string(h.Item)
	if h.Category != "" {
		object = "category:" + string(h.Category)
	}
	return s.accessEvent(ctx, acc, op, object, akte.Event{Cause: "grantee=" + string(h.Grantee)})
}

// Hidings lists what the record's owner hides from whom.
func (s *Service) Hidings(ctx context.Context, p *Principal, rid akte.RecordID) ([]akte.Hiding, error) {
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return nil, err
	}
	hs, err := s.store.Hidings(ctx, acc.Owner)
	if err != nil {
		return nil, internal("grant.hidings", err)
	}
	return hs, nil
}

// Block blocks a provider: its grants of the record end at once and no
// new grant can name it until Unblock. It sees only what a stranger
// sees.
func (s *Service) Block(ctx context.Context, p *Principal, rid akte.RecordID, grantee akte.AccountID) ([]akte.GrantID, error) {
	const op = opBlock
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return nil, err
	}
	if grantee == acc.Owner {
		return nil, invalid(op, "grantee_self", nil)
	}
	// Any well-formed id: the answer does not tell whether an account
	// exists (a block of an id that names none is kept, and harmless).
	if !recordIDRe.MatchString(string(grantee)) {
		return nil, errIDInvalid(op, "account")
	}
	ended, err := s.store.Block(ctx, acc.Owner, grantee, s.nowUTC())
	if err != nil {
		return nil, internal(op, err)
	}
	return ended, s.accessEvent(ctx, acc, op, "account:"+string(grantee), akte.Event{Cause: fmt.Sprintf("grants_ended=%d", len(ended))})
}

// Unblock lifts a block; new grants may name the provider again (the
// ended ones stay ended).
func (s *Service) Unblock(ctx context.Context, p *Principal, rid akte.RecordID, grantee akte.AccountID) error {
	const op = opUnblock
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return err
	}
	if err := s.store.Unblock(ctx, acc.Owner, grantee); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			return akte.R(op, akte.KindNotFound, "block_not_found", nil, "")
		}
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "account:"+string(grantee), akte.Event{})
}

// Blocked lists the providers the record's owner blocks.
func (s *Service) Blocked(ctx context.Context, p *Principal, rid akte.RecordID) ([]akte.AccountID, error) {
	acc, err := s.authorize(ctx, p, rid, ActGrantManage)
	if err != nil {
		return nil, err
	}
	ids, err := s.store.Blocked(ctx, acc.Owner)
	if err != nil {
		return nil, internal("grant.blocked", err)
	}
	return ids, nil
}
