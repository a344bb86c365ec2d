package client_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/api"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/evilproxy"
	"github.com/akte/akte/internal/softpasskey"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/service"
	"github.com/akte/akte/store/sqlite"
	"github.com/akte/akte/webpush"
	"github.com/akte/akte/wire"
)

// The client is tested against the real handlers in-process: api.New over
// a real service, SQLite and blob directory in a temp dir, behind
// httptest, with an injected clock; faults of the network come from
// internal/evilproxy between the two.

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type stack struct {
	t     *testing.T
	url   string
	clk   *clock
	blobs *disk.Store
	hits  *hits
	svc   *service.Service
}

// hits records which routes of api/routes.go were called.
type hits struct {
	mux  *http.ServeMux
	mu   sync.Mutex
	seen map[string]bool
}

// routes reads the patterns of api/routes.go.
func routes(t *testing.T) []string {
	b, err := os.ReadFile("../api/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`HandleFunc\("([A-Z]+ [^"]+)"`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	if len(out) < 30 {
		t.Fatalf("found only %d routes in api/routes.go", len(out))
	}
	return out
}

func newStack(t *testing.T) *stack {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "akte.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := disk.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := service.DefaultConfig()
	cfg.HashMemoryKiB, cfg.HashTime, cfg.ChunkSize = 1024, 1, 1<<20
	cfg.MailsPerRecipient = 100
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	vk, _ := webpush.NewVAPIDKey()
	vkey, _ := webpush.ParseVAPIDKey(vk)
	push := &webpush.Sender{VAPID: &webpush.VAPID{Key: vkey, Subject: "mailto:ops@example.org"}, Client: webpush.Client(nil, time.Second)}
	svc := service.New(service.Options{Store: st, Blobs: blobs, Mailer: ob, Config: cfg, Now: clk.Now, Secret: []byte("0123456789abcdef0123456789abcdef"), Push: push})
	h := api.New(api.Options{Service: svc, Ready: st.Ping, Mailbox: ob})
	hs := &hits{mux: http.NewServeMux(), seen: map[string]bool{}}
	for _, p := range routes(t) {
		hs.mux.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, p := hs.mux.Handler(r); p != "" {
			hs.mu.Lock()
			hs.seen[p] = true
			hs.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &stack{t: t, url: srv.URL, clk: clk, blobs: blobs, hits: hs, svc: svc}
}

// totp is the code of a secret at the stack's time; each 30-second step
// is accepted once, so callers move the clock on between uses.
func (s *stack) totp(secret string) string {
	s.t.Helper()
	s.clk.Add(31 * time.Second)
	c, err := hotp.GenerateCodeCustom(secret, uint64(s.clk.Now().Unix()/30), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// mail waits for a mail to addr newer than the n-th and returns its text.
func mailAfter(t *testing.T, c *client.API, addr string, n int) (string, int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ms, err := c.Mailbox(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var mine []wire.Mail
		for _, m := range ms {
			if m.To == addr {
				mine = append(mine, m)
			}
		}
		if len(mine) > n {
			slices.SortFunc(mine, func(a, b wire.Mail) int { return strings.Compare(a.Name, b.Name) })
			m, err := c.Mail(t.Context(), mine[len(mine)-1].Name)
			if err != nil {
				t.Fatal(err)
			}
			return m.Text, len(mine)
		}
	}
	t.Fatalf("no new mail to %s", addr)
	return "", 0
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var codeRe = regexp.MustCompile(`Code: (\d{8})`)

// account registers, confirms and logs in a person; it returns the client
// with the session, the account's material and the TOTP secret.
func (s *stack) account(email string) (*client.API, *core.Material, string) {
	kvnr := map[string]string{"ben@example.org": "K220635158", "carl@example.org": "X110407071", "dora@example.org": "A123456780", "frida@example.org": "D410000004", "emil@example.org": "D410079190", "gerd@example.org": "D123456786", "hanna@example.org": "E123456789"}[email]
	if kvnr == "" {
		kvnr = "X110411675"
	}
	t := s.t
	ctx := t.Context()
	c := client.NewAPI(s.url)
	m := must[*core.Material](t)(core.NewMaterial("Apfelbaum-Sommerwind-19", core.DefaultKDF()))
	reg := must[*wire.RegisterResponse](t)(c.Register(ctx, wire.RegisterRequest{Email: email, KVNR: kvnr, BirthDate: "1970-01-01", KDF: m.KDF,
		LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Laptop", Record: m.Record, Consents: shippedConsents(), Via: "cli"}))
	text, n := mailAfter(t, c, email, 0)
	ok(t, c.ResendConfirmation(ctx, wire.EmailRequest{Email: email}))
	text, _ = mailAfter(t, c, email, n)
	ok(t, c.ConfirmEmail(ctx, wire.ConfirmRequest{Email: email, Code: codeRe.FindStringSubmatch(text)[1]}))
	pre := must[*wire.PreloginResponse](t)(c.Prelogin(ctx, wire.EmailRequest{Email: email}))
	ok(t, core.CheckOffered(pre.KDF, &m.KDF, false))
	// Before the first login the registration is shown again to its
	// password.
	again := must[*wire.ResumeResponse](t)(c.ResumeRegistration(ctx, wire.ResumeRequest{Email: email, LoginSecret: m.LoginSecret}))
	if again.TOTPSecret != reg.TOTPSecret || again.AccountID != reg.AccountID || !again.EmailConfirmed {
		t.Fatalf("resumed %+v, registered %+v", again, reg)
	}
	res := must[*wire.LoginResponse](t)(c.Login(ctx, wire.LoginRequest{Email: email, LoginSecret: m.LoginSecret, TOTP: s.totp(reg.TOTPSecret),
		DeviceID: "device-0001", DeviceName: "Laptop", DeviceSecret: reg.DeviceSecret}))
	c.Token, c.RecordID = res.Token, res.Account.RecordID
	if c.RecordID != m.Record.RecordID {
		t.Fatalf("logged in to record %q, registered %q", c.RecordID, m.Record.RecordID)
	}
	return c, m, reg.TOTPSecret
}

func (s *stack) record(c *client.API, umk []byte) *core.Record {
	info := must[*wire.Record](s.t)(c.Record(s.t.Context()))
	return must[*core.Record](s.t)(core.OpenRecord(umk, *info))
}

// TestRoutesCovered: every route of api/routes.go has its method, and each
// answers as the wire types say (a person's journey through all of them).
func TestRoutesCovered(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	anon := client.NewAPI(s.url)
	ok(t, anon.Health(ctx))
	ok(t, anon.Ready(ctx))
	if doc := must[json.RawMessage](t)(anon.OpenAPI(ctx)); !bytes.Contains(doc, []byte(`"openapi"`)) {
		t.Errorf("openapi.json: %.100s", doc)
	}
	email := "anna@example.org"
	c, m, secret := s.account(email)
	if a := must[*wire.Account](t)(c.Account(ctx)); a.Email != email {
		t.Errorf("account: %+v", a)
	}
	if a := must[*wire.Account](t)(c.UpdateAccount(ctx, wire.AccountUpdate{Lang: "en"})); a.Lang != "en" {
		t.Errorf("account after the language changed: %+v", a)
	}
	if _, err := c.UpdateAccount(ctx, wire.AccountUpdate{Lang: "fr"}); akte.KindOf(err) != akte.KindInvalid {
		t.Errorf("language fr: %v", err)
	}
	keys := must[*wire.KeysResponse](t)(c.AccountKeys(ctx))
	umk := must[[]byte](t)(core.UnlockUMK(m.PasswordKey, keys.Keys))
	// Notice given, read and taken back.
	if n := must[*wire.Termination](t)(c.Terminate(ctx)); !n.DeleteAt.After(n.RequestedAt) {
		t.Errorf("termination: %+v", n)
	}
	if n := must[*wire.Termination](t)(c.Termination(ctx)); n == nil {
		t.Error("no notice after giving it")
	}
	ok(t, c.KeepAccount(ctx))
	if n := must[*wire.Termination](t)(c.Termination(ctx)); n != nil {
		t.Errorf("a notice after keep: %+v", n)
	}
	// Intake reminders (decision 0045): times only, cleared at once.
	if r := must[*wire.Reminders](t)(c.SetReminders(ctx, wire.Reminders{TZ: "Europe/Berlin", Morning: "08:00", Night: "22:30"})); r == nil || r.Morning != "08:00" || r.Night != "22:30" {
		t.Errorf("reminders set: %+v", r)
	}
	if r := must[*wire.Reminders](t)(c.Reminders(ctx)); r == nil || r.TZ != "Europe/Berlin" {
		t.Errorf("reminders: %+v", r)
	}
	if _, err := c.SetReminders(ctx, wire.Reminders{TZ: "Mars/Olympus", Morning: "08:00"}); akte.KindOf(err) != akte.KindInvalid {
		t.Errorf("an unknown time zone: %v", err)
	}
	// Push subscriptions (decision 0051): the key, one subscription (its
	// endpoint is never called here), removed; the channel; clearing the
	// reminders removes the subscriptions too.
	if k := must[string](t)(c.PushKey(ctx)); len(k) != 87 {
		t.Errorf("push key %q", k)
	}
	ua, _ := ecdh.P256().GenerateKey(nil)
	var ps wire.PushSubscriptionNew
	ps.Endpoint, ps.Keys.P256DH, ps.Keys.Auth = "https://push.example.net/s/1", base64.RawURLEncoding.EncodeToString(ua.PublicKey().Bytes()), "AAAAAAAAAAAAAAAAAAAAAA"
	sub := must[*wire.PushSubscription](t)(c.Subscribe(ctx, ps))
	if subs := must[[]wire.PushSubscription](t)(c.PushSubscriptions(ctx)); len(subs) != 1 || subs[0].ID != sub.ID || subs[0].Service != "push.example.net" {
		t.Errorf("push subscriptions: %+v", subs)
	}
	ok(t, c.Unsubscribe(ctx, sub.ID))
	if err := c.Unsubscribe(ctx, sub.ID); akte.KindOf(err) != akte.KindNotFound {
		t.Errorf("unsubscribe again: %v", err)
	}
	if r := must[*wire.Reminders](t)(c.SetReminderVia(ctx, "both")); r.Via != "both" || r.Morning != "08:00" {
		t.Errorf("via both: %+v", r)
	}
	must[*wire.PushSubscription](t)(c.Subscribe(ctx, ps))
	ok(t, c.ClearReminders(ctx))
	if r := must[*wire.Reminders](t)(c.Reminders(ctx)); r != nil {
		t.Errorf("reminders after clear: %+v", r)
	}
	if subs := must[[]wire.PushSubscription](t)(c.PushSubscriptions(ctx)); len(subs) != 0 {
		t.Errorf("push subscriptions after clear: %+v", subs)
	}
	// The consent ledger (decision 0044): the texts public, the
	// registration's three given, a service consent given and withdrawn,
	// the kept text read back; the restriction on and off.
	texts := must[[]wire.ConsentText](t)(anon.ConsentTexts(ctx, "en"))
	vacc := must[*wire.ConsentText](t)(anon.ConsentText(ctx, "vaccinations", "en"))
	if len(texts) < 4 || vacc.Lang != "en" {
		t.Errorf("consent texts: %+v %+v", texts, vacc)
	}
	if l := must[*wire.ConsentLedger](t)(c.Consents(ctx)); len(l.Records) != 3 || len(l.Due) != 0 {
		t.Errorf("ledger after registration: %+v", l)
	}
	must[*wire.ConsentLedger](t)(c.GiveConsent(ctx, client.AnswerOf(vacc, "cli")))
	if l := must[*wire.ConsentLedger](t)(c.WithdrawConsent(ctx, "vaccinations", "cli")); len(l.Records) != 4+1 {
		t.Errorf("ledger after the withdrawal: %+v", l)
	}
	if kept := must[*wire.ConsentText](t)(c.ConsentRecordText(ctx, vacc.Hash)); kept.Body != vacc.Body {
		t.Errorf("kept text %q", kept.Body)
	}
	if r := must[*wire.Restriction](t)(c.Restrict(ctx, true)); !r.Restricted {
		t.Errorf("restrict: %+v", r)
	}
	must[*wire.Restriction](t)(c.Restrict(ctx, false))
	if r := must[*wire.Restriction](t)(c.Restriction(ctx)); r.Restricted {
		t.Errorf("after lifting: %+v", r)
	}
	// Usage data for billing: registered, and this quarter's access (the login).
	if u := must[*wire.Usage](t)(c.Usage(ctx)); u == nil || len(u.Quarters) != 1 || u.TerminatedAt != nil {
		t.Errorf("usage data: %+v", u)
	}
	if len(must[[]wire.Event](t)(c.Events(ctx))) == 0 {
		t.Error("no events")
	}
	// The protocol verifies under the key anyone can fetch.
	key := must[string](t)(anon.AuditKey(ctx))
	page := must[*audit.Page](t)(audit.ParsePage(must[[]byte](t)(c.AuditPage(ctx, 0))))
	if v, err := audit.Verify(page, audit.Options{Key: key, Log: page.Log, Complete: true, KeepNewest: 50}); err != nil || len(v.Events) == 0 {
		t.Errorf("audit page: %v", err)
	}

	// A second device: refused until confirmed by the mailed link.
	phone := client.NewAPI(s.url)
	login := wire.LoginRequest{Email: email, LoginSecret: m.LoginSecret, TOTP: s.totp(secret), DeviceID: "device-0002", DeviceName: "Telefon"}
	_, n := mailAfter(t, c, email, 0)
	if _, err := phone.Login(ctx, login); !akte.Is(err, akte.KindDeviceUnconfirmed) {
		t.Fatalf("login from a new device: %v", err)
	}
	text, _ := mailAfter(t, c, email, n)
	_, token, _ := strings.Cut(regexp.MustCompile(`https?://\S+`).FindString(text), "/geraet#")
	if pd := must[*wire.PendingDevice](t)(phone.PreviewDevice(ctx, wire.DeviceLinkRequest{Token: token})); pd.Name != "Telefon" {
		t.Errorf("preview: %+v", pd)
	}
	ok(t, phone.ConfirmDevice(ctx, wire.DeviceLinkRequest{Token: token}))
	login.TOTP = s.totp(secret)
	devPub, devKey, _ := ed25519.GenerateKey(nil)
	login.DeviceKey = devPub
	res := must[*wire.LoginResponse](t)(phone.Login(ctx, login))
	phone.Token = res.Token
	// The session's escrowed key: for the device's signature only.
	if k := must[*wire.SessionKeyResponse](t)(phone.SessionKey(ctx, core.SessionKeyProof(devKey, res.SessionID, s.clk.Now()))); len(k.ClientKey) != 32 {
		t.Errorf("session key: %x", k.ClientKey)
	}
	if _, err := phone.SessionKey(ctx, wire.SessionKeyRequest{TimeMs: s.clk.Now().UnixMilli()}); !akte.Is(err, akte.KindForbidden) {
		t.Errorf("session key without a signature: %v", err)
	}
	if ss := must[[]wire.Session](t)(c.Sessions(ctx)); len(ss) != 2 {
		t.Errorf("sessions: %+v", ss)
	}
	ok(t, c.EndSession(ctx, res.SessionID))
	if _, err := phone.Account(ctx); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("an ended session still works: %v", err)
	}
	if d := must[*wire.Device](t)(c.RenameDevice(ctx, "device-0002", wire.RenameDeviceRequest{Name: "Altes Telefon"})); d.Name != "Altes Telefon" {
		t.Errorf("rename: %+v", d)
	}
	if d := must[*wire.Device](t)(c.BlockDevice(ctx, "device-0002")); d.BlockedAt == nil {
		t.Errorf("block: %+v", d)
	}
	if ds := must[[]wire.Device](t)(c.Devices(ctx)); len(ds) != 2 {
		t.Errorf("devices: %+v", ds)
	}

	// The records one may act on: one's own, as its owner.
	if rs := must[[]wire.RecordAccess](t)(c.Records(ctx)); len(rs) != 1 || rs[0].RecordID != c.RecordID || rs[0].Role != "owner" || rs[0].OwnerEmail != email {
		t.Errorf("records: %+v", rs)
	}

	// A document: upload, list, read, delete.
	rec := s.record(c, umk)
	plain := random(3<<20+5, 1)
	it := must[*wire.Item](t)(c.Upload(ctx, rec, file("befund.pdf", plain), "findings", core.Meta{Title: "Befund"}, "", memPlans{}, client.Transfer{}))
	if got := download(t, c, rec, it.ID); !bytes.Equal(got, plain) {
		t.Fatal("downloaded content differs")
	}
	// A share of it (decision 0042), opened by a client without a session.
	made := must[*client.CreatedShare](t)(c.CreateShare(ctx, rec, client.ShareSpec{Items: []string{it.ID}, Password: "Zweitmeinung-42"}))
	sec := must[core.ShareSecret](t)(core.ParseShare(made.Link))
	shareAnon := client.NewAPI(c.Base)
	sharedOpen := must[*client.OpenedShare](t)(shareAnon.OpenShare(ctx, sec, "Zweitmeinung-42"))
	var shared bytes.Buffer
	ok(t, shareAnon.DownloadShared(ctx, sharedOpen, sharedOpen.Items[0], &shared, client.Transfer{}))
	if !bytes.Equal(shared.Bytes(), plain) || sharedOpen.Items[0].Meta.Title != "Befund" {
		t.Error("the shared document differs")
	}
	if ss := must[[]wire.Share](t)(c.Shares(ctx)); len(ss) != 1 || len(ss[0].Views) != 1 {
		t.Errorf("shares: %+v", ss)
	}
	ok(t, c.RevokeShare(ctx, made.Share.ID))
	if _, err := shareAnon.OpenShare(ctx, sec, "Zweitmeinung-42"); akte.KindOf(err) != akte.KindNotFound {
		t.Errorf("a revoked share: %v", err)
	}
	if st, _, err := c.UploadStatus(ctx, it.ID); err != nil || st.State != "complete" || len(st.Chunks) != 4 {
		t.Errorf("upload status: %+v %v", st, err)
	}
	if its := must[[]wire.Item](t)(c.Items(ctx, "findings")); len(its) != 1 || its[0].ID != it.ID {
		t.Errorf("items: %+v", its)
	}
	if its, next, err := c.ItemsPage(ctx, "", "", 10); err != nil || len(its) != 1 || next != "" {
		t.Errorf("page: %+v %q %v", its, next, err)
	}
	// A new description, moved to another category, the content untouched;
	// a change from a version read before is refused.
	ch, _, err := rec.Describe(*it, core.Meta{Title: "Befund (neu)", Source: "Praxis Weber", Size: 1}, "private")
	ok(t, err)
	if d := must[*wire.Item](t)(c.ChangeItemMeta(ctx, it.ID, ch)); d.MetaVersion != 2 || d.Category != "private" {
		t.Errorf("described: %+v", d)
	}
	if _, dm, err := rec.OpenItem(*must[*wire.Item](t)(c.Item(ctx, it.ID))); err != nil || dm.Title != "Befund (neu)" || dm.Source != "Praxis Weber" || dm.Size != int64(len(plain)) {
		t.Errorf("described metadata: %+v %v", dm, err)
	}
	if got := download(t, c, rec, it.ID); !bytes.Equal(got, plain) {
		t.Fatal("content differs after a new description")
	}
	if _, err := c.ChangeItemMeta(ctx, it.ID, ch); !akte.Is(err, akte.KindConflict) {
		t.Errorf("stale description: %v", err)
	} else if r, p := akte.ReasonOf(err); r != "item_meta_changed" || p["version"] != float64(2) {
		t.Errorf("stale description's reason %q %v", r, p)
	}
	ok(t, c.DeleteItem(ctx, it.ID))
	if _, err := c.Item(ctx, it.ID); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("deleted item: %v", err)
	}
	// The manifest: swapped once, refused with a stale counter.
	if mf := must[*wire.Manifest](t)(c.Manifest(ctx)); mf.Counter != 0 || len(mf.Manifest) != 0 {
		t.Errorf("new record's manifest: %+v", mf)
	}
	if n := must[int64](t)(c.SwapManifest(ctx, wire.ManifestSwap{Expect: 0, Manifest: []byte("sealed")})); n != 1 {
		t.Errorf("counter after a swap: %d", n)
	}
	if _, err := c.SwapManifest(ctx, wire.ManifestSwap{Expect: 0, Manifest: []byte("stale")}); !akte.Is(err, akte.KindConflict) {
		t.Errorf("stale swap: %v", err)
	} else if r, _ := akte.ReasonOf(err); r != "manifest_changed" {
		t.Errorf("stale swap's reason %q", r)
	}

	// The authenticator: a new secret, taken only with a code of the new
	// app; from then on its codes count.
	na := must[*wire.Authenticator](t)(c.NewAuthenticator(ctx))
	if !strings.Contains(na.URI, "secret="+na.Secret) {
		t.Errorf("authenticator %+v", na)
	}
	if err := c.ChangeAuthenticator(ctx, wire.AuthenticatorChange{LoginSecret: m.LoginSecret, TOTP: s.totp(secret), NewSecret: na.Secret, NewTOTP: s.totp(secret)}); !akte.Is(err, akte.KindInvalid) {
		t.Errorf("a code of the old app for the new one: %v", err)
	}
	ok(t, c.ChangeAuthenticator(ctx, wire.AuthenticatorChange{LoginSecret: m.LoginSecret, TOTP: s.totp(secret), NewSecret: na.Secret, NewTOTP: s.totp(na.Secret)}))
	secret = na.Secret

	// Passkeys: added with the password and a code, listed, used for a
	// login instead of a code, removed.
	auth := &softpasskey.Authenticator{Origin: "http://localhost:8080"} // the stack's base URL is the default
	popts := must[json.RawMessage](t)(c.BeginPasskey(ctx, wire.PasskeyBegin{LoginSecret: m.LoginSecret, TOTP: s.totp(secret)}))
	presp, pcred, err := auth.Create(popts)
	ok(t, err)
	pk := must[*wire.Passkey](t)(c.AddPasskey(ctx, wire.PasskeyAdd{Name: "Laptop", Credential: presp}))
	if pks := must[[]wire.Passkey](t)(c.Passkeys(ctx)); len(pks) != 1 || pks[0].ID != pk.ID || pks[0].Name != "Laptop" {
		t.Errorf("passkeys: %+v", pks)
	}
	passert, err := auth.Get(must[json.RawMessage](t)(anon.PasskeyChallenge(ctx)), pcred)
	ok(t, err)
	must[*wire.LoginResponse](t)(anon.Login(ctx, wire.LoginRequest{Email: email, LoginSecret: m.LoginSecret, Passkey: passert, DeviceID: "device-0001", DeviceName: "Laptop"}))
	ok(t, c.RemovePasskey(ctx, pk.ID))
	if err := c.RemovePasskey(ctx, pk.ID); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("removed twice: %v", err)
	}

	// The e-mail address: a code mailed to the new one moves the account.
	ok(t, c.StartEmailChange(ctx, wire.EmailChangeStart{Email: "anna.neu@example.org", LoginSecret: m.LoginSecret, TOTP: s.totp(secret)}))
	text, _ = mailAfter(t, anon, "anna.neu@example.org", 0)
	moved := must[*wire.Account](t)(c.ConfirmEmailChange(ctx, wire.EmailChangeConfirm{Email: "anna.neu@example.org", Code: codeRe.FindStringSubmatch(text)[1]}))
	if moved.Email != "anna.neu@example.org" {
		t.Fatalf("moved to %q", moved.Email)
	}
	email = moved.Email

	// The password: changed, recovered with the recovery key, reset
	// without it.
	kdf := core.DefaultKDF()
	ls, wrapped := must2(t)(core.Rewrap(umk, "Birnbaum-Winterwind-20", kdf))
	ok(t, c.ChangePassword(ctx, wire.PasswordChangeRequest{OldLoginSecret: m.LoginSecret, TOTP: s.totp(secret), New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped}}))
	g := must[*wire.RecoverResponse](t)(anon.Recover(ctx, wire.RecoverRequest{Email: email, RecoveryVerifier: m.RecoveryVerifier, TOTP: s.totp(secret)}))
	if got := must[[]byte](t)(core.UnlockUMKWithRecovery(m.RecoveryKey, g.UMKByRecovery)); !bytes.Equal(got, umk) {
		t.Fatal("the recovery key opens another key")
	}
	ls, wrapped = must2(t)(core.Rewrap(umk, "Kirschbaum-Herbstwind-21", kdf))
	ok(t, anon.CompleteRecovery(ctx, wire.RecoverCompleteRequest{Token: g.Token, New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped}}))
	_, n = mailAfter(t, anon, email, 0)
	must[*wire.ResetStartResponse](t)(anon.ResetPassword(ctx, wire.EmailRequest{Email: email}))
	text, _ = mailAfter(t, anon, email, n)
	m2 := must[*core.Material](t)(core.NewMaterial("Pflaumenbaum-Fruehlingswind-22", core.DefaultKDF()))
	ok(t, anon.CompleteReset(ctx, wire.ResetCompleteRequest{Email: email, Code: codeRe.FindStringSubmatch(text)[1], TOTP: s.totp(secret), AcknowledgeDataLoss: true,
		KDF: m2.KDF, LoginSecret: m2.LoginSecret, RecoveryVerifier: m2.RecoveryVerifier, Keys: m2.Keys, Record: m2.Record}))

	// A rotation of the user master key: the record opens with the new
	// one. Then logging out: here, and everywhere.
	c2, mb, secretB := s.account("ben@example.org")
	infoB := must[*wire.Record](t)(c2.Record(ctx))
	rt := must[*core.Rotation](t)(core.RotateUMK(must[[]byte](t)(core.UnlockUMK(mb.PasswordKey, mb.Keys)), mb.Keys, infoB.Keys, mb.PasswordKey))
	ok(t, c2.RotateKeys(ctx, wire.KeysRotateRequest{LoginSecret: mb.LoginSecret, TOTP: s.totp(secretB), RecoveryVerifier: rt.RecoveryVerifier,
		Keys: rt.Keys, RMKByUMK: rt.RMKByUMK}))
	keysB := must[*wire.KeysResponse](t)(c2.AccountKeys(ctx))
	must[*core.Record](t)(core.OpenRecord(must[[]byte](t)(core.UnlockUMK(mb.PasswordKey, keysB.Keys)), *must[*wire.Record](t)(c2.Record(ctx))))
	ok(t, c2.Logout(ctx))
	c3, _, _ := s.account("carl@example.org")
	ok(t, c3.LogoutAll(ctx))
	if _, err := c3.Account(ctx); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("after logout: %v", err)
	}

	// A provider registers (pending: nobody finds it), an operator
	// verifies it, a patient finds it; the fingerprint the patient's
	// client computes from the served key is the one the practice's
	// client computes from its own key material.
	pc := client.NewAPI(s.url)
	pst := must[*client.State](t)(client.LoadState(t.TempDir(), "Praxis-PC"))
	preg := must[*client.ProviderRegistration](t)(client.RegisterProvider(ctx, pc, pst, "praxis@example.org", "Apfelbaum-Sommerwind-19", "de",
		wire.Institution{Type: "practice", Name: "Praxis Dr. Müller", TelematikID: "1-20000001", LANR: "123456667", BSNR: "987654321", Place: "Köln"}))
	text, _ = mailAfter(t, pc, "praxis@example.org", 0)
	ok(t, pc.ConfirmEmail(ctx, wire.ConfirmRequest{Email: "praxis@example.org", Code: codeRe.FindStringSubmatch(text)[1]}))
	pres := must[*wire.LoginResponse](t)(pc.Login(ctx, wire.LoginRequest{Email: "praxis@example.org", LoginSecret: preg.Material.LoginSecret,
		TOTP: s.totp(preg.TOTPSecret), DeviceID: pst.DeviceID, DeviceName: pst.DeviceName, DeviceSecret: preg.DeviceSecret}))
	pc.Token = pres.Token
	pumk := must[[]byte](t)(core.UnlockUMK(preg.Material.PasswordKey, pres.Keys))
	own := must[*client.Fingerprinted](t)(client.OwnProviderFingerprint(ctx, pc, pumk, pres.Keys))
	if own.Status != "pending" || own.ID != preg.AccountID {
		t.Errorf("own provider entry: %+v", own)
	}
	c4, _, _ := s.account("dora@example.org")
	if ps := must[[]wire.Provider](t)(c4.SearchProviders(ctx, "müller")); len(ps) != 0 {
		t.Errorf("a pending provider is found: %+v", ps)
	}
	if _, err := c4.Provider(ctx, preg.AccountID); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("a pending provider's entry: %v", err)
	}
	must[*service.AdminProvider](t)(s.svc.AdminDecideProvider(ctx, "ops", "praxis@example.org", true))
	if ps := must[[]wire.Provider](t)(c4.SearchProviders(ctx, "müller")); len(ps) != 1 || ps[0].ID != preg.AccountID || len(ps[0].PublicKey) != 0 {
		t.Errorf("search: %+v", ps)
	}
	if f := must[*client.Fingerprinted](t)(client.ProviderFingerprint(ctx, c4, preg.AccountID)); f.Fingerprint != own.Fingerprint {
		t.Errorf("the patient computes %q, the practice %q", f.Fingerprint, own.Fingerprint)
	}
	// Representatives (decision 0036): frida names emil, emil accepts, frida
	// hands over the record key, emil opens frida's record with his own
	// private key; an emergency request by a second, refused by frida.
	cd, md, _ := s.account("frida@example.org")
	ce, me, _ := s.account("emil@example.org")
	umkD := must[[]byte](t)(core.UnlockUMK(md.PasswordKey, md.Keys))
	recD := s.record(cd, umkD)
	rep := must[*wire.Representative](t)(cd.AddRepresentative(ctx, wire.RepresentativeAdd{Email: "emil@example.org", KVNR: "D410079190"}))
	ce.RecordID = cd.RecordID
	must[*wire.Representative](t)(ce.AcceptRepresentation(ctx, "D410079190"))
	if _, err := cd.HandOverKey(ctx, recD, rep.ID, "0000 0000"); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("a key of another fingerprint: %v", err)
	}
	must[*wire.Representative](t)(cd.HandOverKey(ctx, recD, rep.ID, seal.Fingerprint(me.Keys.PublicKey)))
	infoD := must[*wire.Record](t)(ce.Record(ctx))
	privE := must[[]byte](t)(core.AccountPrivateKey(must[[]byte](t)(core.UnlockUMK(me.PasswordKey, me.Keys)), me.Keys))
	must[*core.Record](t)(core.OpenRepresentedRecord(privE, *infoD))
	if len(infoD.Keys.RMKByUMK) != 0 {
		t.Error("a representative is given the owner's slot")
	}
	ok(t, cd.RemoveRepresentative(ctx, rep.ID))
	emergency := must[*wire.Representative](t)(cd.AddRepresentative(ctx, wire.RepresentativeAdd{Email: "emil@example.org", KVNR: "D410079190", EmergencyWaitDays: 2}))
	must[*wire.Representative](t)(ce.AcceptRepresentation(ctx, "D410079190"))
	if r := must[*wire.Representative](t)(ce.RequestEmergency(ctx)); r.OpensAt == nil {
		t.Error("the request names no opening")
	}
	ok(t, cd.RefuseEmergency(ctx, emergency.ID))
	if rs := must[[]wire.Representative](t)(cd.Representatives(ctx)); len(rs) != 1 || rs[0].RequestedAt != nil || rs[0].RefusedAt == nil {
		t.Errorf("after the refusal: %+v", rs)
	}
	// Grants: Gerd grants the verified practice above (pc) his findings;
	// it lists the grant with its
	// keys; he hides his letters from her, rotates the findings' key (her
	// running grant gets the new version), blocks and unblocks her, and
	// revokes a second grant.
	cGerd, mGerd, _ := s.account("gerd@example.org")
	cHanna := pc
	recG := must[*core.Record](t)(core.OpenRecord(must[[]byte](t)(core.UnlockUMK(mGerd.PasswordKey, must[*wire.KeysResponse](t)(cGerd.AccountKeys(ctx)).Keys)),
		*must[*wire.Record](t)(cGerd.Record(ctx))))
	hid := preg.AccountID
	if _, _, err := cGerd.Grant(ctx, recG, client.GrantSpec{Grantee: hid, Categories: []string{"findings"}}); err != nil {
		t.Fatal(err)
	}
	cHanna.RecordID = cGerd.RecordID
	if gs := must[[]wire.Grant](t)(cHanna.Grants(ctx)); len(gs) != 1 || len(gs[0].Keys) != 1 || len(gs[0].RecordPublicKey) == 0 {
		t.Errorf("the grantee's grants: %+v", gs)
	}
	ok(t, cGerd.SetHidden(ctx, wire.Hiding{Grantee: hid, Category: "letters"}, true))
	if hs := must[[]wire.Hiding](t)(cGerd.Hidings(ctx)); len(hs) != 1 || hs[0].Category != "letters" {
		t.Errorf("hidings: %+v", hs)
	}
	ok(t, cGerd.SetHidden(ctx, wire.Hiding{Grantee: hid, Category: "letters"}, false))
	ok(t, cGerd.Rotate(ctx, recG, []string{"findings"}))
	if gs := must[[]wire.Grant](t)(cHanna.Grants(ctx)); len(gs) != 1 || len(gs[0].Keys) != 2 {
		t.Errorf("the grantee's keys after a rotation: %+v", gs)
	}
	if b := must[*wire.Blocks](t)(cGerd.Block(ctx, hid, true)); len(b.Ended) != 1 {
		t.Errorf("block: %+v", b)
	}
	if b := must[*wire.Blocks](t)(cGerd.Blocked(ctx)); len(b.Blocked) != 1 {
		t.Errorf("blocked: %+v", b)
	}
	must[*wire.Blocks](t)(cGerd.Block(ctx, hid, false))
	g2, _, err := cGerd.Grant(ctx, recG, client.GrantSpec{Grantee: hid, RecordWide: true, Write: true, Unlimited: true})
	if err != nil {
		t.Fatal(err)
	}
	ok(t, cGerd.RevokeGrant(ctx, g2.ID))

	// Apps and the insurer (decision 0043): Gerd connects an app, which
	// accepts his record's key by the fingerprint he tells it; he
	// disconnects it. An insurer opens a shell, an insured activates it.
	regApp := must[*service.PartyRegistration](t)(s.svc.AdminRegisterParty(ctx, "ops", akte.PartyApp, "Tagebuch"))
	if as := must[[]wire.App](t)(cGerd.Apps(ctx)); len(as) != 1 || as[0].Connected {
		t.Errorf("apps: %+v", as)
	}
	if a := must[*wire.App](t)(cGerd.ConnectApp(ctx, string(regApp.Party.ID))); !a.Connected {
		t.Errorf("connect: %+v", a)
	}
	capp := client.NewAPI(s.url)
	capp.Token, capp.RecordID = regApp.Credential, cGerd.RecordID
	pins := &client.Pins{Keys: map[string][]byte{}}
	if _, err := capp.VerifyRecordKey(ctx, pins, "0000 0000"); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("another fingerprint: %v", err)
	}
	must[*core.Keyring](t)(capp.VerifyRecordKey(ctx, pins, seal.Fingerprint(recG.Info.Keys.PublicKey)))
	ok(t, cGerd.DisconnectApp(ctx, string(regApp.Party.ID)))
	regIns := must[*service.PartyRegistration](t)(s.svc.AdminRegisterParty(ctx, "ops", akte.PartyInsurer, "Kasse"))
	cins := client.NewAPI(s.url)
	cins.Token = regIns.Credential
	opened := must[*wire.OpenRecordResponse](t)(cins.OpenRecordFor(ctx, wire.OpenRecordRequest{KVNR: "A123456780", BirthDate: "1961-07-14"}))
	mi := must[*core.Material](t)(core.NewMaterial("Apfelbaum-Sommerwind-19", core.DefaultKDF()))
	must[*wire.RegisterResponse](t)(client.NewAPI(s.url).Activate(ctx, wire.ActivateRequest{Code: opened.Code, RegisterRequest: wire.RegisterRequest{
		Email: "ines@example.org", KVNR: "A123456780", KDF: mi.KDF, LoginSecret: mi.LoginSecret, RecoveryVerifier: mi.RecoveryVerifier,
		Keys: mi.Keys, DeviceID: "device-ines1", DeviceName: "PC", Record: mi.Record, Consents: shippedConsents(), Via: "cli"}}))

	// The research donation (decision 0048): this server has no sink, so
	// nothing is offered and nothing relayed.
	if o := must[*wire.DonationOffer](t)(cGerd.DonationOffer(ctx)); o.Offered || len(o.Categories) != 4 {
		t.Errorf("donation offer without a sink: %+v", o)
	}
	if _, err := cGerd.Donate(ctx, []string{"dental"}, []byte("age-encryption.org/v1\n")); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("donate without a sink: %v", err)
	}

	for _, r := range routes(t) {
		if !s.hits.seen[r] && !strings.HasSuffix(r, " /api/") {
			t.Errorf("route %s was not called by any client method", r)
		}
	}
}

