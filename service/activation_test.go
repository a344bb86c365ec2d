package service_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// insurer registers an insurer and returns its principal.
func (e *env) insurer() *service.Principal {
	e.t.Helper()
	reg, err := e.svc.AdminRegisterParty(e.t.Context(), "test", akte.PartyInsurer, "Musterkasse")
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.svc.Authenticate(e.t.Context(), reg.Credential)
	if err != nil || p.Party == nil || p.Party.ID != reg.Party.ID {
		e.t.Fatalf("authenticate the insurer: %v %+v", err, p)
	}
	return p
}

func activateRequest(email, kvnr, code string) service.ActivateRequest {
	r := registerRequest(email, kvnr)
	r.Record = freshRecord()
	return service.ActivateRequest{RegisterRequest: r, Code: code}
}

// TestActivationOnce: 100 activations at once with the right code and
// KVNR, from different addresses and e-mails: exactly one account is
// made; the others get the answer of a wrong code and leave nothing.
func TestActivationOnce(t *testing.T) {
	e := newEnv(t, testConfig())
	ins := e.insurer()
	res, err := e.svc.OpenRecord(t.Context(), ins, service.OpenRecordRequest{KVNR: "X110411675", BirthDate: "1961-07-14"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	var wg sync.WaitGroup
	var won atomic.Int32
	var winner atomic.Value
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			email := fmt.Sprintf("versichert%d@example.org", i)
			_, err := e.svc.Activate(t.Context(), service.Client{Addr: fmt.Sprintf("10.1.%d.%d", i/250, i%250)}, activateRequest(email, "X110411675", res.Code))
			switch r, _ := akte.ReasonOf(err); {
			case err == nil:
				won.Add(1)
				winner.Store(email)
			case r == "activation_code_invalid":
			default:
				t.Errorf("activation %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d activations succeeded, want 1", won.Load())
	}
	for i := range n {
		email := fmt.Sprintf("versichert%d@example.org", i)
		a, err := e.store.AccountByEmail(t.Context(), email)
		if email == winner.Load() {
			if err != nil || a.KVNR != "X110411675" || a.BirthDate != "1961-07-14" {
				t.Errorf("the activated account: %+v %v", a, err)
			}
			if ok, err := e.svc.KVNRVerified(t.Context(), a.ID); !ok || err != nil {
				t.Errorf("KVNR verified: %v %v", ok, err)
			}
			continue
		}
		if !akte.Is(err, akte.KindNotFound) {
			t.Errorf("%s: an account left behind: %v", email, err)
		}
	}
}

// TestActivationAnswers: a wrong KVNR, an unknown, a used and an expired
// code are answered alike; a shell not activated within 4 weeks is
// deleted by the jobs, a used one stays.
func TestActivationAnswers(t *testing.T) {
	e := newEnv(t, testConfig())
	ins := e.insurer()
	open := func(kvnr string) string {
		res, err := e.svc.OpenRecord(t.Context(), ins, service.OpenRecordRequest{KVNR: kvnr, BirthDate: "1980-01-01", Email: "Post@Example.org"})
		if err != nil {
			t.Fatal(err)
		}
		return res.Code
	}
	used, stale := open("X110411675"), open("A123456780")
	cl := service.Client{Addr: "192.0.2.9"}
	if _, err := e.svc.Activate(t.Context(), cl, activateRequest("eins@example.org", "X110411675", used)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmEmail(t.Context(), cl, "eins@example.org", e.code("eins@example.org", "Bestätigen")); err != nil {
		t.Fatal(err)
	}
	answers := map[string]error{}
	_, answers["used"] = e.svc.Activate(t.Context(), cl, activateRequest("zwei@example.org", "X110411675", used))
	_, answers["wrong KVNR"] = e.svc.Activate(t.Context(), cl, activateRequest("drei@example.org", "X110411675", stale))
	_, answers["unknown"] = e.svc.Activate(t.Context(), cl, activateRequest("vier@example.org", "A123456780", "ABCD-EFGH-JKMN"))
	e.clk.Add(28*24*time.Hour + time.Minute)
	_, answers["expired"] = e.svc.Activate(t.Context(), cl, activateRequest("fuenf@example.org", "A123456780", stale))
	for what, err := range answers {
		wantKind(t, what, err, akte.KindInvalid, "activation_code_invalid")
	}
	_, err := e.svc.Activate(t.Context(), cl, activateRequest("sechs@example.org", "A123456780", "ABC"))
	wantKind(t, "malformed", err, akte.KindInvalid, "activation_code_format")
	if err := e.svc.RunJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.DeleteStaleActivations(t.Context(), e.clk.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("after the jobs %d stale shells were left (%v)", n, err)
	}
	a, err := e.store.AccountByEmail(t.Context(), "eins@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AccountActivation(t.Context(), a.ID); err != nil {
		t.Errorf("the used shell went with the stale one: %v", err)
	}
}

// TestActivationLimited: 100 wrong codes at once from one address: at
// most AnonPerAddr are looked at, the rest are refused before.
func TestActivationLimited(t *testing.T) {
	e := newEnv(t, testConfig())
	cfg := testConfig()
	var wg sync.WaitGroup
	var checked, limited atomic.Int32
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			_, err := e.svc.Activate(t.Context(), service.Client{Addr: "203.0.113.5"},
				activateRequest(fmt.Sprintf("rate%d@example.org", i), "X110411675", fmt.Sprintf("ABCD-EFGH-%04d", 2222+i%7)))
			switch r, _ := akte.ReasonOf(err); {
			case r == "activation_code_invalid" || r == "activation_code_format":
				checked.Add(1)
			case akte.Is(err, akte.KindRateLimited):
				limited.Add(1)
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if int(checked.Load()) > cfg.AnonPerAddr || limited.Load() < int32(100-cfg.AnonPerAddr) {
		t.Fatalf("%d checked, %d limited; at most %d may be checked", checked.Load(), limited.Load(), cfg.AnonPerAddr)
	}
}

// TestPartyScope: a linked app adds into its category only, through the
// inbox, and is a stranger elsewhere; the insurer may not connect as an
// app, and only an insurer opens records.
func TestPartyScope(t *testing.T) {
	e := newEnv(t, testConfig())
	pat, _ := e.principal("patientin@example.org", "X110411675")
	reg, err := e.svc.AdminRegisterParty(t.Context(), "test", akte.PartyApp, "Tagebuch")
	if err != nil {
		t.Fatal(err)
	}
	app, err := e.svc.Authenticate(t.Context(), reg.Credential)
	if err != nil {
		t.Fatal(err)
	}
	up := func(category string, version uint32) error {
		_, err := e.svc.CreateUpload(t.Context(), app, pat.RecordID, service.UploadRequest{ID: akte.ItemID(fmt.Sprintf("app%013d", version)),
			Category: akte.CategoryID(category), KeyVersion: version, Size: 1000, MetaSealed: []byte("m"), KeySlot: []byte("k")})
		return err
	}
	wantKind(t, "unlinked app", up("apps", 0), akte.KindNotFound, "record_not_found")
	if _, err := e.svc.ConnectApp(t.Context(), pat, pat.RecordID, reg.Party.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "into findings", up("findings", 0), akte.KindNotFound, "item_not_found")
	wantKind(t, "under a category key", up("apps", 1), akte.KindInvalid, "inbox_key_version")
	if err := up("apps", 0); err != nil {
		t.Fatalf("into the inbox of apps: %v", err)
	}
	_, err = e.svc.Items(t.Context(), app, pat.RecordID, "")
	wantKind(t, "listing", err, akte.KindForbidden, "action_not_permitted")
	_, err = e.svc.OpenRecord(t.Context(), app, service.OpenRecordRequest{KVNR: "A123456780", BirthDate: "1980-01-01"})
	wantKind(t, "an app opens a record", err, akte.KindForbidden, "action_not_permitted")
	ins := e.insurer()
	_, err = e.svc.ConnectApp(t.Context(), pat, pat.RecordID, ins.Party.ID)
	wantKind(t, "connect the insurer as an app", err, akte.KindNotFound, "app_not_found")
	if err := e.svc.DisconnectApp(t.Context(), pat, pat.RecordID, reg.Party.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "disconnected app", up("apps", 0), akte.KindNotFound, "record_not_found")
}
