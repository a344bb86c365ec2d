package service_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// providerRequest is a valid registration of a doctor's practice.
func providerRequest(email, name, place, telematik string) service.ProviderRegisterRequest {
	m := material()
	return service.ProviderRegisterRequest{Email: email, KDF: m.KDF, LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier,
		Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Praxis-PC", Type: akte.ProviderPractice, Name: name,
		TelematikID: telematik, LANR: "123456667", BSNR: "987654321", Place: place}
}

// registerProvider registers a provider and, if confirm, confirms its
// address; it returns the account as its owner knows it.
func (e *env) registerProvider(r service.ProviderRegisterRequest, confirm bool) *account {
	e.t.Helper()
	res, err := e.svc.RegisterProvider(e.t.Context(), service.Client{Addr: "192.0.2.9"}, r)
	if err != nil {
		e.t.Fatalf("register provider %s: %v", r.Email, err)
	}
	if confirm {
		if err := e.svc.ConfirmEmail(e.t.Context(), service.Client{Addr: "192.0.2.9"}, r.Email, e.code(r.Email, "Bestätigen")); err != nil {
			e.t.Fatalf("confirm %s: %v", r.Email, err)
		}
	}
	return &account{email: r.Email, totp: res.TOTPSecret, deviceSecret: res.DeviceSecret, id: res.AccountID}
}

// TestProviderValidation: the institution's data is checked before
// anything is counted or stored.
func TestProviderValidation(t *testing.T) {
	e := newEnv(t, testConfig())
	for _, tc := range []struct {
		what   string
		edit   func(r *service.ProviderRegisterRequest)
		reason string
	}{
		{"unknown type", func(r *service.ProviderRegisterRequest) { r.Type = "clinic" }, "provider_type_invalid"},
		{"empty name", func(r *service.ProviderRegisterRequest) { r.Name = "  " }, "provider_name_invalid"},
		{"name with a control character", func(r *service.ProviderRegisterRequest) { r.Name = "Praxis\x00" }, "provider_name_invalid"},
		{"long place", func(r *service.ProviderRegisterRequest) { r.Place = fmt.Sprintf("%0121d", 0) }, "provider_place_invalid"},
		{"Telematik-ID without sector", func(r *service.ProviderRegisterRequest) { r.TelematikID = "ARZT-123" }, "telematik_id_invalid"},
		{"Telematik-ID with a space", func(r *service.ProviderRegisterRequest) { r.TelematikID = "1-2 3" }, "telematik_id_invalid"},
		{"LANR check digit", func(r *service.ProviderRegisterRequest) { r.LANR = "123456789" }, "lanr_invalid"},
		{"LANR length", func(r *service.ProviderRegisterRequest) { r.LANR = "12345666" }, "lanr_invalid"},
		{"BSNR letters", func(r *service.ProviderRegisterRequest) { r.BSNR = "98765432x" }, "bsnr_invalid"},
		{"LANR without BSNR", func(r *service.ProviderRegisterRequest) { r.BSNR = "" }, "bsnr_invalid"},
		{"BSNR without LANR", func(r *service.ProviderRegisterRequest) { r.LANR = "" }, "lanr_invalid"},
		{"practice without LANR and BSNR", func(r *service.ProviderRegisterRequest) { r.LANR, r.BSNR = "", "" }, "lanr_bsnr_required"},
	} {
		r := providerRequest("praxis@example.org", "Praxis Dr. Müller", "Köln", "1-20000001")
		tc.edit(&r)
		_, err := e.svc.RegisterProvider(t.Context(), service.Client{Addr: "192.0.2.9"}, r)
		wantKind(t, tc.what, err, akte.KindInvalid, tc.reason)
	}
	if n := e.mails("praxis@example.org", ""); n != 0 {
		t.Fatalf("%d mails after refused registrations", n)
	}
	// A pharmacy has no LANR; a valid one with both passes.
	r := providerRequest("apotheke@example.org", "Apotheke am Markt", "Bonn", "3-SMC-B-Testkarte-883110000092724")
	r.Type, r.LANR, r.BSNR = akte.ProviderPharmacy, "", ""
	e.registerProvider(r, false)
	e.registerProvider(providerRequest("praxis@example.org", "  Praxis   Dr. Müller ", "Köln", "1-20000001"), false)
}

