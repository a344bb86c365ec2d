package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// testUsage: an account gets usage data with its registration; accesses
// keep each quarter's latest; the data outlives the account, records its
// end once, and goes by PruneUsage's two limits. A provider has none.
func testUsage(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	note := func(id akte.AccountID, d time.Duration) {
		t.Helper()
		if err := s.NoteAccess(ctx, id, akte.Quarter(at(d)), at(d)); err != nil {
			t.Fatalf("NoteAccess: %v", err)
		}
	}
	day := 24 * time.Hour
	note(a.ID, day)
	note(a.ID, 3*day)
	note(a.ID, 2*day) // an earlier access noted later changes nothing
	note(a.ID, 100*day)
	note(b.ID, day)
	if err := s.NoteAccess(ctx, "acc-unknown", akte.Quarter(at(0)), at(0)); err != nil {
		t.Errorf("NoteAccess(no usage data) = %v, want nil and nothing kept", err)
	}
	if err := s.SetUsageInsurer(ctx, b.ID, "Beispiel-BKK"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "SetUsageInsurer(unknown)", s.SetUsageInsurer(ctx, "acc-unknown", "x"), akte.KindNotFound)
	q := akte.Quarter
	qa := func(d time.Duration) akte.QuarterAccess {
		return akte.QuarterAccess{Quarter: q(at(d)), LastAccess: at(d)}
	}
	want := []*akte.UsageData{
		{AccountID: a.ID, RegisteredAt: a.CreatedAt, Quarters: []akte.QuarterAccess{qa(100 * day), qa(3 * day)}},
		{AccountID: b.ID, RegisteredAt: b.CreatedAt, Insurer: "Beispiel-BKK", Quarters: []akte.QuarterAccess{qa(day)}},
	}
	got, err := s.UsageData(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "UsageData", got, want)
	got, _ = s.UsageData(ctx, b.ID)
	wantEqual(t, "UsageData(b)", got, []*akte.UsageData{want[1]})

	// The account goes; its usage data stays, with its first end.
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{200 * day, 300 * day} {
		if err := s.EndUsage(ctx, a.ID, at(d)); err != nil {
			t.Fatalf("EndUsage: %v", err)
		}
	}
	wantKind(t, "EndUsage(unknown)", s.EndUsage(ctx, "acc-unknown", at(0)), akte.KindNotFound)
	got, _ = s.UsageData(ctx, "")
	for _, u := range got {
		if u.AccountID == a.ID && (u.TerminatedAt == nil || !u.TerminatedAt.Equal(at(200*day).Truncate(time.Microsecond))) {
			t.Errorf("after EndUsage: %+v, want terminated at %v", u, at(200*day))
		}
	}

	// Pruning: quarters before the one of day 100 go; a ended on day 200,
	// which is not before day 200.
	n, err := s.PruneUsage(ctx, q(at(100*day)), at(200*day))
	if err != nil || n != 2 {
		t.Errorf("PruneUsage = %d, %v; want 2 quarters", n, err)
	}
	got, _ = s.UsageData(ctx, "")
	if len(got) != 2 {
		t.Fatalf("after pruning quarters: %+v", got)
	}
	n, err = s.PruneUsage(ctx, q(at(100*day)), at(201*day))
	if err != nil || n != 2 {
		t.Errorf("PruneUsage(after the end) = %d, %v; want the account's row and its quarter", n, err)
	}
	got, _ = s.UsageData(ctx, "")
	wantEqual(t, "UsageData after pruning", got, []*akte.UsageData{{AccountID: b.ID, RegisteredAt: b.CreatedAt, Insurer: "Beispiel-BKK"}})

	if err := s.DeleteUsage(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteUsage(again)", s.DeleteUsage(ctx, b.ID), akte.KindNotFound)
	if got, _ := s.UsageData(ctx, ""); len(got) != 0 {
		t.Errorf("UsageData after DeleteUsage: %+v", got)
	}
}
