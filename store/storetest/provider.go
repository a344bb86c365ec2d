package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func newProvider(a akte.AccountID, n int, name, place, telematik string) *akte.Provider {
	return &akte.Provider{AccountID: a, Type: akte.ProviderPractice, Name: name, TelematikID: telematik,
		LANR: fmt.Sprintf("%09d", n), BSNR: fmt.Sprintf("%09d", 100+n), Place: place, Search: name + " " + place,
		Status: akte.ProviderPending, CreatedAt: at(0).Add(time.Duration(n) * time.Minute)}
}

func mustCreateProvider(t *testing.T, s akte.Store, n int, name, place, telematik string) *akte.Provider {
	t.Helper()
	a := newAccount(n)
	a.KVNR, a.BirthDate = "", ""
	p := newProvider(a.ID, n, name, place, telematik)
	if err := s.CreateProvider(t.Context(), a, p); err != nil {
		t.Fatalf("CreateProvider(%s): %v", a.ID, err)
	}
	return p
}

func testProviders(t *testing.T, s akte.Store) {
	ctx := t.Context()
	_, err := s.Provider(ctx, "nobody")
	wantKind(t, "Provider of nobody", err, akte.KindNotFound)
	patient := mustCreateAccount(t, s, newAccount(9))
	_, err = s.Provider(ctx, patient.ID)
	wantKind(t, "Provider of a patient", err, akte.KindNotFound)

	p1 := mustCreateProvider(t, s, 1, "praxis dr. müller", "köln", "1-20000001")
	p2 := mustCreateProvider(t, s, 2, "apotheke am markt", "bonn", "3-30000002")
	p3 := mustCreateProvider(t, s, 3, "praxis am dom", "köln", "1-20000003")
	got, err := s.Provider(ctx, p1.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Provider", got, p1)
	if _, err := s.Account(ctx, p1.AccountID); err != nil {
		t.Fatalf("the provider's account: %v", err)
	}
	// The address is taken: nothing is stored.
	dup := newAccount(1)
	dup.ID = "acc-dup"
	wantKind(t, "CreateProvider with a taken address", s.CreateProvider(ctx, dup, newProvider(dup.ID, 4, "x", "y", "z")), akte.KindConflict)
	_, err = s.Provider(ctx, dup.ID)
	wantKind(t, "Provider of a refused registration", err, akte.KindNotFound)

	ids := func(ps []*akte.Provider, err error) []akte.AccountID {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out := []akte.AccountID{}
		for _, p := range ps {
			out = append(out, p.AccountID)
		}
		return out
	}
	wantEqual(t, "Providers all", ids(s.Providers(ctx, "")), []akte.AccountID{p1.AccountID, p2.AccountID, p3.AccountID})
	wantEqual(t, "Providers verified", ids(s.Providers(ctx, akte.ProviderVerified)), []akte.AccountID{})
	wantEqual(t, "search among pending", ids(s.SearchProviders(ctx, akte.ProviderPending, "köln", "", 10)), []akte.AccountID{p3.AccountID, p1.AccountID})
	wantEqual(t, "search among verified", ids(s.SearchProviders(ctx, akte.ProviderVerified, "köln", "", 10)), []akte.AccountID{})

	// Decisions: from pending, once.
	wantKind(t, "DecideProvider of nobody", s.DecideProvider(ctx, "nobody", akte.ProviderPending, akte.ProviderVerified, at(1), "operator:x"), akte.KindNotFound)
	if err := s.DecideProvider(ctx, p1.AccountID, akte.ProviderPending, akte.ProviderVerified, at(time.Hour), "operator:ops"); err != nil {
		t.Fatal(err)
	}
	wantReason(t, "DecideProvider twice", s.DecideProvider(ctx, p1.AccountID, akte.ProviderPending, akte.ProviderRejected, at(time.Hour), "operator:ops"),
		akte.KindConflict, "provider_decided")
	p1.Status, p1.DecidedAt, p1.DecidedBy = akte.ProviderVerified, ptr(at(time.Hour)), "operator:ops"
	got, _ = s.Provider(ctx, p1.AccountID)
	wantEqual(t, "Provider after DecideProvider", got, p1)

	// One verified provider per Telematik-ID; a pending one may name it.
	p4 := mustCreateProvider(t, s, 4, "praxis dr. müller", "köln", "1-20000001")
	wantReason(t, "verify a second holder of a Telematik-ID", s.DecideProvider(ctx, p4.AccountID, akte.ProviderPending, akte.ProviderVerified, at(time.Hour), "operator:ops"),
		akte.KindConflict, "telematik_id_taken")
	if err := s.DecideProvider(ctx, p4.AccountID, akte.ProviderPending, akte.ProviderRejected, at(time.Hour), "operator:ops"); err != nil {
		t.Fatal(err)
	}
	if err := s.DecideProvider(ctx, p3.AccountID, akte.ProviderPending, akte.ProviderVerified, at(time.Hour), "operator:ops"); err != nil {
		t.Fatal(err)
	}

	// Search: a part of name or place, or exactly an id.
	for _, tc := range []struct {
		text, id string
		want     []akte.AccountID
	}{
		{"köln", "", []akte.AccountID{p3.AccountID, p1.AccountID}},
		{"müller", "", []akte.AccountID{p1.AccountID}},
		{"markt", "", []akte.AccountID{}}, // pending
		{"", "1-20000003", []akte.AccountID{p3.AccountID}},
		{"", "1-2000000", []akte.AccountID{}}, // ids match whole
		{"", "000000001", []akte.AccountID{p1.AccountID}},
		{"", "000000103", []akte.AccountID{p3.AccountID}},
		{"", string(p1.AccountID), []akte.AccountID{p1.AccountID}},
		{"", string(p4.AccountID), []akte.AccountID{}}, // rejected
		{"", "", []akte.AccountID{}},
		{"%", "", []akte.AccountID{}}, // no pattern characters
	} {
		wantEqual(t, fmt.Sprintf("search %q %q", tc.text, tc.id), ids(s.SearchProviders(ctx, akte.ProviderVerified, tc.text, tc.id, 10)), tc.want)
	}
	wantEqual(t, "search with a limit", ids(s.SearchProviders(ctx, akte.ProviderVerified, "köln", "", 1)), []akte.AccountID{p3.AccountID})
	_, err = s.SearchProviders(ctx, akte.ProviderVerified, "köln", "", 0)
	wantKind(t, "search without a limit", err, akte.KindInvalid)

	// Of concurrent decisions one wins.
	p5 := mustCreateProvider(t, s, 5, "klinik", "aachen", "5-50000005")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 10 {
		wg.Go(func() {
			to := []akte.ProviderStatus{akte.ProviderVerified, akte.ProviderRejected}[i%2]
			err := s.DecideProvider(ctx, p5.AccountID, akte.ProviderPending, to, at(time.Hour), "operator:ops")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if r, _ := akte.ReasonOf(err); r != "provider_decided" {
				t.Errorf("concurrent decision: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent decisions won, want 1", wins)
	}

	// The entry goes with the account.
	if err := s.DeleteAccount(ctx, p1.AccountID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Provider(ctx, p1.AccountID)
	wantKind(t, "Provider after DeleteAccount", err, akte.KindNotFound)
}