// TestProviderLifecycle: pending → verified or rejected, once, by an
// operator; only a verified, confirmed, unblocked provider is found or
// can be granted (VerifiedProvider), and the provider is told by mail.
func TestProviderLifecycle(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	ops := service.Operator("ops")
	patient, _ := e.principal("anna@example.org", "A123456780")

	pa := e.registerProvider(providerRequest("praxis@example.org", "Praxis Dr. Müller", "Köln", "1-20000001"), false)
	found := func(q string) []akte.AccountID {
		t.Helper()
		ps, err := e.svc.SearchProviders(ctx, patient, q)
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		out := []akte.AccountID{}
		for _, p := range ps {
			out = append(out, p.AccountID)
		}
		return out
	}
	notFound := func(what string) {
		t.Helper()
		_, err := e.svc.VerifiedProvider(ctx, pa.id)
		wantKind(t, what+": VerifiedProvider", err, akte.KindNotFound, "provider_not_found")
		_, err = e.svc.Provider(ctx, patient, pa.id)
		wantKind(t, what+": Provider", err, akte.KindNotFound, "provider_not_found")
		for _, q := range []string{"müller", "KÖLN", "1-20000001", "123456667", "987654321", string(pa.id)} {
			if got := found(q); len(got) != 0 {
				t.Fatalf("%s: search %q finds %v", what, q, got)
			}
		}
	}
	notFound("pending, unconfirmed")
	// Unconfirmed: not verified.
	_, err := e.svc.AdminDecideProvider(ctx, ops, pa.email, true)
	wantKind(t, "verify an unconfirmed provider", err, akte.KindConflict, "provider_email_unconfirmed")
	if err := e.svc.ConfirmEmail(ctx, service.Client{Addr: "192.0.2.9"}, pa.email, e.code(pa.email, "Bestätigen")); err != nil {
		t.Fatal(err)
	}
	notFound("pending")
	// An unknown ref, a patient: no provider.
	_, err = e.svc.AdminDecideProvider(ctx, ops, "nobody@example.org", true)
	wantKind(t, "verify nobody", err, akte.KindNotFound, "account_not_found")
	_, err = e.svc.AdminDecideProvider(ctx, ops, "anna@example.org", true)
	wantKind(t, "verify a patient", err, akte.KindNotFound, "provider_not_found")

	ps, err := e.svc.AdminProviders(ctx, ops, akte.ProviderPending)
	if err != nil || len(ps) != 1 || ps[0].AccountID != pa.id || ps[0].Email != pa.email || !ps[0].Confirmed {
		t.Fatalf("pending providers: %+v %v", ps, err)
	}
	_, err = e.svc.AdminProviders(ctx, ops, "maybe")
	wantKind(t, "list by an unknown status", err, akte.KindInvalid, "provider_status_invalid")

	v, err := e.svc.AdminDecideProvider(ctx, ops, string(pa.id), true)
	if err != nil || v.Status != akte.ProviderVerified || v.DecidedBy != "operator:ops" || v.DecidedAt == nil {
		t.Fatalf("verify: %+v %v", v, err)
	}
	if n := e.mails(pa.email, "freigeschaltet"); n != 1 {
		t.Fatalf("%d verification mails", n)
	}
	_, err = e.svc.AdminDecideProvider(ctx, ops, pa.email, false)
	wantKind(t, "reject a verified provider", err, akte.KindConflict, "provider_decided")

	entry, err := e.svc.VerifiedProvider(ctx, pa.id)
	if err != nil || entry.Provider.Name != "Praxis Dr. Müller" || string(entry.PublicKey) != string(material().Keys.PublicKey) {
		t.Fatalf("VerifiedProvider: %+v %v", entry, err)
	}
	for _, q := range []string{"müller", "KÖLN", "praxis dr", "1-20000001", "123456667", "987654321", string(pa.id)} {
		if got := found(q); len(got) != 1 || got[0] != pa.id {
			t.Fatalf("search %q finds %v", q, got)
		}
	}
	if got := found("berlin"); len(got) != 0 {
		t.Fatalf("search berlin finds %v", got)
	}
	_, err = e.svc.SearchProviders(ctx, patient, " x ")
	wantKind(t, "a one-letter search", err, akte.KindInvalid, "search_text_invalid")

	// A second practice naming the same Telematik-ID stays pending; a
	// rejected one is final and never found.
	pb := e.registerProvider(providerRequest("falsch@example.org", "Praxis Dr. Müller", "Köln", "1-20000001"), true)
	_, err = e.svc.AdminDecideProvider(ctx, ops, pb.email, true)
	wantKind(t, "verify a second holder of the Telematik-ID", err, akte.KindConflict, "telematik_id_taken")
	if _, err := e.svc.AdminDecideProvider(ctx, ops, pb.email, false); err != nil {
		t.Fatal(err)
	}
	if n := e.mails(pb.email, "nicht freigeschaltet"); n != 1 {
		t.Fatalf("%d rejection mails", n)
	}
	_, err = e.svc.AdminDecideProvider(ctx, ops, pb.email, true)
	wantKind(t, "verify a rejected provider", err, akte.KindConflict, "provider_decided")
	if _, err := e.svc.VerifiedProvider(ctx, pb.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("a rejected provider: %v", err)
	}
	if got := found("müller"); len(got) != 1 || got[0] != pa.id {
		t.Fatalf("search after the rejection finds %v", got)
	}

	// A blocked provider is no provider.
	if _, err := e.svc.AdminBlockAccount(ctx, ops, pa.email, true); err != nil {
		t.Fatal(err)
	}
	notFound("blocked")
	if _, err := e.svc.AdminBlockAccount(ctx, ops, pa.email, false); err != nil {
		t.Fatal(err)
	}

	// Each step is in the protocol: the operator's on the provider's
	// account, the patient's lookups on the patient's.
	evs, err := e.store.Events(ctx, pa.id, 100)
	if err != nil {
		t.Fatal(err)
	}
	ops2 := map[string]int{}
	for _, ev := range evs {
		ops2[ev.Operation]++
	}
	if ops2["provider.register"] != 1 || ops2["admin.provider_verify"] != 1 {
		t.Fatalf("the provider's events: %v", ops2)
	}
	if f := e.failures(patient.Account.ID, "provider.read"); f["provider_not_found"] == 0 {
		t.Fatalf("the patient's refused reads: %v", f)
	}
}

