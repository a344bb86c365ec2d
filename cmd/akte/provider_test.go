package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// registerProvider registers a provider account with the binary and
// confirms its address; extra are more flags (--lanr, --bsnr, --place).
func (u *user) registerProvider(name, typ, telematik string, extra ...string) {
	u.t.Helper()
	var res struct {
		AccountID   string `json:"account_id"`
		RecoveryKey string `json:"recovery_key"`
		TOTPSecret  string `json:"totp_secret"`
	}
	u.okJSON(&res, append([]string{"provider", "register", "--email", u.Email, "--name", name, "--type", typ, "--telematik-id", telematik}, extra...)...)
	if res.AccountID == "" || res.RecoveryKey == "" || res.TOTPSecret == "" {
		u.t.Fatalf("provider register --json lacks fields: %+v", res)
	}
	u.Account, u.Recovery, u.TOTP = res.AccountID, res.RecoveryKey, res.TOTPSecret
	u.ok("verify-email", "--code", u.srv.mailCode(u.Email, "Bestätigen"))
}

type shownProvider struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Place       string `json:"place"`
	TelematikID string `json:"telematik_id"`
	Status      string `json:"status"`
	Fingerprint string `json:"fingerprint"`
}

// searchIDs is what a patient's search finds, as ids.
func (u *user) searchIDs(text string) []string {
	u.t.Helper()
	var ps []shownProvider
	u.okJSON(&ps, "provider", "search", text)
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestProviderAccounts: a practice registers with the real binary; until
// an operator verifies it nobody finds it or its key; once verified a
// patient finds it by name, place and Telematik-ID, and the fingerprint
// the patient's client computes from the served key equals the one the
// practice's client computes from its own key material. A pending or
// rejected provider is never found.
func TestProviderAccounts(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	practice := newUser(t, srv, "praxis@example.org")
	practice.registerProvider("Praxis Dr. Müller", "practice", "1-20000001", "--lanr", "123456667", "--bsnr", "987654321", "--place", "Köln")
	practice.login()
	var own shownProvider
	practice.okJSON(&own, "provider", "fingerprint")
	if own.ID != practice.Account || own.Status != "pending" || len(own.Fingerprint) != 39 {
		t.Fatalf("the practice's own entry: %+v", own)
	}
	out := practice.ok("provider", "fingerprint")
	if !strings.Contains(out, own.Fingerprint) || !strings.Contains(out, "█") || !strings.Contains(out, "pending") {
		t.Fatalf("the practice's fingerprint shown:\n%s", out)
	}

	// Bad institution data is refused by the server with its reason.
	bad := newUser(t, srv, "falsch@example.org")
	if msg := bad.fails("provider", "register", "--email", bad.Email, "--name", "Praxis", "--type", "practice", "--telematik-id", "1-2",
		"--lanr", "123456789", "--bsnr", "987654321"); !says(msg, "lanr_invalid", nil) {
		t.Fatalf("a wrong LANR check digit: %q", msg)
	}
	if msg := bad.fails("provider", "register", "--email", bad.Email, "--name", "Praxis", "--type", "practice", "--telematik-id", "1-2"); !says(msg, "lanr_bsnr_required", nil) {
		t.Fatalf("a practice without LANR: %q", msg)
	}

	patient := newUser(t, srv, "anna@example.org")
	patient.register(testKVNR)
	patient.login()
	queries := []string{"müller", "KÖLN", "1-20000001", "123456667", practice.Account}
	pendingNotFound := func(what string) {
		t.Helper()
		for _, q := range queries {
			if got := patient.searchIDs(q); len(got) != 0 {
				t.Fatalf("%s: search %q finds %v", what, q, got)
			}
		}
		if msg := patient.fails("provider", "fingerprint", practice.Account); !says(msg, "provider_not_found", nil) {
			t.Fatalf("%s: fingerprint: %q", what, msg)
		}
	}
	pendingNotFound("pending")

	// The operator lists what is to be checked and verifies; the
	// practice is told by mail.
	admin := practice.device()
	adminCmd := func(args ...string) []string {
		return append(append([]string{"admin", "provider"}, args...), append(srv.adminArgs(), "--operator", "erika")...)
	}
	var pending []map[string]any
	admin.okJSON(&pending, adminCmd("ls", "--status", "pending")...)
	if len(pending) != 1 || pending[0]["id"] != practice.Account || pending[0]["lanr"] != "123456667" || pending[0]["confirmed"] != true {
		t.Fatalf("pending providers: %v", pending)
	}
	var verified map[string]any
	admin.okJSON(&verified, adminCmd("verify", practice.Email)...)
	if verified["status"] != "verified" || verified["decided_by"] != "operator:erika" {
		t.Fatalf("verify: %v", verified)
	}
	if n := srv.mails(practice.Email, "freigeschaltet"); n != 1 {
		t.Fatalf("%d verification mails", n)
	}
	if msg := admin.fails(adminCmd("reject", practice.Account)...); !says(msg, "provider_decided", nil) {
		t.Fatalf("reject a verified provider: %q", msg)
	}

	// The patient finds it by name, place, Telematik-ID, LANR and id,
	// and sees the fingerprint the practice sees.
	for _, q := range queries {
		if got := patient.searchIDs(q); len(got) != 1 || got[0] != practice.Account {
			t.Fatalf("search %q finds %v", q, got)
		}
	}
	var seen shownProvider
	patient.okJSON(&seen, "provider", "fingerprint", practice.Account)
	if seen.Fingerprint != own.Fingerprint || seen.Name != "Praxis Dr. Müller" || seen.Place != "Köln" {
		t.Fatalf("the patient sees %+v, the practice %+v", seen, own)
	}
	practice.okJSON(&own, "provider", "fingerprint")
	if own.Status != "verified" || own.Fingerprint != seen.Fingerprint {
		t.Fatalf("the practice after verification: %+v", own)
	}
	if msg := patient.fails("provider", "fingerprint"); !says(msg, "not_a_provider", nil) {
		t.Fatalf("a patient's own fingerprint: %q", msg)
	}

	// A second practice in the same place stays pending, then is
	// rejected: never found.
	other := newUser(t, srv, "zweit@example.org")
	other.registerProvider("Zahnarztpraxis Köln-Mitte", "dentist", "2-30000002", "--place", "Köln")
	for _, step := range []string{"pending", "rejected"} {
		if step == "rejected" {
			admin.ok(adminCmd("reject", other.Email)...)
			if n := srv.mails(other.Email, "nicht freigeschaltet"); n != 1 {
				t.Fatalf("%d rejection mails", n)
			}
		}
		for _, q := range []string{"köln", "zahnarzt", "2-30000002", other.Account} {
			for _, id := range patient.searchIDs(q) {
				if id == other.Account {
					t.Fatalf("%s: search %q finds the other practice", step, q)
				}
			}
		}
		if msg := patient.fails("provider", "fingerprint", other.Account); !says(msg, "provider_not_found", nil) {
			t.Fatalf("%s: fingerprint: %q", step, msg)
		}
	}
	out = admin.ok(adminCmd("ls")...)
	if !strings.Contains(out, "verified") || !strings.Contains(out, "rejected") {
		t.Fatalf("admin provider ls:\n%s", out)
	}
}

// TestProviderRegistrationParallel: 100 parallel provider registrations
// from one address get the address's hourly limit and no more.
func TestProviderRegistrationParallel(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", []string{"--limit-register-addr", "5", "--limit-mail-recipient", "0"})
	m, err := core.NewMaterial("Lindenblüte-Morgentau-42", core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := range 100 {
		wg.Go(func() {
			b, _ := json.Marshal(wire.ProviderRegisterRequest{Email: fmt.Sprintf("praxis%d@example.org", i), KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Praxis-PC",
				Provider: wire.Institution{Type: "pharmacy", Name: "Apotheke", TelematikID: fmt.Sprintf("3-%d", i)}})
			resp, err := http.Post(srv.URL+"/api/v1/providers", "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusCreated] != 5 || codes[http.StatusTooManyRequests] != 95 {
		t.Fatalf("answers: %v; want 5 created and 95 limited", codes)
	}
	admin := newUser(t, srv, "ops@example.org")
	var ps []map[string]any
	admin.okJSON(&ps, append([]string{"admin", "provider", "ls"}, srv.adminArgs()...)...)
	if len(ps) != 5 {
		t.Fatalf("%d providers stored, want 5", len(ps))
	}
}

// verifiedProvider registers u as a hospital (no LANR needed), has an
// operator verify it, and leaves it ready to log in: a grantee.
func (u *user) verifiedProvider(name, telematik string) {
	u.t.Helper()
	u.registerProvider(name, "hospital", telematik, "--place", "Köln")
	u.ok(append(append([]string{"admin", "provider", "verify", u.Email}, u.srv.adminArgs()...), "--operator", "test")...)
}