func must2(t *testing.T) func(a, b []byte, err error) ([]byte, []byte) {
	return func(a, b []byte, err error) ([]byte, []byte) {
		t.Helper()
		ok(t, err)
		return a, b
	}
}

// memPlans keeps plans in memory, as a copy (what a store on disk does).
type memPlans map[string][]byte

func (m memPlans) Load(key string) (*core.Plan, error) {
	b, found := m[key]
	if !found {
		return nil, akte.E("plans", akte.KindNotFound, "", nil)
	}
	var p core.Plan
	return &p, json.Unmarshal(b, &p)
}

func (m memPlans) Save(key string, p *core.Plan) error {
	b, err := json.Marshal(p)
	m[key] = b
	return err
}

func (m memPlans) Delete(key string) error { delete(m, key); return nil }

// random returns n deterministic pseudo-random bytes.
func random(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(b)
	return b
}

// file is an in-memory file; its content can be swapped under it.
func file(name string, b []byte) client.File {
	return client.File{Key: name, Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

func download(t *testing.T, c *client.API, rec *core.Record, id string) []byte {
	t.Helper()
	it := must[*wire.Item](t)(c.Item(t.Context(), id))
	key, m, err := rec.OpenItem(*it)
	ok(t, err)
	var buf bytes.Buffer
	ok(t, c.Download(t.Context(), it, key, m, &buf, client.Transfer{}))
	return buf.Bytes()
}

// evil puts a proxy between the client and the stack.
func (s *stack) evil(c *client.API) (*evilproxy.Proxy, *client.API) {
	p, err := evilproxy.New(s.url)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { p.Close() })
	via := *c
	via.Base = p.URL
	via.Retry = core.RetryRule{Tries: 2, First: time.Millisecond, Max: time.Millisecond}
	return p, &via
}

func rule(t *testing.T, p *evilproxy.Proxy, r evilproxy.Rule) {
	t.Helper()
	ok(t, p.Add(r))
}

// puts returns the chunk bodies the proxy passed on, by chunk number.
func puts(p *evilproxy.Proxy) map[int][][]byte {
	out := map[int][][]byte{}
	for _, r := range p.Requests() {
		if r.Method == "PUT" {
			var n int
			i := strings.LastIndex(r.Path, "/")
			json.Unmarshal([]byte(r.Path[i+1:]), &n)
			out[n] = append(out[n], r.Body)
		}
	}
	return out
}

// TestUploadResume: an upload whose chunk answer was lost goes on with
// the same file without sending again what the server holds; with a file
// changed inside that chunk (same size) it starts over under a new key,
// says so, deletes the unfinished upload, and stores the new file.
func TestUploadResume(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	c, m, _ := s.account("anna@example.org")
	umk := must[[]byte](t)(core.UnlockUMK(m.PasswordKey, m.Keys))
	rec := s.record(c, umk)
	p, via := s.evil(c)
	plans := memPlans{}

	// 1. The same file: chunk 2's answer is lost, the client gives up;
	// run again, it sends only 3 and 4.
	plain := random(4<<20+100, 2)
	rule(t, p, evilproxy.Rule{Method: "PUT", Path: `/api/v1/records/[a-z0-9]+/uploads/[a-z0-9]+/chunks/2`, Hangup: true, Times: 3})
	if _, err := via.Upload(ctx, rec, file("a", plain), "findings", core.Meta{Title: "A"}, "", plans, client.Transfer{Parallel: 1}); err == nil {
		t.Fatal("upload through lost answers succeeded")
	}
	p.ClearRequests()
	it := must[*wire.Item](t)(via.Upload(ctx, rec, file("a", plain), "findings", core.Meta{Title: "A"}, "", plans, client.Transfer{Parallel: 1}))
	if sent := puts(p); len(sent) != 2 || sent[3] == nil || sent[4] == nil {
		t.Errorf("resume sent chunks %v, want 3 and 4", slices.Sorted(mapsKeys(sent)))
	}
	if got := download(t, c, rec, it.ID); !bytes.Equal(got, plain) {
		t.Fatal("resumed item differs from the file")
	}
	if len(plans) != 0 {
		t.Error("the plan outlived its upload")
	}

	// 2. The file changes inside the chunk whose answer was lost, size
	// (and, for a file, modification time) as before.
	p.Reset()
	p.ClearRequests()
	old := random(4<<20+100, 3)
	rule(t, p, evilproxy.Rule{Method: "PUT", Path: `/api/v1/records/[a-z0-9]+/uploads/[a-z0-9]+/chunks/2`, Hangup: true, Times: 3})
	if _, err := via.Upload(ctx, rec, file("b", old), "findings", core.Meta{Title: "B"}, "", plans, client.Transfer{Parallel: 1}); err == nil {
		t.Fatal("upload through lost answers succeeded")
	}
	var first core.Plan
	ok(t, json.Unmarshal(plans["b"], &first))
	before := puts(p)
	p.ClearRequests()
	changed := bytes.Clone(old)
	copy(changed[2<<20+4096:], "a change inside chunk 2")
	var notices []error
	it = must[*wire.Item](t)(via.Upload(ctx, rec, file("b", changed), "findings", core.Meta{Title: "B"}, "", plans,
		client.Transfer{Parallel: 1, Notice: func(err error) { notices = append(notices, err) }}))
	if r, _ := akte.ReasonOf(errors1(notices)); len(notices) != 1 || r != "upload_changed" {
		t.Errorf("notices %v, want one upload_changed", notices)
	}
	if it.ID == first.Request.ID {
		t.Error("the changed file went on under the old item")
	}
	if _, _, err := c.UploadStatus(ctx, first.Request.ID); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("the abandoned upload is still there: %v", err)
	}
	if got := download(t, c, rec, it.ID); !bytes.Equal(got, changed) {
		t.Fatal("the stored item is not the new file")
	}
	after := puts(p)
	if len(after) != 5 {
		t.Errorf("the new upload sent chunks %v, want all 5", slices.Sorted(mapsKeys(after)))
	}
	noNonceReuse(t, before, after)
}

