package service_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// storedItem puts a complete item of the principal's record straight
// into the store.
func (e *env) storedItem(p *service.Principal, id string, c akte.CategoryID, version uint32) {
	e.t.Helper()
	now := e.clk.Now()
	it := &akte.Item{ID: akte.ItemID(id), AccountID: p.Account.ID, Category: c, KeyVersion: version, Kind: akte.KindDocument, Size: 200,
		ChunkSize: 1 << 20, CreatedAt: now, UpdatedAt: now, CreatedBy: string(p.Account.ID), MetaSealed: []byte("meta"), KeySlot: []byte("slot"), MetaVersion: 1}
	if err := e.store.CreateUpload(e.t.Context(), it, -1); err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.CompleteUpload(e.t.Context(), it.ID, now); err != nil {
		e.t.Fatal(err)
	}
}

// grantKeys are key slots named as a grant of the categories needs them
// (the service checks names, not the slots' content).
func grantKeys(rid akte.RecordID, cats ...akte.CategoryID) []akte.GrantKey {
	var out []akte.GrantKey
	for _, c := range cats {
		out = append(out, akte.GrantKey{ID: fmt.Sprintf("%s/%s/v1", rid, c), Slot: []byte("slot-" + string(c))})
	}
	return out
}

// grantEnv is a patient with three findings and a letter, and two
// providers; the helpers give every record one id, so the providers'
// own records get others.
func grantEnv(t *testing.T) (*env, *service.Principal, *service.Principal, *service.Principal) {
	e := newEnv(t, testConfig())
	p, _ := e.principal("patientin@example.org", "X110411675")
	a := e.verifiedProvider("praxis-a@example.org", "Praxis A", "1-20000001")
	b := e.verifiedProvider("praxis-b@example.org", "Praxis B", "1-20000002")
	for _, id := range []string{"finding000000001", "finding000000002", "finding000000003"} {
		e.storedItem(p, id, "findings", 1)
	}
	e.storedItem(p, "letter0000000001", "letters", 1)
	e.storedItem(p, "private000000001", "private", 1)
	return e, p, a, b
}

func listed(t *testing.T, e *env, p *service.Principal, rid akte.RecordID) []string {
	t.Helper()
	its, err := e.svc.Items(t.Context(), p, rid, "")
	if err != nil {
		t.Fatalf("items: %v", err)
	}
	var out []string
	for _, it := range its {
		out = append(out, string(it.ID))
	}
	slices.Sort(out)
	return out
}

// TestGrantValidation: what a grant may name, the keys it must carry, its
// validity.
func TestGrantValidation(t *testing.T) {
	e, p, a, _ := grantEnv(t)
	ctx := t.Context()
	rid := p.RecordID
	req := func(scope akte.GrantScope, cats []akte.CategoryID, items []akte.ItemID, keys []akte.GrantKey) service.GrantRequest {
		return service.GrantRequest{Grantee: a.Account.ID, Scope: scope, Categories: cats, Items: items, Keys: keys}
	}
	for _, c := range []struct {
		name   string
		r      service.GrantRequest
		kind   akte.Kind
		reason string
	}{
		{"the private category", req(akte.ScopeCategories, []akte.CategoryID{"private"}, nil, grantKeys(rid, "private")), akte.KindInvalid, "category_not_grantable"},
		{"a private item", req(akte.ScopeItems, nil, []akte.ItemID{"private000000001"}, []akte.GrantKey{{ID: "private000000001", Slot: []byte("s")}}), akte.KindInvalid, "category_not_grantable"},
		{"no key", req(akte.ScopeCategories, []akte.CategoryID{"findings"}, nil, nil), akte.KindInvalid, "grant_keys_missing"},
		{"the private key in a record grant", req(akte.ScopeRecord, nil, nil, grantKeys(rid, "findings", "private")), akte.KindInvalid, "grant_keys_invalid"},
		{"another category's key", req(akte.ScopeCategories, []akte.CategoryID{"findings"}, nil, grantKeys(rid, "findings", "letters")), akte.KindInvalid, "grant_keys_invalid"},
		{"an item of no record", req(akte.ScopeItems, nil, []akte.ItemID{"nosuchitem000000"}, nil), akte.KindNotFound, "item_not_found"},
		{"categories and items", req(akte.ScopeCategories, []akte.CategoryID{"findings"}, []akte.ItemID{"finding000000001"}, nil), akte.KindInvalid, "grant_scope_invalid"},
		{"oneself", service.GrantRequest{Grantee: p.Account.ID, Scope: akte.ScopeRecord}, akte.KindInvalid, "grantee_self"},
		{"nobody", service.GrantRequest{Grantee: "NOBODY", Scope: akte.ScopeRecord}, akte.KindNotFound, "provider_not_found"},
	} {
		_, err := e.svc.CreateGrant(ctx, p, rid, c.r)
		wantKind(t, c.name, err, c.kind, c.reason)
	}
	past := e.clk.Now().Add(-time.Minute)
	r := req(akte.ScopeCategories, []akte.CategoryID{"findings"}, nil, grantKeys(rid, "findings"))
	r.Until = &past
	_, err := e.svc.CreateGrant(ctx, p, rid, r)
	wantKind(t, "until in the past", err, akte.KindInvalid, "grant_until_past")

	r.Until = nil
	g, err := e.svc.CreateGrant(ctx, p, rid, r)
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clk.Now().AddDate(0, 0, service.DefaultGrantDays); g.Until == nil || !g.Until.Equal(want) {
		t.Errorf("default end %v, want %v", g.Until, want)
	}
	r.Unlimited = true
	if g, err = e.svc.CreateGrant(ctx, p, rid, r); err != nil || g.Until != nil {
		t.Errorf("unlimited: %+v %v", g, err)
	}
	// A provider cannot grant in the record it was granted.
	_, err = e.svc.CreateGrant(ctx, a, rid, service.GrantRequest{Grantee: p.Account.ID, Scope: akte.ScopeRecord})
	wantKind(t, "a grantee granting", err, akte.KindForbidden, "action_not_permitted")
}

