package service_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestRegistrationConsents: a registration without the required texts,
// with one missing, or with a hash other than the current text's, is
// refused and makes no account; a whole one records the three texts.
func TestRegistrationConsents(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	cases := []struct {
		name   string
		edit   func(r *service.RegisterRequest)
		kind   akte.Kind
		reason string
	}{
		{"none", func(r *service.RegisterRequest) { r.Consents = nil }, akte.KindInvalid, "consent_required"},
		{"no terms", func(r *service.RegisterRequest) { r.Consents = r.Consents[:2] }, akte.KindInvalid, "consent_required"},
		{"other text", func(r *service.RegisterRequest) { r.Consents[0].Hash = "00" + r.Consents[0].Hash[2:] }, akte.KindConflict, "consent_text_outdated"},
		{"old version", func(r *service.RegisterRequest) { r.Consents[1].Version = 0 }, akte.KindConflict, "consent_text_outdated"},
		{"no via", func(r *service.RegisterRequest) { r.Via = "" }, akte.KindInvalid, "consent_via_invalid"},
		{"paper", func(r *service.RegisterRequest) { r.Via = akte.ViaPaper }, akte.KindInvalid, "consent_via_invalid"},
	}
	for _, c := range cases {
		r := registerRequest("refused@example.org", "A123456780")
		r.Consents = append([]service.ConsentAnswer(nil), r.Consents...)
		c.edit(&r)
		_, err := e.svc.Register(ctx, service.Client{Addr: "192.0.2.9"}, r)
		wantKind(t, c.name, err, c.kind, c.reason)
	}
	if _, err := e.store.AccountByEmail(ctx, "refused@example.org"); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("an account after refused registrations: %v", err)
	}
	p, _ := e.principal("given@example.org", "A123456780")
	l, err := e.svc.Consents(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 3 || len(l.Due) != 0 {
		t.Fatalf("ledger after registration: %+v", l)
	}
	for _, r := range l.Records {
		if r.Decision != akte.ConsentGiven || r.Via != akte.ViaCLI || r.Version != 1 || r.At.IsZero() {
			t.Errorf("record %+v", r)
		}
	}
}

