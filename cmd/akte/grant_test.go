package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// kvnrOf completes nine characters (a letter and eight digits) to a valid
// KVNR with its check digit.
func kvnrOf(t *testing.T, s string) string {
	for d := '0'; d <= '9'; d++ {
		if k := s + string(d); akte.ValidKVNR(k) {
			return k
		}
	}
	t.Fatalf("no check digit for %s", s)
	return ""
}

// shiftedClock drives the test clock of akte serve (AKTE_TEST_CLOCK_FILE):
// the server's time is the real time plus the offset in the file.
type shiftedClock struct {
	t    *testing.T
	path string
	off  time.Duration
}

func (c *shiftedClock) set(serverNow time.Time) {
	c.off = time.Until(serverNow)
	if err := os.WriteFile(c.path, []byte(c.off.String()), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

func (c *shiftedClock) now() time.Time { return time.Now().Add(c.off) }

// loginAt logs in with the TOTP code of the server's shifted time.
func (u *user) loginAt(c *shiftedClock) {
	u.t.Helper()
	u.ok("login", "--email", u.Email, "--totp", u.totpAt(c.now().Unix()/30))
}

// heldKeys opens, in the test, every key the provider's running grants of
// the record carry, as a provider's client would and could keep: its
// account's private key from the password, the grants from the API with
// its session.
func (u *user) heldKeys(ctx context.Context, rid string) *core.Keyring {
	u.t.Helper()
	st := u.state()
	c := client.NewAPI(u.srv.URL)
	c.Token, c.RecordID = st.Token, rid
	kr, err := c.AccountKeys(ctx)
	if err != nil {
		u.t.Fatal(err)
	}
	pk, _, err := core.Split(u.Password, kr.KDF)
	if err != nil {
		u.t.Fatal(err)
	}
	umk, err := core.UnlockUMK(pk, kr.Keys)
	if err != nil {
		u.t.Fatal(err)
	}
	priv, err := core.AccountPrivateKey(umk, kr.Keys)
	if err != nil {
		u.t.Fatal(err)
	}
	seen := &client.Seen{}
	ring, err := c.OpenGranted(ctx, priv, seen)
	if err != nil {
		u.t.Fatal(err)
	}
	return ring
}

// ownerItem is an item of the record as its owner's session fetches it
// (the ciphertext a former grantee would need).
func (u *user) ownerItem(ctx context.Context, id string) wire.Item {
	u.t.Helper()
	st := u.state()
	c := client.NewAPI(u.srv.URL)
	c.Token, c.RecordID = st.Token, st.RecordID
	it, err := c.Item(ctx, id)
	if err != nil {
		u.t.Fatal(err)
	}
	return *it
}

// TestGrants: issue 14 end to end with the real binary. A patient grants
// the findings to two practices; A reads a finding, not a letter, not a
// finding hidden from it (which B reads); after the revocation A is a
// stranger, and a finding added then does not open with any key A ever
// held, while B reads it. A hospital with "add" places a discharge letter
// the patient reads like her own; once its grant expired (the server's
// clock moved on) it can neither read nor add.
func TestGrants(t *testing.T) {
	ctx := t.Context()
	clk := &shiftedClock{t: t, path: filepath.Join(t.TempDir(), "clock")}
	// The hospital's grant ends at a midnight ten days ahead; the server
	// starts a few minutes before it.
	y, m, d := time.Now().AddDate(0, 0, 10).Date()
	end := time.Date(y, m, d, 0, 0, 0, 0, time.Local)
	clk.set(end.Add(-8 * time.Minute))
	srv := startServer(t, "", nil, "AKTE_TEST_CLOCK_FILE="+clk.path)

	pat := newUser(t, srv, "patientin@example.org")
	a, b, hosp := newUser(t, srv, "praxis-a@example.org"), newUser(t, srv, "praxis-b@example.org"), newUser(t, srv, "klinik@example.org")
	for i, u := range []*user{pat, a, b, hosp} {
		u.Env = []string{"AKTE_TEST_CLOCK_FILE=" + clk.path}
		if u == pat {
			u.register(kvnrOf(t, fmt.Sprintf("G%08d", 11223340+i)))
		} else {
			u.verifiedProvider(u.Email, fmt.Sprintf("1-2000000%d", i))
		}
		u.loginAt(clk)
	}
	rid := pat.state().RecordID

	dir := t.TempDir()
	file := func(name string, seed uint64) string {
		p := filepath.Join(dir, name)
		writeRandom(t, p, 3000, seed)
		return p
	}
	content := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f1, letter, f3 := file("befund1.pdf", 1), file("brief.pdf", 2), file("befund3.pdf", 3)
	id1 := pat.upload(f1, "--category", "findings", "--title", "Blutbild")
	idL := pat.upload(letter, "--category", "letters", "--title", "Arztbrief")
	id3 := pat.upload(f3, "--category", "findings", "--title", "Psychiatrischer Befund")

	var ga, gb struct {
		Grant wire.Grant `json:"grant"`
	}
	pat.okJSON(&ga, "grant", "add", "--provider", a.Account, "--category", "findings")
	pat.okJSON(&gb, "grant", "add", "--provider", b.Account, "--category", "findings")
	if ga.Grant.Until == nil || ga.Grant.Until.Sub(clk.now()) < 89*24*time.Hour {
		t.Errorf("default validity: %v", ga.Grant.Until)
	}
	pat.ok("hide", "--provider", a.Account, "--item", id3)

	// A sees the granted record with its role, and only what is in scope.
	var rs []wire.RecordAccess
	a.okJSON(&rs, "records")
	if !slices.ContainsFunc(rs, func(r wire.RecordAccess) bool { return r.RecordID == rid && r.Role == "provider_category_read" }) {
		t.Fatalf("A's records: %+v", rs)
	}
	if got := ids(a.ls("--record", rid)); !slices.Equal(got, []string{id1}) {
		t.Errorf("A lists %v, want only %s", got, id1)
	}
	if out := a.ok("get", id1, "--record", rid, "-o", "-"); out != string(content(f1)) {
		t.Error("A's download of the finding differs")
	}
	for _, id := range []string{idL, id3} {
		if msg := a.fails("get", id, "--record", rid, "-o", "-"); !says(msg, "item_not_found", nil) {
			t.Errorf("A gets %s: %s", id, msg)
		}
	}
	if out := b.ok("get", id3, "--record", rid, "-o", "-"); out != string(content(f3)) {
		t.Error("B's download of the finding hidden from A differs")
	}
	// A provider has no business with the record's keys or its grants' settings.
	if msg := a.fails("grant", "add", "--provider", b.Account, "--record-wide", "--record", rid); !says(msg, "record_not_found", nil) && !says(msg, "action_not_permitted", nil) {
		t.Errorf("A grants in the patient's record: %s", msg)
	}

	// Revoked: A keeps every key it held, and is a stranger at once.
	held := a.heldKeys(ctx, rid)
	pat.ok("grant", "revoke", ga.Grant.ID)
	for _, args := range [][]string{{"ls"}, {"get", id1, "-o", "-"}} {
		if msg := a.fails(append(args, "--record", rid)...); !says(msg, "record_not_found", nil) {
			t.Errorf("A after revocation, %v: %s", args, msg)
		}
	}
	if _, _, err := held.OpenItem(pat.ownerItem(ctx, id1)); err != nil {
		t.Errorf("the kept keys do not open the finding from before: %v", err)
	}
	f4 := file("befund4.pdf", 4)
	id4 := pat.upload(f4, "--category", "findings", "--title", "Nach dem Entzug")
	it4 := pat.ownerItem(ctx, id4)
	if it4.KeyVersion < 2 {
		t.Errorf("the finding after the revocation is under key version %d", it4.KeyVersion)
	}
	if _, _, err := held.OpenItem(it4); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("A's kept keys open the finding added after the revocation: %v", err)
	}
	if out := b.ok("get", id4, "--record", rid, "-o", "-"); out != string(content(f4)) {
		t.Error("B cannot read the finding added after A's revocation")
	}

	// The findings hidden from B: the server refuses B what exists (B's
	// kept keys would open it), and a finding added from then on is under
	// a key version B never got. Shown again, B reads what existed, but
	// not what was added while hidden.
	heldB := b.heldKeys(ctx, rid)
	pat.ok("hide", "--provider", b.Account, "--category", "findings")
	f5 := file("befund5.pdf", 6)
	id5 := pat.upload(f5, "--category", "findings", "--title", "Verborgen")
	if got := ids(b.ls("--record", rid)); len(got) != 0 {
		t.Errorf("B lists %v in a hidden category", got)
	}
	for _, id := range []string{id1, id5} {
		if msg := b.fails("get", id, "--record", rid, "-o", "-"); !says(msg, "item_not_found", nil) {
			t.Errorf("B gets %s while hidden: %s", id, msg)
		}
	}
	if _, _, err := heldB.OpenItem(pat.ownerItem(ctx, id1)); err != nil {
		t.Errorf("B's kept keys: %v (the server's refusal alone hides what existed)", err)
	}
	if _, _, err := heldB.OpenItem(pat.ownerItem(ctx, id5)); !akte.Is(err, akte.KindCrypto) {
		t.Errorf("B's kept keys open a finding added while hidden: %v", err)
	}
	pat.ok("unhide", "--provider", b.Account, "--category", "findings")
	if out := b.ok("get", id1, "--record", rid, "-o", "-"); out != string(content(f1)) {
		t.Error("B cannot read the finding again after unhiding")
	}
	if msg := b.fails("get", id5, "--record", rid, "-o", "-"); !says(msg, "item_key_unopenable", nil) {
		t.Errorf("B gets the finding added while hidden: %s", msg)
	}

	// Blocked: B's grant ends, B is a stranger, no grant can name B until
	// the block is lifted.
	var blocked struct{ Ended []string }
	pat.okJSON(&blocked, "block", "--provider", b.Account)
	if !slices.Equal(blocked.Ended, []string{gb.Grant.ID}) {
		t.Errorf("block ended %v, want B's grant %s", blocked.Ended, gb.Grant.ID)
	}
	if msg := b.fails("ls", "--record", rid); !says(msg, "record_not_found", nil) {
		t.Errorf("B blocked: %s", msg)
	}
	if msg := pat.fails("grant", "add", "--provider", b.Account, "--category", "letters"); !says(msg, "provider_not_found", nil) {
		t.Errorf("a grant to a blocked provider: %s", msg)
	}
	pat.ok("unblock", "--provider", b.Account)
	pat.ok("grant", "add", "--provider", b.Account, "--category", "letters")
	if out := b.ok("get", idL, "--record", rid, "-o", "-"); out != string(content(letter)) {
		t.Error("B cannot read the letter granted after the block was lifted")
	}

	// A single document: A reads the letter with the item key it was
	// given, and nothing else.
	var gi struct{ Grant wire.Grant }
	pat.okJSON(&gi, "grant", "add", "--provider", a.Account, "--item", idL, "--unlimited")
	if gi.Grant.Until != nil {
		t.Errorf("unlimited grant until %v", gi.Grant.Until)
	}
	if got := ids(a.ls("--record", rid)); !slices.Equal(got, []string{idL}) {
		t.Errorf("A with an item grant lists %v", got)
	}
	if out := a.ok("get", idL, "--record", rid, "-o", "-"); out != string(content(letter)) {
		t.Error("A cannot read the single letter granted")
	}
	rs = nil // Unmarshal would keep the fields an element of the old slice had
	a.okJSON(&rs, "records")
	if !slices.ContainsFunc(rs, func(r wire.RecordAccess) bool {
		return r.RecordID == rid && r.Role == "provider_item_read" && r.Until == nil
	}) {
		t.Errorf("A's records with an unlimited item grant: %+v", rs)
	}

	// The hospital places a discharge letter until the grant's last day.
	lastDay := end.AddDate(0, 0, -1).Format("2006-01-02")
	var gh struct {
		Grant             wire.Grant `json:"grant"`
		RecordFingerprint string     `json:"record_fingerprint"`
	}
	pat.okJSON(&gh, "grant", "add", "--provider", hosp.Account, "--category", "discharge", "--write", "--until", lastDay)
	if gh.Grant.Until == nil || !gh.Grant.Until.Equal(end) {
		t.Fatalf("hospital's grant until %v, want %v", gh.Grant.Until, end)
	}
	// The practice sees the fingerprint the patient was shown.
	if out := hosp.ok("grant", "ls", "--record", rid); gh.RecordFingerprint == "" || !strings.Contains(out, gh.RecordFingerprint) {
		t.Errorf("the hospital's grant ls does not show the record fingerprint %q: %s", gh.RecordFingerprint, out)
	}
	dl := file("entlassbrief.pdf", 5)
	idD := hosp.upload(dl, "--record", rid, "--category", "discharge", "--title", "Entlassbrief", "--source", "Klinikum")
	var mine []struct {
		ID, Title, Source, Problem string
	}
	pat.okJSON(&mine, "ls", "--category", "discharge")
	if len(mine) != 1 || mine[0].ID != idD || mine[0].Title != "Entlassbrief" || mine[0].Source != "Klinikum" || mine[0].Problem != "" {
		t.Fatalf("the patient's discharge letters: %+v", mine)
	}
	if out := pat.ok("get", idD, "-o", "-"); !bytes.Equal([]byte(out), content(dl)) {
		t.Error("the patient's download of the discharge letter differs")
	}
	if it := pat.ownerItem(ctx, idD); it.CreatedBy != hosp.Account {
		t.Errorf("discharge letter created by %q, want the hospital %q", it.CreatedBy, hosp.Account)
	}
	pat.okJSON(&mine, "ls") // filed in the manifest: no problem on the next listing either
	for _, l := range mine {
		if l.Problem != "" {
			t.Errorf("listing problem %+v", l)
		}
	}

	// A server that swaps the record's public key for one of its own is
	// refused by the hospital's client, which pinned the key it sealed to.
	db := srv.stores()
	var honest []byte
	if err := db.QueryRow(ctx, `SELECT public_key FROM records WHERE account_id = ?`, pat.Account).Scan(&honest); err != nil {
		t.Fatal(err)
	}
	evil, _, err := seal.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE records SET public_key = ? WHERE account_id = ?`, evil, pat.Account); err != nil {
		t.Fatal(err)
	}
	if msg := hosp.fails("upload", dl, "--record", rid, "--category", "discharge", "--title", "Zweitschrift"); !says(msg, "record_key_changed", nil) {
		t.Errorf("upload to a swapped record key: %s", msg)
	}
	if _, err := db.Exec(ctx, `UPDATE records SET public_key = ? WHERE account_id = ?`, honest, pat.Account); err != nil {
		t.Fatal(err)
	}

	// The patient's protocol names the practices that read and added.
	if out := pat.ok("audit", "--actor", a.Account, "--json"); !strings.Contains(out, "item.download") || !strings.Contains(out, "provider_category_read") {
		t.Errorf("the protocol of A's reads: %.600s", out)
	}
	if out := pat.ok("audit", "--actor", hosp.Account, "--json"); !strings.Contains(out, "item.upload") {
		t.Errorf("the protocol of the hospital's letter: %.600s", out)
	}
	if out := pat.ok("audit", "--json"); !strings.Contains(out, "grant.revoke") || !strings.Contains(out, "grant.block") || !strings.Contains(out, "grant.hide") {
		t.Errorf("the protocol lacks the grant events: %.300s", out)
	}

	// The grant's end passes on the server's clock.
	clk.set(end.Add(time.Minute))
	for _, args := range [][]string{{"ls"}, {"upload", dl, "--category", "discharge", "--title", "Zu spät"}} {
		if msg := hosp.fails(append(args, "--record", rid)...); !says(msg, "record_not_found", nil) {
			t.Errorf("hospital after expiry, %v: %s", args, msg)
		}
	}
	rs = nil
	hosp.okJSON(&rs, "records")
	if slices.ContainsFunc(rs, func(r wire.RecordAccess) bool { return r.RecordID == rid }) {
		t.Errorf("expired grant still listed: %+v", rs)
	}
}

func ids(ls []lsItem) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	slices.Sort(out)
	return out
}
