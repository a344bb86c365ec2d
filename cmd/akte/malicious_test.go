package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/evilproxy"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// The malicious-server tests (docs/crypto.md, "Malicious server") put
// internal/evilproxy between the CLI and a real server, and edit the
// server's database and blobs behind its back: the server lies, and the
// client must notice before it sends a secret or writes a byte.

// evil returns a proxy in front of s, and s as the clients see it through
// the proxy.
func (s *server) evil() (*evilproxy.Proxy, *server) {
	s.t.Helper()
	p, err := evilproxy.New(s.URL)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { p.Close() })
	via := *s
	via.URL = p.URL
	return p, &via
}

// stores opens the server's database and blob store directly.
func (s *server) stores() *evilproxy.Stores {
	s.t.Helper()
	var db, blobs string
	if s.remote != nil {
		db, blobs = s.remote.DB, s.remote.Blobs
	}
	st, err := evilproxy.OpenStores(context.Background(), s.Data, db, blobs)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { st.Close() })
	return st
}

func rule(t *testing.T, p *evilproxy.Proxy, r evilproxy.Rule) {
	t.Helper()
	if err := p.Add(r); err != nil {
		t.Fatal(err)
	}
}

// sent fails the test if a request to the path was passed on, or if any
// recorded body holds the field (a secret's JSON name).
func sent(t *testing.T, p *evilproxy.Proxy, what, method, path, field string) {
	t.Helper()
	for _, r := range p.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, path) {
			t.Errorf("%s: %s %s reached the server", what, r.Method, r.Path)
		}
		if bytes.Contains(r.Body, []byte(`"`+field+`"`)) {
			t.Errorf("%s: %s %s carried %s", what, r.Method, r.Path, field)
		}
	}
}