// TestConsentRules: give and withdraw, what cannot be withdrawn, the
// processing consent's withdrawal with its grace and undo, and the
// evidence that stays 3 years after the account went.
func TestConsentRules(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx := t.Context()
	p, a := e.principal("rules@example.org", "A123456780")
	texts := e.svc.ConsentTextList("de")
	var vacc service.ConsentTextInfo
	for _, x := range texts {
		if x.ID == "vaccinations" {
			vacc = x
		}
	}
	answer := service.ConsentAnswer{Text: vacc.ID, Version: vacc.Version, Lang: vacc.Lang, Hash: vacc.Hash}
	_, err := e.svc.WithdrawConsent(ctx, p, "vaccinations", akte.ViaCLI)
	wantKind(t, "withdraw before giving", err, akte.KindConflict, "consent_not_active")
	if _, err := e.svc.GiveConsent(ctx, p, answer, akte.ViaWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.WithdrawConsent(ctx, p, "vaccinations", akte.ViaWeb); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"privacy", "terms"} {
		_, err := e.svc.WithdrawConsent(ctx, p, id, akte.ViaCLI)
		wantKind(t, "withdraw "+id, err, akte.KindInvalid, "consent_not_withdrawable")
	}
	bad := answer
	bad.Hash = vacc.Hash[:60] + "0000"
	_, err = e.svc.GiveConsent(ctx, p, bad, akte.ViaCLI)
	wantKind(t, "give another text", err, akte.KindConflict, "consent_text_outdated")
	_, err = e.svc.GiveConsent(ctx, p, service.ConsentAnswer{Text: "nosuch", Version: 1, Lang: "de"}, akte.ViaCLI)
	wantKind(t, "give an unknown text", err, akte.KindNotFound, "consent_text_unknown")

	// The processing consent: withdrawn, the deletion is due after the
	// grace; account keep does not undo it, giving it again does.
	l, err := e.svc.WithdrawConsent(ctx, p, "processing", akte.ViaCLI)
	if err != nil {
		t.Fatal(err)
	}
	if l.DeleteAt == nil || l.DeleteAt.Sub(e.clk.Now().UTC().Add(7*24*time.Hour)).Abs() > time.Millisecond || len(l.Due) != 1 {
		t.Fatalf("after the withdrawal: %+v", l)
	}
	wantKind(t, "keep after a withdrawal", e.svc.KeepAccount(ctx, p), akte.KindNotFound, "termination_none")
	e.clk.Add(24 * time.Hour)
	cur, _ := e.svc.CurrentConsentText("processing", "de")
	if _, err := e.svc.GiveConsent(ctx, p, service.ConsentAnswer{Text: "processing", Version: cur.Version, Lang: "de", Hash: cur.Hash}, akte.ViaCLI); err != nil {
		t.Fatal(err)
	}
	if l, _ := e.svc.Consents(ctx, p); l.DeleteAt != nil || len(l.Due) != 0 {
		t.Fatalf("after giving it again: %+v", l)
	}
	if _, err := e.store.Termination(ctx, a.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("the deletion stands after the undo: %v", err)
	}
	// Withdrawn again and left: deleted after the grace, the evidence
	// stays for 3 years.
	if _, err := e.svc.WithdrawConsent(ctx, p, "processing", akte.ViaCLI); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(7*24*time.Hour - time.Minute)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Account(ctx, a.id); err != nil {
		t.Fatalf("deleted during the grace: %v", err)
	}
	e.clk.Add(2 * time.Minute)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Account(ctx, a.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("the account after the grace: %v", err)
	}
	rs, err := e.store.Consents(ctx, a.id)
	if err != nil || len(rs) != 8 || rs[0].EndedAt == nil {
		t.Fatalf("the evidence after the deletion: %d %v", len(rs), err)
	}
	e.clk.Add(service.ConsentEvidence - time.Hour)
	e.svc.RunJobs(ctx)
	if rs, _ := e.store.Consents(ctx, a.id); len(rs) != 8 {
		t.Fatalf("the evidence before 3 years: %d", len(rs))
	}
	e.clk.Add(2 * time.Hour)
	e.svc.RunJobs(ctx)
	if rs, _ := e.store.Consents(ctx, a.id); len(rs) != 0 {
		t.Fatalf("the evidence after 3 years: %d", len(rs))
	}
}

