package service_test

import (
	"bytes"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"filippo.io/age"

	"github.com/akte/akte"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/donation/sink"
	"github.com/akte/akte/service"
)

// TestDonateRules: the relay's rules in-process — nothing offered without
// a sink; only age files, at most the size limit, known categories each
// with a current consent (a withdrawal stops it at once), not while
// restricted; the hourly limit holds under 100 parallel requests; the
// sink directory gets exactly the ciphertext, the database none of it.
func TestDonateRules(t *testing.T) {
	ctx := t.Context()
	none := newEnv(t, testConfig())
	p0, _ := none.principal("none@example.org", "A123456780")
	if o := none.svc.DonationOffer(); o.Offered || o.Recipient != "" {
		t.Errorf("offer without a sink: %+v", o)
	}
	wantKind(t, "no sink", none.svc.Donate(ctx, p0, []string{"dental"}, []byte(donation.Header)), akte.KindNotFound, "donation_not_offered")

	id, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	cfg := testConfig()
	cfg.DonationRecipient, cfg.DonationsPerHour = id.Recipient().String(), 1000
	e := newEnv(t, cfg, func(o *service.Options) { o.DonationSink = sink.Dir{Path: dir} })
	p, _ := e.principal("don@example.org", "A123456780")
	ct, err := donation.Seal([]byte(`{"resourceType":"Bundle","type":"collection"}`), id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	give := func(cat string) {
		t.Helper()
		tx, err := e.svc.CurrentConsentText(donation.TextID(cat), "de")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.GiveConsent(ctx, p, service.ConsentAnswer{Text: tx.ID, Version: tx.Version, Lang: "de", Hash: tx.Hash}, akte.ViaCLI); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		cats   []string
		body   []byte
		kind   akte.Kind
		reason string
	}{
		{"plaintext", []string{"dental"}, []byte(`{"resourceType":"Bundle"}`), akte.KindInvalid, "donation_not_encrypted"},
		{"too large", []string{"dental"}, append(bytes.Clone(ct), make([]byte, donation.MaxExtract)...), akte.KindTooLarge, "donation_too_large"},
		{"no category", nil, ct, akte.KindInvalid, "donation_nothing_on"},
		{"unknown", []string{"findings"}, ct, akte.KindInvalid, "donation_category_unknown"},
		{"twice", []string{"dental", "dental"}, ct, akte.KindInvalid, "donation_category_unknown"},
		{"no consent", []string{"dental"}, ct, akte.KindForbidden, "donation_consent_missing"},
	} {
		wantKind(t, c.name, e.svc.Donate(ctx, p, c.cats, c.body), c.kind, c.reason)
	}
	files := func() int {
		es, _ := os.ReadDir(dir)
		return len(es)
	}
	if files() != 0 {
		t.Fatal("a refused donation reached the sink")
	}
	// Per category: given, relayed; withdrawn, refused at once.
	for _, cat := range donation.Categories() {
		give(cat)
		if err := e.svc.Donate(ctx, p, []string{cat}, ct); err != nil {
			t.Fatalf("%s: %v", cat, err)
		}
		if _, err := e.svc.WithdrawConsent(ctx, p, donation.TextID(cat), akte.ViaCLI); err != nil {
			t.Fatal(err)
		}
		wantKind(t, cat+" withdrawn", e.svc.Donate(ctx, p, []string{cat}, ct), akte.KindForbidden, "donation_consent_missing")
		// Another category's consent does not carry a withdrawn one.
		give("dental")
		if cat != "dental" {
			wantKind(t, cat+" with dental", e.svc.Donate(ctx, p, []string{"dental", cat}, ct), akte.KindForbidden, "donation_consent_missing")
		}
	}
	if n := files(); n != 4 {
		t.Errorf("sink holds %d files, want 4", n)
	}
	es, _ := os.ReadDir(dir)
	for _, f := range es {
		b, _ := os.ReadFile(dir + "/" + f.Name())
		if !bytes.Equal(b, ct) {
			t.Errorf("%s is not the ciphertext sent", f.Name())
		}
	}
	if _, err := e.svc.Restrict(ctx, p, true); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "restricted", e.svc.Donate(ctx, p, []string{"dental"}, ct), akte.KindForbidden, "record_restricted")
	if _, err := e.svc.Restrict(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, ct[len(ct)-32:]) {
		t.Error("the database holds the ciphertext")
	}

	// The limit holds under 100 parallel requests.
	cfg.DonationsPerHour = 5
	e2 := newEnv(t, cfg, func(o *service.Options) { o.DonationSink = sink.Dir{Path: t.TempDir()} })
	p2, _ := e2.principal("many@example.org", "A123456780")
	tx, _ := e2.svc.CurrentConsentText(donation.TextID("dental"), "en")
	if _, err := e2.svc.GiveConsent(ctx, p2, service.ConsentAnswer{Text: tx.ID, Version: tx.Version, Lang: "en", Hash: tx.Hash}, akte.ViaWeb); err != nil {
		t.Fatal(err)
	}
	var ok, limited atomic.Int32
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			switch err := e2.svc.Donate(ctx, p2, []string{"dental"}, ct); {
			case err == nil:
				ok.Add(1)
			case akte.Is(err, akte.KindRateLimited):
				limited.Add(1)
			default:
				t.Errorf("parallel donation: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 || limited.Load() != 95 {
		t.Errorf("100 parallel donations: %d relayed, %d limited; want 5 and 95", ok.Load(), limited.Load())
	}
}