// TestMaliciousKDF: a server that asks for Argon2id parameters below the
// floor gets no login secret — at login and at a password change — and
// one that lowers the parameters a client used before, or changes the
// salt without a password change, is refused by the client's memory. The
// server holds clients to the same floor (p ≥ 4).
func TestMaliciousKDF(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	p, via := srv.evil()
	u := newUser(t, via, "kdf@example.org")
	u.register(testKVNR)
	u.login()

	// The attack: m = 8 KiB, t = 1, p = 1 in the prelogin answer.
	weak := evilproxy.Rule{Method: "POST", Path: "/api/v1/prelogin", Merge: json.RawMessage(`{"kdf":{"memory":8,"time":1,"threads":1}}`)}
	rule(t, p, weak)
	p.ClearRequests()
	if msg := u.fails("login", "--email", u.Email, "--totp", u.peekCode()); !strings.Contains(msg, "schwächere Absicherung Ihres Passworts als erlaubt") || !strings.Contains(msg, "nichts gesendet") {
		t.Fatalf("login with m=8 KiB: %q", msg)
	}
	if !strings.Contains(string(p.Requests()[0].Body), u.Email) {
		t.Fatal("the proxy saw no prelogin: the test proves nothing")
	}
	sent(t, p, "login with m=8 KiB", "POST", "/api/v1/sessions", "login_secret")

	// The same parameters in the answer to the keys of a password change.
	p.Reset()
	rule(t, p, evilproxy.Rule{Method: "GET", Path: "/api/v1/account/keys", Merge: json.RawMessage(`{"kdf":{"memory":8,"time":1,"threads":1}}`)})
	p.ClearRequests()
	if _, errs, code := u.run("", []string{"AKTE_NEW_PASSWORD=Hagebutten-Nebel-2031"}, "password", "change", "--totp", u.peekCode()); code == 0 || !strings.Contains(errs, "als erlaubt") {
		t.Fatalf("password change with m=8 KiB: %d %s", code, errs)
	}
	sent(t, p, "password change with m=8 KiB", "POST", "/api/v1/password/change", "old_login_secret")
	p.Reset()
	u.ok("whoami") // the session is untouched

	// Each parameter on its own, and the salt.
	for _, merge := range []string{`{"kdf":{"threads":1}}`, `{"kdf":{"time":2}}`, `{"kdf":{"memory":65535}}`, `{"kdf":{"salt":"AAAAAAAAAAAA"}}`, `{"kdf":{"alg":"argon2i"}}`} {
		p.Reset()
		rule(t, p, evilproxy.Rule{Method: "POST", Path: "/api/v1/prelogin", Merge: json.RawMessage(merge)})
		p.ClearRequests()
		u.fails("login", "--email", u.Email, "--totp", u.peekCode())
		sent(t, p, merge, "POST", "/api/v1/sessions", "login_secret")
	}
	p.Reset()

	// The server refuses the same floor from clients.
	m, err := core.NewMaterial(u.Password, core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	m.KDF.Threads = 1
	err = client.NewAPI(srv.URL).Do(t.Context(), "POST", "/api/v1/accounts", wire.RegisterRequest{Email: "one-thread@example.org", KVNR: "K220635158", BirthDate: "1970-01-01",
		KDF: m.KDF, LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Test", Record: m.Record}, nil)
	if r, params := akte.ReasonOf(err); !akte.Is(err, akte.KindInvalid) || r != "kdf_out_of_bounds" || params["field"] != "threads" || params["min"] != float64(4) {
		t.Fatalf("register with p=1: %v (%s %v)", err, r, params)
	}

	// A salt change that is real: the password changed on another
	// device. Refused until the person says so, then remembered.
	other := u.device()
	other.fails("login", "--email", u.Email, "--totp", u.peekCode())
	srv.confirmDevice(u.Email)
	other.login()
	newPW := "Hagebutten-Nebel-2031"
	if _, errs, code := other.run("", []string{"AKTE_NEW_PASSWORD=" + newPW}, "password", "change", "--totp", other.code()); code != 0 {
		t.Fatalf("password change on the other device: %s", errs)
	}
	u.Password = newPW
	p.ClearRequests()
	if msg := u.fails("login", "--email", u.Email, "--totp", u.peekCode()); !strings.Contains(msg, "--password-changed-elsewhere") {
		t.Fatalf("login after a change elsewhere: %q", msg)
	}
	sent(t, p, "new salt", "POST", "/api/v1/sessions", "login_secret")
	u.ok("login", "--email", u.Email, "--totp", u.code(), "--password-changed-elsewhere")
	changed := other.state().KDF
	if st := u.state(); !bytes.Equal(st.Seen.KDF(u.Email).Salt, changed.Salt) {
		t.Fatal("the new salt is not remembered")
	}
}

// TestMaliciousKDFMemory: parameters above the floor that a client used
// once never go down again, whatever the server says later.
func TestMaliciousKDFMemory(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	p, via := srv.evil()
	u := newUser(t, via, "memory@example.org")
	// Another client chose stronger parameters than the CLI's default.
	strong := core.DefaultKDF()
	strong.Memory, strong.Time, strong.Threads = 96*1024, 4, 6
	u.registerWith(strong)
	u.login()
	st := u.state()
	if got := st.Seen.KDF(u.Email); got == nil || got.Memory != strong.Memory || got.Time != 4 || got.Threads != 6 {
		t.Fatalf("remembered %+v", got)
	}
	salt := base64.StdEncoding.EncodeToString(strong.Salt)
	for _, c := range []struct{ merge, want string }{
		{`{"kdf":{"memory":65536,"time":3,"threads":4}}`, "memory = 65536, zuletzt 98304"},
		{`{"kdf":{"time":3}}`, "time = 3, zuletzt 4"},
		{`{"kdf":{"threads":4}}`, "threads = 4, zuletzt 6"},
	} {
		p.Reset()
		rule(t, p, evilproxy.Rule{Method: "POST", Path: "/api/v1/prelogin", Merge: json.RawMessage(c.merge)})
		p.ClearRequests()
		msg := u.fails("login", "--email", u.Email, "--totp", u.peekCode())
		if !strings.Contains(msg, "als bei der letzten Anmeldung auf diesem Gerät") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %q", c.merge, msg)
		}
		sent(t, p, c.merge, "POST", "/api/v1/sessions", "login_secret")
		// Saying the password changed elsewhere does not lower them.
		u.fails("login", "--email", u.Email, "--totp", u.peekCode(), "--password-changed-elsewhere")
		sent(t, p, c.merge+" (changed elsewhere)", "POST", "/api/v1/sessions", "login_secret")
	}
	// The same salt is still the same: the memory compared the right
	// thing, and the honest answer still logs in.
	p.Reset()
	rule(t, p, evilproxy.Rule{Method: "POST", Path: "/api/v1/prelogin", Merge: json.RawMessage(`{"kdf":{"salt":"` + salt + `"}}`)})
	u.login()
	// Also when the server's database says so.
	n, err := srv.stores().Exec(t.Context(), `UPDATE accounts SET kdf_memory = ?, kdf_time = ? WHERE email = ?`, 65536, 3, u.Email)
	if err != nil || n != 1 {
		t.Fatalf("edit the account: %d %v", n, err)
	}
	p.ClearRequests()
	if msg := u.fails("login", "--email", u.Email, "--totp", u.peekCode()); !strings.Contains(msg, "zuletzt 98304") {
		t.Fatalf("login after the database was lowered: %q", msg)
	}
	sent(t, p, "database lowered", "POST", "/api/v1/sessions", "login_secret")
}

// registerWith registers and confirms an account with the given Argon2id
// parameters, as a client other than the CLI would, from this user's CLI
// device (so that its login needs no device confirmation).
func (u *user) registerWith(kdf akte.KDFParams) {
	u.t.Helper()
	u.run("", nil, "whoami") // makes the device id
	st := u.state()
	m, err := core.NewMaterial(u.Password, kdf)
	if err != nil {
		u.t.Fatal(err)
	}
	var res wire.RegisterResponse
	if err := client.NewAPI(u.srv.URL).Do(context.Background(), "POST", "/api/v1/accounts", wire.RegisterRequest{Email: u.Email, KVNR: testKVNR, BirthDate: "1980-04-01",
		KDF: m.KDF, LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: st.DeviceID, DeviceName: st.DeviceName, Record: m.Record, Consents: shippedConsents(), Via: "cli"}, &res); err != nil {
		u.t.Fatal(err)
	}
	u.Account, u.TOTP, u.Recovery = res.AccountID, res.TOTPSecret, core.FormatRecoveryKey(m.RecoveryKey)
	u.ok("verify-email", "--email", u.Email, "--code", u.srv.mailCode(u.Email, "Bestätigen"))
}

// TestMaliciousAnswers: `akte get A` refuses the server's answer for B and
// writes nothing; `akte ls --category` refuses items of another category;
// `akte whoami` refuses another account, `akte devices rename` another
// device; B's ciphertext in A's blobs does not open.
func TestMaliciousAnswers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	p, via := srv.evil()
	u := newUser(t, via, "answers@example.org")
	u.register(testKVNR)
	u.login()
	dir := t.TempDir()
	writeRandom(t, filepath.Join(dir, "a.pdf"), 200<<10, 1)
	writeRandom(t, filepath.Join(dir, "b.pdf"), 200<<10, 2)
	a := u.upload(filepath.Join(dir, "a.pdf"), "--category", "findings", "--title", "Befund A")
	b := u.upload(filepath.Join(dir, "b.pdf"), "--category", "letters", "--title", "Brief B")

	out := filepath.Join(dir, "out.pdf")
	nothingWritten := func(what string) {
		t.Helper()
		if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %s was written", what, out)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".akte-get-*")); len(left) > 0 {
			t.Errorf("%s: left %v", what, left)
		}
	}
	rp := "/api/v1/records/" + u.state().RecordID
	rule(t, p, evilproxy.Rule{Method: "GET", Path: rp + "/items/" + a, From: rp + "/items/" + b})
	rule(t, p, evilproxy.Rule{Method: "GET", Path: rp + "/items/" + a + "/content", From: rp + "/items/" + b + "/content"})
	if msg := u.fails("get", a, "-o", out); !strings.Contains(msg, a) || !strings.Contains(msg, b) || !strings.Contains(msg, "verworfen") {
		t.Fatalf("get A answered with B: %q", msg)
	}
	nothingWritten("get A answered with B")

	p.Reset()
	rule(t, p, evilproxy.Rule{Method: "GET", Path: rp + "/items", From: rp + "/items?category=letters"})
	if msg := u.fails("ls", "--category", "findings"); !strings.Contains(msg, "letters") {
		t.Fatalf("ls findings answered with letters: %q", msg)
	}
	p.Reset()
	rule(t, p, evilproxy.Rule{Method: "GET", Path: "/api/v1/account", Merge: json.RawMessage(`{"account_id":"someone-else"}`)})
	if msg := u.fails("whoami"); !strings.Contains(msg, "someone-else") {
		t.Fatalf("whoami answered with another account: %q", msg)
	}
	p.Reset()
	rule(t, p, evilproxy.Rule{Method: "PATCH", Path: "/api/v1/devices/.*", Merge: json.RawMessage(`{"id":"another-device"}`)})
	if msg := u.fails("devices", "rename", u.state().DeviceID, "Laptop"); !strings.Contains(msg, "another-device") {
		t.Fatalf("devices rename answered for another device: %q", msg)
	}
	p.Reset()

	// The format holds on its own: B's chunks in place of A's (same
	// size) fail to authenticate, and nothing reaches the file.
	st := srv.stores()
	prefix := func(id string) string { return "records/" + u.Account + "/items/" + id + "/" }
	keysA, err := st.Blobs.List(t.Context(), prefix(a))
	if err != nil || len(keysA) == 0 {
		t.Fatalf("blobs of A: %v %v", keysA, err)
	}
	for _, k := range keysA {
		bb, err := st.Blob(t.Context(), prefix(b)+strings.TrimPrefix(k, prefix(a)))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutBlob(t.Context(), k, bb); err != nil {
			t.Fatal(err)
		}
	}
	if msg := u.fails("get", a, "-o", out); !strings.Contains(msg, "lässt sich nicht entschlüsseln") {
		t.Errorf("get A with B's ciphertext: %q", msg)
	}
	nothingWritten("get A with B's ciphertext")
	u.ok("get", b, "-o", out) // B is untouched
}

