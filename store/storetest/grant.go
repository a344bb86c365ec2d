package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// grantSetup makes an owner with a record and n grantees.
func grantSetup(t *testing.T, s akte.Store, n int) (akte.AccountID, []akte.AccountID) {
	t.Helper()
	o := mustCreateAccount(t, s, newAccount(1))
	if err := s.CreateRecord(t.Context(), newRecord(o.ID)); err != nil {
		t.Fatal(err)
	}
	var gs []akte.AccountID
	for i := range n {
		gs = append(gs, mustCreateAccount(t, s, newAccount(10+i)).ID)
	}
	return o.ID, gs
}

func newGrant(id string, owner, grantee akte.AccountID, scope akte.GrantScope) *akte.Grant {
	g := &akte.Grant{ID: akte.GrantID(id), Owner: owner, Record: akte.RecordID("rec-" + string(owner)), Grantee: grantee, Scope: scope,
		Write: scope == akte.ScopeItems, CreatedAt: at(time.Minute), CreatedBy: owner, Until: ptr(at(90 * 24 * time.Hour)),
		Keys: []akte.GrantKey{{ID: "k1", Slot: []byte("slot-1\x00\xff")}, {ID: "k2", Slot: []byte("slot-2")}}}
	switch scope {
	case akte.ScopeCategories:
		g.Categories = []akte.CategoryID{"findings", "letters"}
	case akte.ScopeItems:
		g.Items = []akte.ItemID{"item-a", "item-b"}
		g.Until = nil
	}
	return g
}

func testGrants(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, gs := grantSetup(t, s, 2)
	g1 := newGrant("g1", o, gs[0], akte.ScopeCategories)
	g2 := newGrant("g2", o, gs[1], akte.ScopeItems)
	g2.CreatedAt = at(2 * time.Minute)
	for _, g := range []*akte.Grant{g1, g2} {
		if err := s.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "CreateGrant twice", s.CreateGrant(ctx, newGrant("g1", o, gs[0], akte.ScopeRecord)), akte.KindConflict)
	wantKind(t, "CreateGrant to nobody", s.CreateGrant(ctx, newGrant("g9", o, "nobody", akte.ScopeRecord)), akte.KindNotFound)
	all, err := s.Grants(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	norm := func(g *akte.Grant) *akte.Grant {
		c := *g
		c.CreatedAt = c.CreatedAt.UTC()
		if c.Until != nil {
			c.Until = ptr(c.Until.UTC())
		}
		return &c
	}
	wantEqual(t, "Grants", all, []*akte.Grant{norm(g2), norm(g1)})
	mine, err := s.GranteeGrants(ctx, gs[0], true)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GranteeGrants", mine, []*akte.Grant{norm(g1)})
	bare := norm(g1)
	bare.Keys = nil
	if mine, err = s.GranteeGrants(ctx, gs[0], false); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "GranteeGrants without keys", mine, []*akte.Grant{bare})
	if none, err := s.Grants(ctx, gs[0]); err != nil || len(none) != 0 {
		t.Errorf("Grants of an account that granted nothing: %v %v", none, err)
	}

	// Revoked: the time kept, the keys gone; not twice, not another's.
	wantKind(t, "RevokeGrant by another owner", s.RevokeGrant(ctx, gs[1], "g1", at(time.Hour)), akte.KindNotFound)
	if err := s.RevokeGrant(ctx, o, "g1", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "RevokeGrant twice", s.RevokeGrant(ctx, o, "g1", at(2*time.Hour)), akte.KindNotFound)
	mine, _ = s.GranteeGrants(ctx, gs[0], true)
	if len(mine) != 1 || mine[0].RevokedAt == nil || !mine[0].RevokedAt.Equal(at(time.Hour).Truncate(time.Microsecond)) || len(mine[0].Keys) != 0 {
		t.Errorf("revoked grant: %+v", mine)
	}
}