// noNonceReuse checks that no two chunk bodies of two uploads share the
// stream header (key commitment, salt and nonce prefix), which would mean
// the same key and nonces.
func noNonceReuse(t *testing.T, a, b map[int][][]byte) {
	t.Helper()
	for _, x := range a[0] {
		for _, y := range b[0] {
			if bytes.Equal(x[:seal.StreamHeaderSize], y[:seal.StreamHeaderSize]) {
				t.Fatal("two uploads share a stream header: same key and nonces")
			}
		}
	}
}

func errors1(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

func mapsKeys[V any](m map[int]V) func(func(int) bool) {
	return func(yield func(int) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestDownloadResume: a download whose connection breaks in the middle
// goes on with a Range request and gives the same bytes.
func TestDownloadResume(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	c, m, _ := s.account("anna@example.org")
	rec := s.record(c, must[[]byte](t)(core.UnlockUMK(m.PasswordKey, m.Keys)))
	plain := random(5<<20+3, 4)
	it := must[*wire.Item](t)(c.Upload(ctx, rec, file("a", plain), "findings", core.Meta{Title: "A"}, "", memPlans{}, client.Transfer{}))
	p, via := s.evil(c)
	rule(t, p, evilproxy.Rule{Method: "GET", Path: `/api/v1/records/[a-z0-9]+/items/[a-z0-9]+/content`, CutAfter: 3<<20 + 77, Times: 1})
	if got := download(t, via, rec, it.ID); !bytes.Equal(got, plain) {
		t.Fatal("resumed download differs")
	}
	var gets int
	for _, r := range p.Requests() {
		if strings.HasSuffix(r.Path, "/content") {
			gets++
		}
	}
	if gets != 2 {
		t.Errorf("%d content requests, want the cut one and one resuming it", gets)
	}
}

// TestDownloadOtherVersion: an item whose stored bytes are swapped for
// another version of the file encrypted under the same key and seed (what
// a resume that reused a plan for a changed file would leave)
// authenticates segment by segment, and is refused by the plaintext
// digest of its metadata.
func TestDownloadOtherVersion(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	c, m, _ := s.account("anna@example.org")
	rec := s.record(c, must[[]byte](t)(core.UnlockUMK(m.PasswordKey, m.Keys)))
	v1 := random(3<<20, 5)
	plans := &recordingPlans{memPlans: memPlans{}}
	it := must[*wire.Item](t)(c.Upload(ctx, rec, file("a", v1), "findings", core.Meta{Title: "A"}, "", plans, client.Transfer{}))

	// Version 2 differs in its second chunk; sealed as the client would
	// have with the plan's key and seed.
	v2 := bytes.Clone(v1)
	copy(v2[1<<20+10:], "version 2")
	var ct bytes.Buffer
	w := must[io.WriteCloser](t)(seal.NewWriter(&ct, plans.last.Key, seal.WithStreamRandom(bytes.NewReader(plans.last.Seed))))
	w.Write(v2)
	ok(t, w.Close())
	acct := must[*wire.Account](t)(c.Account(ctx)).AccountID
	for n := 0; n*(1<<20) < ct.Len(); n++ {
		key := fmt.Sprintf("records/%s/items/%s/%07d", acct, it.ID, n)
		if _, err := s.blobs.Put(ctx, key, bytes.NewReader(ct.Bytes()[n<<20:min(ct.Len(), (n+1)<<20)])); err != nil {
			t.Fatal(err)
		}
	}
	// The stream alone still opens: only the digest tells.
	content, _, _, err := c.ItemContent(ctx, it.ID, 0)
	ok(t, err)
	itemKey, meta, err := rec.OpenItem(*it)
	ok(t, err)
	r := must[io.Reader](t)(seal.NewReader(content, itemKey))
	if b, err := io.ReadAll(r); err != nil || !bytes.Equal(b, v2) {
		t.Fatalf("the mixed stream: %v", err)
	}
	content.Close()
	var buf bytes.Buffer
	err = c.Download(ctx, it, itemKey, meta, &buf, client.Transfer{})
	if r, _ := akte.ReasonOf(err); r != "content_digest_mismatch" || !akte.Is(err, akte.KindCrypto) {
		t.Fatalf("download of a mixed item: %v", err)
	}
}

// recordingPlans keeps the last plan saved, secrets included.
type recordingPlans struct {
	memPlans
	last *core.Plan
}

func (r *recordingPlans) Save(key string, p *core.Plan) error {
	c := *p
	r.last = &c
	return r.memPlans.Save(key, p)
}

// shippedConsents agree to the required texts as shipped (in German), as
// a client that showed them sends (decision 0044).
func shippedConsents() []wire.ConsentAnswer {
	ct, err := service.LoadConsentTexts("")
	if err != nil {
		panic(err)
	}
	var out []wire.ConsentAnswer
	for _, a := range ct.RequiredAnswers("de") {
		out = append(out, wire.ConsentAnswer{Text: a.Text, Version: a.Version, Lang: a.Lang, Hash: a.Hash})
	}
	return out
}