// TestProviderLookupsLimited: an account's searches and reads of
// providers are counted together, also under concurrency.
func TestProviderLookupsLimited(t *testing.T) {
	cfg := testConfig()
	cfg.ProviderLookupsPerAccount = 10
	e := newEnv(t, cfg)
	p, _ := e.principal("anna@example.org", "A123456780")
	var wg sync.WaitGroup
	var mu sync.Mutex
	okN, limited := 0, 0
	for i := range 40 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = e.svc.SearchProviders(t.Context(), p, "praxis")
			} else {
				_, err = e.svc.Provider(t.Context(), p, "nosuchprovider")
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil || akte.Is(err, akte.KindNotFound):
				okN++
			case akte.Is(err, akte.KindRateLimited):
				limited++
			default:
				t.Errorf("lookup: %v", err)
			}
		})
	}
	wg.Wait()
	if okN != 10 || limited != 30 {
		t.Fatalf("%d lookups answered, %d limited; want 10 and 30", okN, limited)
	}
}

// TestProviderRegistrationLimited: a provider's registration counts as
// a registration: 100 parallel attempts from one address get the
// address's limit and no more.
func TestProviderRegistrationLimited(t *testing.T) {
	cfg := testConfig()
	cfg.RegisterPerAddr = 5
	e := newEnv(t, cfg)
	var wg sync.WaitGroup
	var mu sync.Mutex
	okN, limited := 0, 0
	for i := range 100 {
		wg.Go(func() {
			r := providerRequest(fmt.Sprintf("praxis%d@example.org", i), "Praxis", "Köln", fmt.Sprintf("1-%d", i))
			_, err := e.svc.RegisterProvider(t.Context(), service.Client{Addr: "192.0.2.77"}, r)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				okN++
			case akte.Is(err, akte.KindRateLimited):
				limited++
			default:
				t.Errorf("register: %v", err)
			}
		})
	}
	wg.Wait()
	if okN != 5 || limited != 95 {
		t.Fatalf("%d registered, %d limited; want 5 and 95", okN, limited)
	}
	ps, err := e.store.Providers(t.Context(), "")
	if err != nil || len(ps) != 5 {
		t.Fatalf("%d providers stored: %v", len(ps), err)
	}
}

// TestProviderResetKeepsNoRecord: a provider's reset without the recovery
// key installs its new keys and makes no record of the record keys the
// client sent along.
func TestProviderResetKeepsNoRecord(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	cl := service.Client{Addr: "192.0.2.9"}
	a := e.registerProvider(providerRequest("praxis@example.org", "Praxis Dr. Müller", "Köln", "1-20000001"), true)
	if err := e.svc.ResetStart(ctx, cl, a.email); err != nil {
		t.Fatal(err)
	}
	m := material()
	err := e.svc.ResetComplete(ctx, cl, service.ResetRequest{Email: a.email, Code: e.code(a.email, "Passwort zurücksetzen"), TOTP: e.nextTOTP(a),
		AcknowledgeDataLoss: true, KDF: m.KDF, LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: freshRecord()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Record(ctx, a.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("a provider's reset made a record: %v", err)
	}
	if p, err := e.store.Provider(ctx, a.id); err != nil || p.Status != akte.ProviderPending {
		t.Fatalf("the provider after its reset: %+v %v", p, err)
	}
}

// verifiedProvider registers a provider, confirms it, has an operator
// verify it and logs it in: a grantee.
func (e *env) verifiedProvider(email, name, telematik string) *service.Principal {
	e.t.Helper()
	a := e.registerProvider(providerRequest(email, name, "Köln", telematik), true)
	if _, err := e.svc.AdminDecideProvider(e.t.Context(), service.Operator("ops"), email, true); err != nil {
		e.t.Fatalf("verify %s: %v", email, err)
	}
	res, err := e.login(a, "192.0.2.9", "device-0001", a.deviceSecret, e.totpAt(a, 0))
	if err != nil {
		e.t.Fatalf("login %s: %v", email, err)
	}
	return &service.Principal{Account: res.Account, Session: res.Session, RecordID: res.RecordID}
}