// TestMaliciousKeyVersions: a category key version the client has seen is
// never given up: a listing without it is refused (new items would be
// sealed under an older key, which a revoked grantee may hold), and a
// version that does not open under the RMK is refused, not remembered.
func TestMaliciousKeyVersions(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "versions@example.org")
	u.register(testKVNR)
	u.login()
	u.ls()
	st := u.state()
	var recID string
	for id, vs := range st.Seen.KeyVersions {
		if vs["findings"] != 1 {
			t.Fatalf("remembered %v", vs)
		}
		recID = id
	}
	if recID == "" {
		t.Fatal("no key versions remembered")
	}

	// A rotation, as a client would make it: version 2 of findings,
	// wrapped under the RMK.
	pk, _, err := core.Split(u.Password, st.KDF)
	if err != nil {
		t.Fatal(err)
	}
	umk, err := core.UnlockUMK(pk, st.Keys)
	if err != nil {
		t.Fatal(err)
	}
	db := srv.stores()
	var rmkByUMK []byte
	if err := db.QueryRow(t.Context(), `SELECT rmk_by_umk FROM records WHERE account_id = ?`, u.Account).Scan(&rmkByUMK); err != nil {
		t.Fatal(err)
	}
	rmk, err := seal.UnwrapKey(seal.ViaKey, umk, seal.RecordMasterKey, recID, rmkByUMK)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := seal.WrapKey(seal.ViaKey, rmk, seal.CategoryKey, seal.CategoryKeyID(recID, "findings", 2), seal.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(t.Context(), `INSERT INTO category_keys (account_id, category, version, key_by_rmk) VALUES (?, 'findings', 2, ?)`, u.Account, v2); err != nil {
		t.Fatal(err)
	}
	u.ls()
	if got := u.state().Seen.KeyVersions[recID]["findings"]; got != 2 {
		t.Fatalf("after the rotation the client remembers version %d", got)
	}
	doc := filepath.Join(t.TempDir(), "befund.txt")
	writeRandom(t, doc, 1000, 3)
	id := u.upload(doc, "--category", "findings")
	var kv uint32
	if err := db.QueryRow(t.Context(), `SELECT key_version FROM items WHERE id = ?`, id).Scan(&kv); err != nil || kv != 2 {
		t.Fatalf("new item sealed under version %d (%v)", kv, err)
	}

	// The server withholds version 2.
	if _, err := db.Exec(t.Context(), `DELETE FROM category_keys WHERE account_id = ? AND version = 2`, u.Account); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"ls"}, {"upload", doc, "--category", "letters"}} {
		if msg := u.fails(args...); !strings.Contains(msg, "dieses Gerät kennt schon Version 2") {
			t.Errorf("%v with version 2 withheld: %q", args, msg)
		}
	}
	// A version 3 the server made up does not open and is not remembered.
	if _, err := db.Exec(t.Context(), `INSERT INTO category_keys (account_id, category, version, key_by_rmk) VALUES (?, 'findings', 2, ?), (?, 'findings', 3, ?)`,
		u.Account, v2, u.Account, v2); err != nil {
		t.Fatal(err)
	}
	u.fails("ls")
	if got := u.state().Seen.KeyVersions[recID]["findings"]; got != 2 {
		t.Fatalf("a made-up version 3 raised the memory to %d", got)
	}
}