// TestWithdrawalAtOnce: with a grace of 0 the withdrawal deletes at once.
func TestWithdrawalAtOnce(t *testing.T) {
	cfg := testConfig()
	cfg.WithdrawalGrace = 0
	e := newEnv(t, cfg)
	p, a := e.principal("now@example.org", "A123456780")
	if _, err := e.svc.WithdrawConsent(t.Context(), p, "processing", akte.ViaWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Account(t.Context(), a.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("the account after a withdrawal with grace 0: %v", err)
	}
}

// TestRestriction: on and off, idempotent, only for a patient, recorded.
func TestRestriction(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, _ := e.principal("restrict@example.org", "A123456780")
	r, err := e.svc.Restrict(ctx, p, true)
	if err != nil || r == nil || !r.Since.Equal(e.clk.Now().UTC()) {
		t.Fatalf("restrict: %+v %v", r, err)
	}
	e.clk.Add(time.Hour)
	if r2, _ := e.svc.Restrict(ctx, p, true); !r2.Since.Equal(r.Since) {
		t.Errorf("restricted again: since %v, want %v", r2.Since, r.Since)
	}
	if r, err := e.svc.Restrict(ctx, p, false); r != nil || err != nil {
		t.Fatalf("lift: %+v %v", r, err)
	}
	if r, err := e.svc.Restrict(ctx, p, false); r != nil || err != nil {
		t.Fatalf("lift again: %+v %v", r, err)
	}
	if r, _ := e.svc.RestrictionOf(ctx, p); r != nil {
		t.Errorf("after lifting: %+v", r)
	}
	noRecord := *p
	noRecord.RecordID = ""
	_, err = e.svc.Restrict(ctx, &noRecord, true)
	wantKind(t, "restrict without a record", err, akte.KindNotFound, "record_not_found")
	// The table: the owner keeps every action; every other role with
	// access is refused with record_restricted; a stranger's answer
	// stays that of a record that does not exist.
	for _, a := range service.Actions() {
		if ok, _, _ := service.DecideRestricted(service.RoleOwner, a.Action); ok != (service.Cell(service.RoleOwner, a.Action) != service.Deny) {
			t.Errorf("owner, %s: %v", a.Action, ok)
		}
		for _, role := range []service.Role{service.RoleRepresentative, service.RoleEmergencyOpen, service.RoleProviderRecordW, service.RoleInvited} {
			if ok, kind, reason := service.DecideRestricted(role, a.Action); ok || kind != akte.KindForbidden || reason != "record_restricted" {
				t.Errorf("%s, %s: %v %v %s", role, a.Action, ok, kind, reason)
			}
		}
		if _, _, reason := service.DecideRestricted(service.RoleStranger, a.Action); reason != "record_not_found" {
			t.Errorf("stranger, %s: %s", a.Action, reason)
		}
	}
}

// TestOperatorConsentTexts: the operator's directory replaces a text (both
// languages at one version); a text missing a language, or a bad file,
// stops the start.
func TestOperatorConsentTexts(t *testing.T) {
	write := func(dir, name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(dir, "terms.de.md", "version: 3\n\nBedingungen des Betreibers\n")
	write(dir, "terms.en.md", "version: 3\n\nThe operator's terms\n")
	ct, err := service.LoadConsentTexts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if x, _ := ct.Text("terms", "en"); x.Version != 3 || x.Body != "The operator's terms" || len(x.Hash) != 64 {
		t.Errorf("terms: %+v", x)
	}
	if x, _ := ct.Text("privacy", "de"); x.Version != 1 {
		t.Errorf("privacy (shipped): %+v", x)
	}
	for name, files := range map[string][][2]string{
		"one language": {{"terms.de.md", "version: 2\n\nx\n"}},
		"two versions": {{"terms.de.md", "version: 2\n\nx\n"}, {"terms.en.md", "version: 3\n\nx\n"}},
		"no version":   {{"terms.de.md", "x\n"}, {"terms.en.md", "version: 3\n\nx\n"}},
		"bad name":     {{"Terms.fr.md", "version: 1\n\nx\n"}},
		"empty text":   {{"terms.de.md", "version: 2\n\n"}, {"terms.en.md", "version: 2\n\nx\n"}},
	} {
		d := t.TempDir()
		for _, f := range files {
			write(d, f[0], f[1])
		}
		if _, err := service.LoadConsentTexts(d); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// TestConsentLimit: an account makes at most 120 consent decisions an
// hour; the next is refused and recorded nowhere.
func TestConsentLimit(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	p, a := e.principal("many@example.org", "A123456780")
	cur, _ := e.svc.CurrentConsentText("vaccinations", "de")
	answer := service.ConsentAnswer{Text: cur.ID, Version: cur.Version, Lang: "de", Hash: cur.Hash}
	for i := range 60 {
		if _, err := e.svc.GiveConsent(ctx, p, answer, akte.ViaCLI); err != nil {
			t.Fatalf("give #%d: %v", i, err)
		}
		if _, err := e.svc.WithdrawConsent(ctx, p, "vaccinations", akte.ViaCLI); err != nil {
			t.Fatalf("withdraw #%d: %v", i, err)
		}
	}
	_, err := e.svc.GiveConsent(ctx, p, answer, akte.ViaCLI)
	if !akte.Is(err, akte.KindRateLimited) {
		t.Fatalf("the 121st decision: %v", err)
	}
	if rs, _ := e.store.Consents(ctx, a.id); len(rs) != 3+120 {
		t.Errorf("%d records, want %d", len(rs), 3+120)
	}
}
