package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrate moves an installation of the embedded default to PostgreSQL
// + S3: a run cut short is resumed, a finished one repeated changes
// nothing, the user logs in on the new stores and downloads the same
// documents, and a target that holds other data is refused.
func TestMigrate(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	// Explicitly the embedded default, whatever AKTE_TEST_BACKEND says.
	local := []string{"--db", "sqlite://" + filepath.Join(data, "akte.db"), "--blobs", "file://" + filepath.Join(data, "blobs"), "--chunk-size", "1MiB"}
	srv := startServer(t, data, local)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	sums := map[string]string{}
	for i, n := range []int64{3<<20 + 5, 1000} {
		p := filepath.Join(dir, fmt.Sprintf("doc-%d.bin", i))
		sum := writeRandom(t, p, n, uint64(i))
		sums[alice.upload(p, "--category", "findings")] = sum
	}
	pk := addPasskey(t, alice, localOrigin(srv), srv, srv).passkey
	// A verified provider moves with its status.
	practice := newUser(t, srv, "praxis@example.org")
	practice.registerProvider("Praxis Dr. Müller", "practice", "1-20000001", "--lanr", "123456667", "--bsnr", "987654321", "--place", "Köln")
	practice.ok(append([]string{"admin", "provider", "verify", practice.Email, "--data", data}, local...)...)
	// Its grant of the findings moves too, and a block.
	practice.login()
	other := newUser(t, srv, "blockiert@example.org")
	other.register("E123456789")
	alice.ok("grant", "add", "--provider", practice.Account, "--category", "findings")
	alice.ok("block", "--provider", other.Account)
	rid := alice.state().RecordID
	srv.stop()

	r := newRemote(t)
	admin := &user{t: t, srv: srv, Home: t.TempDir()}
	migrate := append([]string{"admin", "migrate", "--from", data, "--to-blobs", r.Blobs}, "--to-db", r.DB)

	// Cut short after two blobs: exit 3, and the next run continues.
	out, errs, code := admin.run("", nil, append(migrate, "--stop-after-blobs", "2")...)
	if code != 3 || !strings.Contains(out, "nach 2 Blobs angehalten") {
		t.Fatalf("interrupted migrate: exit %d\n%s%s", code, out, errs)
	}
	out = admin.ok(migrate...)
	t.Logf("resumed:\n%s", out)
	if !strings.Contains(out, "Umzug vollständig und geprüft") || !strings.Contains(out, "2 schon da und gleich") {
		t.Fatalf("resumed migrate:\n%s", out)
	}
	if !strings.Contains(out, "Konten 3, Geräte 3, Dokumente 2 (Teile 5)") {
		t.Errorf("report:\n%s", out)
	}
	out = admin.ok(migrate...)
	if !strings.Contains(out, "Blobs: 0 kopiert") {
		t.Errorf("second migrate copied something:\n%s", out)
	}

	// The user logs in on the new stores (sessions were not copied) and
	// reads the same documents.
	srv2 := startServer(t, "", r.args())
	srv2.remote = r
	alice.srv = srv2
	if _, errs, code := alice.run("", nil, "ls"); code == 0 {
		t.Error("the old session works after the migration")
	} else {
		t.Logf("old session: %s", strings.TrimSpace(errs))
	}
	alice.login() // without being asked again: the consent ledger moved
	if out := alice.ok("consent", "ls", "--json"); !strings.Contains(out, `"processing"`) {
		t.Errorf("consent ledger after migrate: %s", out)
	}
	// The record manifest moved with its counter: no list rolled back.
	if _, errs := alice.lsProblems(); errs != "" {
		t.Errorf("ls after migrate warns: %s", errs)
	}
	if got := alice.searchIDs("müller"); len(got) != 1 || got[0] != practice.Account {
		t.Errorf("the verified provider after migrate: %v", got)
	}
	if out := alice.ok("passkey", "ls"); !strings.Contains(out, pk.ID) {
		t.Errorf("passkeys after migrate:\n%s", out)
	}
	items := alice.ls()
	if len(items) != len(sums) {
		t.Fatalf("ls after migrate: %+v", items)
	}
	practice.srv = srv2
	practice.login()
	if got := practice.ls("--record", rid); len(got) != len(sums) {
		t.Errorf("the practice's listing after migrate: %+v", got)
	}
	if msg := alice.fails("grant", "add", "--provider", other.Account, "--category", "letters"); !says(msg, "provider_not_found", nil) {
		t.Errorf("the block after migrate: %s", msg)
	}
	for id, sum := range sums {
		p := filepath.Join(dir, "back-"+id)
		alice.ok("get", id, "-o", p)
		if fileSum(t, p) != sum {
			t.Errorf("item %s differs after the migration", id)
		}
	}

	// Now the target holds an account the source does not: refused.
	bob := newUser(t, srv2, "bob@example.org")
	bob.register("K220635158")
	if msg := admin.fails(migrate...); !strings.Contains(msg, "nicht in der Quelle") {
		t.Errorf("migrate into a target with other data: %q", msg)
	}
}