// TestMaliciousPublicKeys: a public key the server swapped for one of its
// own — the record's (that providers, apps and the insurer seal to) or
// the account's — is refused by the owner's client, at every opening of
// the record and at login; nothing is read or written under it.
func TestMaliciousPublicKeys(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "public-keys@example.org")
	u.register(testKVNR)
	u.login()
	u.ls()
	db := srv.stores()
	var honest []byte
	if err := db.QueryRow(t.Context(), `SELECT public_key FROM records WHERE account_id = ?`, u.Account).Scan(&honest); err != nil {
		t.Fatal(err)
	}
	evil, _, err := seal.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(t.Context(), `UPDATE records SET public_key = ? WHERE account_id = ?`, evil, u.Account); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(t.TempDir(), "befund.txt")
	writeRandom(t, doc, 1000, 5)
	for _, args := range [][]string{{"ls"}, {"upload", doc, "--category", "findings"}} {
		if msg := u.fails(args...); !says(msg, "record_key_substituted", nil) {
			t.Errorf("%v with the record's public key swapped: %q", args, msg)
		}
	}
	var n int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM items WHERE account_id = ?`, u.Account).Scan(&n); err != nil || n != 0 {
		t.Fatalf("items after the refused upload: %d (%v)", n, err)
	}
	if _, err := db.Exec(t.Context(), `UPDATE records SET public_key = ? WHERE account_id = ?`, honest, u.Account); err != nil {
		t.Fatal(err)
	}
	u.ls()

	// The account's public key: refused at login.
	if _, err := db.Exec(t.Context(), `UPDATE accounts SET public_key = ? WHERE id = ?`, evil, u.Account); err != nil {
		t.Fatal(err)
	}
	u.ok("logout")
	if msg := u.fails("login", "--email", u.Email, "--totp", u.code()); !says(msg, "account_key_substituted", nil) {
		t.Errorf("login with the account's public key swapped: %q", msg)
	}
}

// TestMaliciousVersions: the version chain is sealed with the items, so a
// replaces the server made up (an item turned into a new version of
// another) or cut is reported by akte ls, which shows the sealed chain,
// and akte rm deletes exactly the ids it is given.
func TestMaliciousVersions(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "versions-chain@example.org")
	u.register(testKVNR)
	u.login()
	dir := t.TempDir()
	doc := func(name string, seed uint64) string {
		p := filepath.Join(dir, name)
		writeRandom(t, p, 2000, seed)
		return p
	}
	a := u.upload(doc("befund-v1.txt", 1), "--category", "findings")
	b := u.upload(doc("befund-v2.txt", 2), "--category", "findings", "--replaces", a)
	c := u.upload(doc("brief.txt", 3), "--category", "letters")
	byID := func() map[string]lsItem {
		m := map[string]lsItem{}
		for _, it := range u.ls() {
			m[it.ID] = it
		}
		return m
	}
	got := byID()
	if got[a].Version != 1 || got[b].Version != 2 || got[b].Replaces != a || got[c].Version != 1 || got[b].Problem != "" {
		t.Fatalf("honest chain: %+v", got)
	}
	db := srv.stores()
	set := func(id, replaces string) {
		t.Helper()
		if _, err := db.Exec(t.Context(), `UPDATE items SET replaces = ? WHERE id = ?`, replaces, id); err != nil {
			t.Fatal(err)
		}
	}
	// The letter made a new version of the finding, and the real second
	// version cut loose.
	set(c, a)
	set(b, "")
	out, errs, code := u.run("", nil, "ls", "--json")
	if code != 0 {
		t.Fatalf("ls: exit %d: %s", code, errs)
	}
	var listed []lsItem
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatal(err)
	}
	got = map[string]lsItem{}
	for _, it := range listed {
		got[it.ID] = it
	}
	if got[c].Problem != "replaces_forged" || got[c].Replaces != "" || got[b].Problem != "replaces_forged" || got[b].Replaces != a || got[a].Problem != "" {
		t.Errorf("forged chain listed as %+v", got)
	}
	for _, id := range []string{b, c} {
		if !says(errs, "replaces_forged", map[string]any{"item": id}) {
			t.Errorf("ls says nothing of %s: %q", id, errs)
		}
	}
	// Deleting the letter deletes the letter only.
	set(c, "")
	u.ok("rm", c)
	if got := byID(); len(got) != 2 || got[a].ID == "" || got[b].Problem != "replaces_forged" {
		t.Errorf("after rm %s: %+v", c, got)
	}
}

// lsProblems runs akte ls --json and returns its rows by id (a row of the
// whole list has the id "") and its standard error.
func (u *user) lsProblems(args ...string) (map[string]lsItem, string) {
	u.t.Helper()
	out, errs, code := u.run("", nil, append([]string{"ls", "--json"}, args...)...)
	if code != 0 {
		u.t.Fatalf("ls: exit %d: %s", code, errs)
	}
	var rows []lsItem
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		u.t.Fatal(err)
	}
	m := map[string]lsItem{}
	for _, r := range rows {
		m[r.ID] = r
	}
	return m, errs
}

// TestMaliciousManifest: the record's manifest (docs/crypto.md §15.1)
// names an item the server withholds, a deleted item it brings back, and
// an older list it shows; honest use, two installations writing at once
// included, names nothing.
func TestMaliciousManifest(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "manifest@example.org")
	u.register(testKVNR)
	u.login()
	other := u.device()
	other.fails("login", "--email", u.Email, "--totp", u.peekCode())
	srv.confirmDevice(u.Email)
	other.login()
	dir := t.TempDir()
	doc := func(name string, seed uint64) string {
		p := filepath.Join(dir, name)
		writeRandom(t, p, 2000, seed)
		return p
	}
	honest := func(who *user, want int) map[string]lsItem {
		t.Helper()
		rows, errs := who.lsProblems()
		if errs != "" || len(rows) != want {
			t.Fatalf("honest listing: %d rows (want %d), stderr %q: %+v", len(rows), want, errs, rows)
		}
		for id, r := range rows {
			if r.Problem != "" || id == "" {
				t.Fatalf("honest listing names a problem: %+v", rows)
			}
		}
		return rows
	}
	// Normal use: uploads, a new version, a delete, and two installations
	// uploading and deleting at the same time.
	a := u.upload(doc("befund.txt", 1), "--category", "findings")
	a2 := u.upload(doc("befund-2.txt", 2), "--category", "findings", "--replaces", a)
	gone := other.upload(doc("alt.txt", 3), "--category", "letters")
	honest(u, 3)
	u.ok("rm", gone)
	var wg sync.WaitGroup
	ids := make([][]string, 2)
	for i, who := range []*user{u, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 3 {
				ids[i] = append(ids[i], who.upload(doc(fmt.Sprintf("par-%d-%d.txt", i, j), uint64(10+i*10+j)), "--category", "letters"))
			}
			who.ok("rm", ids[i][0])
		}()
	}
	wg.Wait()
	honest(u, 6)
	honest(other, 6)

	db := srv.stores()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(t.Context(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Withheld: the server hides the new version.
	exec(`UPDATE items SET state = 'uploading' WHERE id = ?`, a2)
	rows, errs := u.lsProblems()
	if rows[a2].Problem != "item_withheld" || rows[a].Problem != "" || !says(errs, "item_withheld", map[string]any{"item": a2}) {
		t.Errorf("withheld %s: %+v, stderr %q", a2, rows, errs)
	}
	if rows, _ := u.lsProblems("--category", "letters"); rows[a2].Problem != "" {
		t.Errorf("a finding withheld from a listing of letters: %+v", rows)
	}
	exec(`UPDATE items SET state = 'complete' WHERE id = ?`, a2)
	honest(u, 6)

	// Resurrected: a deleted item's row written back after akte rm.
	exec(`CREATE TABLE evil_items AS SELECT * FROM items WHERE id = ?`, a)
	u.ok("rm", a)
	exec(`INSERT INTO items SELECT * FROM evil_items`)
	exec(`DROP TABLE evil_items`)
	rows, errs = u.lsProblems()
	if rows[a].Problem != "item_resurrected" || !says(errs, "item_resurrected", map[string]any{"item": a}) {
		t.Errorf("resurrected %s: %+v, stderr %q", a, rows, errs)
	}
	exec(`DELETE FROM items WHERE id = ?`, a)
	honest(u, 5)

	// Rolled back: an older manifest with its own counter written back.
	var oldCounter int64
	var oldBlob []byte
	if err := db.QueryRow(t.Context(), `SELECT manifest_counter, manifest FROM records WHERE account_id = ?`, u.Account).Scan(&oldCounter, &oldBlob); err != nil {
		t.Fatal(err)
	}
	u.upload(doc("neu.txt", 99), "--category", "findings")
	honest(u, 6)
	exec(`UPDATE records SET manifest_counter = ?, manifest = ? WHERE account_id = ?`, oldCounter, oldBlob, u.Account)
	rows, errs = u.lsProblems()
	if rows[""].Problem != "list_rolled_back" || !says(errs, "list_rolled_back", nil) {
		t.Errorf("rolled back: %+v, stderr %q", rows, errs)
	}
	// No write builds on it.
	if msg := u.fails("upload", doc("danach.txt", 100), "--category", "findings"); !says(msg, "list_rolled_back", nil) {
		t.Errorf("upload on a rolled-back list: %q", msg)
	}
	// The old blob under the new counter does not open.
	exec(`UPDATE records SET manifest_counter = ? WHERE account_id = ?`, oldCounter+5, u.Account)
	if rows, errs := u.lsProblems(); rows[""].Problem != "manifest_unopenable" || !says(errs, "manifest_unopenable", nil) {
		t.Errorf("old manifest under a new counter: %+v, stderr %q", rows, errs)
	}
	// Emptied: what a device that saw the manifest calls rolled back.
	exec(`UPDATE records SET manifest = ? WHERE account_id = ?`, []byte{}, u.Account)
	if rows, _ := u.lsProblems(); rows[""].Problem != "list_rolled_back" {
		t.Errorf("manifest removed: %+v", rows)
	}
}