func testCategoryKeyAdd(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, gs := grantSetup(t, s, 2)
	running, ended := newGrant("g1", o, gs[0], akte.ScopeRecord), newGrant("g2", o, gs[1], akte.ScopeRecord)
	for _, g := range []*akte.Grant{running, ended} {
		if err := s.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeGrant(ctx, o, "g2", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	k3 := akte.CategoryKey{Category: "findings", Version: 3, KeyByRMK: []byte("findings-v3"), CreatedAt: at(2 * time.Hour)}
	keys := map[akte.GrantID]akte.GrantKey{"g1": {ID: "findings/v3", Slot: []byte("to-g1")}, "g2": {ID: "findings/v3", Slot: []byte("to-g2")}}
	if err := s.AddCategoryKey(ctx, o, k3, keys); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "AddCategoryKey of the same version", s.AddCategoryKey(ctx, o, k3, nil), akte.KindConflict)
	k5 := k3
	k5.Version = 5
	wantKind(t, "AddCategoryKey skipping a version", s.AddCategoryKey(ctx, o, k5, nil), akte.KindConflict)
	rec, err := s.Record(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rec.CategoryKeys, func(k akte.CategoryKey) bool { return k.Category == "findings" && k.Version == 3 })
	if i < 0 || !rec.CategoryKeys[i].CreatedAt.Equal(k3.CreatedAt.Truncate(time.Microsecond)) || !rec.CategoryKeys[0].CreatedAt.IsZero() {
		t.Errorf("category keys after the addition: %+v", rec.CategoryKeys)
	}
	all, _ := s.Grants(ctx, o)
	for _, g := range all {
		has := slices.ContainsFunc(g.Keys, func(k akte.GrantKey) bool { return k.ID == "findings/v3" })
		if has != (g.ID == "g1") {
			t.Errorf("grant %s has the new version: %v (only the running grant may)", g.ID, has)
		}
	}
}

func testHidings(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, gs := grantSetup(t, s, 2)
	hs := []akte.Hiding{{Owner: o, Grantee: gs[0], Category: "findings"}, {Owner: o, Grantee: gs[0], Item: "item-a"}, {Owner: o, Grantee: gs[1], Item: "item-a"}}
	for _, h := range append(hs, hs[0]) { // twice is once
		if err := s.SetHidden(ctx, h, true); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Hidings(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("Hidings: %+v", got)
	}
	if err := s.SetHidden(ctx, hs[1], false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHidden(ctx, hs[1], false); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Hidings(ctx, o)
	if len(got) != 2 || slices.Contains(got, hs[1]) {
		t.Errorf("Hidings after showing one again: %+v", got)
	}
}

func testBlock(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, gs := grantSetup(t, s, 2)
	for i, g := range []*akte.Grant{newGrant("g1", o, gs[0], akte.ScopeRecord), newGrant("g2", o, gs[0], akte.ScopeItems), newGrant("g3", o, gs[1], akte.ScopeRecord)} {
		g.CreatedAt = at(time.Duration(i) * time.Minute)
		if err := s.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	ended, err := s.Block(ctx, o, gs[0], at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ended)
	if !slices.Equal(ended, []akte.GrantID{"g1", "g2"}) {
		t.Errorf("Block ended %v, want g1 g2", ended)
	}
	if again, err := s.Block(ctx, o, gs[0], at(2*time.Hour)); err != nil || len(again) != 0 {
		t.Errorf("Block again: %v %v", again, err)
	}
	wantKind(t, "CreateGrant to a blocked grantee", s.CreateGrant(ctx, newGrant("g4", o, gs[0], akte.ScopeRecord)), akte.KindConflict)
	all, _ := s.Grants(ctx, o)
	for _, g := range all {
		if ended := g.RevokedAt != nil; ended != (g.Grantee == gs[0]) || (ended && len(g.Keys) != 0) {
			t.Errorf("grant %s after the block: revoked %v, %d keys", g.ID, g.RevokedAt, len(g.Keys))
		}
	}
	if b, err := s.Blocked(ctx, o); err != nil || !slices.Equal(b, []akte.AccountID{gs[0]}) {
		t.Errorf("Blocked: %v %v", b, err)
	}
	if err := s.Unblock(ctx, o, gs[0]); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "Unblock twice", s.Unblock(ctx, o, gs[0]), akte.KindNotFound)
	if err := s.CreateGrant(ctx, newGrant("g4", o, gs[0], akte.ScopeRecord)); err != nil {
		t.Errorf("CreateGrant after the block was lifted: %v", err)
	}
}

// testBlockGrantConcurrent: a block and grants to the same grantee at the
// same time never leave a running grant behind the block.
func testBlockGrantConcurrent(t *testing.T, s akte.Store) {
	ctx := t.Context()
	o, gs := grantSetup(t, s, 1)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			g := newGrant(fmt.Sprintf("g%02d", i), o, gs[0], akte.ScopeRecord)
			if err := s.CreateGrant(ctx, g); err != nil && !akte.Is(err, akte.KindConflict) {
				t.Errorf("CreateGrant: %v", err)
			}
		})
		if i == 25 {
			wg.Go(func() {
				if _, err := s.Block(ctx, o, gs[0], at(time.Hour)); err != nil {
					t.Errorf("Block: %v", err)
				}
			})
		}
	}
	wg.Wait()
	all, err := s.Grants(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range all {
		if g.RevokedAt == nil {
			t.Errorf("grant %s runs after the block", g.ID)
		}
	}
}