// TestGrantScope: a provider sees what its grants cover and nothing
// hidden from it; it adds only through the inbox and only where it may;
// its grant ends on the clock and at the very next request after a
// revocation, also under 100 parallel requests; a blocked provider is a
// stranger and cannot be named again until unblocked.
func TestGrantScope(t *testing.T) {
	e, p, a, b := grantEnv(t)
	ctx := t.Context()
	rid := p.RecordID
	grant := func(q *service.Principal, r service.GrantRequest) *akte.Grant {
		t.Helper()
		r.Grantee = q.Account.ID
		g, err := e.svc.CreateGrant(ctx, p, rid, r)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	ga := grant(a, service.GrantRequest{Scope: akte.ScopeCategories, Categories: []akte.CategoryID{"findings"}, Write: true, Keys: grantKeys(rid, "findings")})
	grant(b, service.GrantRequest{Scope: akte.ScopeItems, Items: []akte.ItemID{"letter0000000001"}, Keys: []akte.GrantKey{{ID: "letter0000000001", Slot: []byte("s")}}})

	if got := listed(t, e, a, rid); !slices.Equal(got, []string{"finding000000001", "finding000000002", "finding000000003"}) {
		t.Errorf("A lists %v", got)
	}
	if got := listed(t, e, b, rid); !slices.Equal(got, []string{"letter0000000001"}) {
		t.Errorf("B lists %v", got)
	}
	if err := e.svc.SetHidden(ctx, p, rid, akte.Hiding{Grantee: a.Account.ID, Item: "finding000000002"}, true); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, e, a, rid); slices.Contains(got, "finding000000002") {
		t.Errorf("A lists the item hidden from it: %v", got)
	}
	_, err := e.svc.Item(ctx, a, rid, "finding000000002")
	wantKind(t, "A reads the hidden item", err, akte.KindNotFound, "item_not_found")
	_, err = e.svc.Item(ctx, a, rid, "letter0000000001")
	wantKind(t, "A reads a letter", err, akte.KindNotFound, "item_not_found")
	_, err = e.svc.Record(ctx, a, rid)
	wantKind(t, "A reads the record's keys", err, akte.KindForbidden, "action_not_permitted")
	rs, err := e.svc.Records(ctx, a)
	if err != nil || !slices.ContainsFunc(rs, func(r service.RecordAccess) bool { return r.ID == rid && r.Role == service.RoleProviderCatW }) {
		t.Errorf("A's records: %+v %v", rs, err)
	}

	// Adding: into the inbox (key version 0) of a category it may add to.
	up := service.UploadRequest{ID: "byprovidera00001", Category: "findings", KeyVersion: 1, Size: 150, MetaSealed: []byte("m"), KeySlot: []byte("s")}
	_, err = e.svc.CreateUpload(ctx, a, rid, up)
	wantKind(t, "A uploads under a category key", err, akte.KindInvalid, "inbox_key_version")
	up.KeyVersion = 0
	if _, err := e.svc.CreateUpload(ctx, a, rid, up); err != nil {
		t.Fatalf("A's inbox upload: %v", err)
	}
	up.ID, up.Category = "byprovidera00002", "letters"
	_, err = e.svc.CreateUpload(ctx, a, rid, up)
	wantKind(t, "A uploads into letters", err, akte.KindNotFound, "item_not_found")
	up.ID, up.Category = "byproviderb00001", "findings"
	_, err = e.svc.CreateUpload(ctx, b, rid, up)
	wantKind(t, "B (read only) uploads", err, akte.KindForbidden, "action_not_permitted")

	// Revoked while 100 of A's requests run: each is answered in full or
	// refused as a stranger's, and the first request after the revocation
	// is refused.
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if _, err := e.svc.Items(ctx, a, rid, ""); err != nil && !akte.Is(err, akte.KindNotFound) {
				t.Errorf("A during the revocation: %v", err)
			}
		})
	}
	if err := e.svc.RevokeGrant(ctx, p, rid, ga.ID); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_, err = e.svc.Items(ctx, a, rid, "")
	wantKind(t, "A after the revocation", err, akte.KindNotFound, "record_not_found")

	// Lazy rotation: the findings' key A held must not seal new findings.
	info, err := e.svc.Record(ctx, p, rid)
	if err != nil || !slices.Equal(info.Rotate, []akte.CategoryID{"findings"}) {
		t.Fatalf("rotate: %+v %v", info.Rotate, err)
	}
	own := service.UploadRequest{ID: "patientfinding01", Category: "findings", KeyVersion: 1, Size: 150, MetaSealed: []byte("m"), KeySlot: []byte("s")}
	_, err = e.svc.CreateUpload(ctx, p, rid, own)
	wantKind(t, "an upload under the key A held", err, akte.KindConflict, "category_key_rotation_needed")
	_, err = e.svc.ChangeItemMeta(ctx, p, rid, "letter0000000001", service.MetaChange{Expect: 1, MetaSealed: []byte("m2"), Category: "findings", KeyVersion: 1, KeySlot: []byte("s")})
	wantKind(t, "a move under the key A held", err, akte.KindConflict, "category_key_rotation_needed")
	v2 := service.NewCategoryKey{Key: akte.CategoryKey{Category: "findings", Version: 2, KeyByRMK: []byte("findings-v2")}}
	if err := e.svc.AddCategoryKey(ctx, p, rid, v2); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateUpload(ctx, p, rid, own)
	wantKind(t, "an upload under the old version", err, akte.KindConflict, "category_key_outdated")
	own.KeyVersion = 2
	if _, err := e.svc.CreateUpload(ctx, p, rid, own); err != nil {
		t.Errorf("an upload under the new version: %v", err)
	}
	// A running grant of the category must get the next version too.
	grant(b, service.GrantRequest{Scope: akte.ScopeRecord, Keys: append(grantKeys(rid, "findings", "letters", "discharge", "diagnoses", "images", "vaccinations",
		"maternity", "child-exams", "dental", "medication", "care", "therapy", "patient-info", "apps", "billing", "emergency"),
		akte.GrantKey{ID: string(rid) + "/findings/v2", Slot: []byte("s")})})
	v3 := service.NewCategoryKey{Key: akte.CategoryKey{Category: "findings", Version: 3, KeyByRMK: []byte("findings-v3")}}
	wantKind(t, "a new version without B's slot", e.svc.AddCategoryKey(ctx, p, rid, v3), akte.KindInvalid, "grant_keys_missing")

	// Expired: B's record grant was made with the default 90 days.
	e.clk.Add(service.DefaultGrantDays*24*time.Hour + time.Minute)
	_, err = e.svc.Items(ctx, b, rid, "")
	wantKind(t, "B after the end", err, akte.KindNotFound, "record_not_found")

	// Blocked: the grants end, no new one may name it, until unblocked.
	g := grant(a, service.GrantRequest{Scope: akte.ScopeCategories, Categories: []akte.CategoryID{"letters"}, Keys: grantKeys(rid, "letters")})
	ended, err := e.svc.Block(ctx, p, rid, a.Account.ID)
	if err != nil || !slices.Equal(ended, []akte.GrantID{g.ID}) {
		t.Errorf("block: %v %v", ended, err)
	}
	_, err = e.svc.Items(ctx, a, rid, "")
	wantKind(t, "A blocked", err, akte.KindNotFound, "record_not_found")
	_, err = e.svc.CreateGrant(ctx, p, rid, service.GrantRequest{Grantee: a.Account.ID, Scope: akte.ScopeCategories, Categories: []akte.CategoryID{"letters"}, Keys: grantKeys(rid, "letters")})
	wantKind(t, "a grant to a blocked provider", err, akte.KindNotFound, "provider_not_found")
	if err := e.svc.Unblock(ctx, p, rid, a.Account.ID); err != nil {
		t.Fatal(err)
	}
	grant(a, service.GrantRequest{Scope: akte.ScopeCategories, Categories: []akte.CategoryID{"letters"}, Keys: grantKeys(rid, "letters")})

	// Each step is in the patient's protocol.
	evs, err := e.store.Events(ctx, p.Account.ID, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"grant.create", "grant.revoke", "grant.hide", "grant.block", "grant.unblock"} {
		if !slices.ContainsFunc(evs, func(ev *akte.Event) bool { return ev.Operation == op }) {
			t.Errorf("no %s event", op)
		}
	}
}
