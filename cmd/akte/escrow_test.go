package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestEscrow: the key that seals the user master key in state.json is
// split between the server's share (given only to a request signed with
// the device key of the login) and a local share outside the file
// (AKTE_SESSION here, where no keyring answers). A copied state file in a
// fresh home opens nothing; a copy of the database plus an old state file
// opens nothing (the test tries to unseal the user master key with
// everything it has); AKTE_SESSION or the password (AKTE_PASSWORD,
// --password-stdin) open it; the token alone gets no server share.
func TestEscrow(t *testing.T) {
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "escrow@example.org")
	u.register(testKVNR)
	// A keyring that does not answer (a D-Bus address with nobody behind
	// it) is given up at once: the session value is printed instead.
	start := time.Now()
	out, errs, code := u.run("", []string{"AKTE_KEYRING=", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(t.TempDir(), "bus")},
		"login", "--email", u.Email, "--totp", u.code())
	if code != 0 || u.Session == "" || !strings.HasPrefix(out, "export AKTE_SESSION=") || strings.Count(out, "\n") != 1 {
		t.Fatalf("login without a keyring: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("login without a keyring took %v", d)
	}
	if !strings.Contains(errs, "Angemeldet als") {
		t.Errorf("login's message is not on stderr: %q", errs)
	}
	doc := filepath.Join(t.TempDir(), "befund.txt")
	if err := os.WriteFile(doc, []byte("Hämoglobin 14,2 g/dl"), 0o600); err != nil {
		t.Fatal(err)
	}
	var up []struct{ ID string }
	u.okJSON(&up, "upload", doc, "--category", "findings")
	id := up[0].ID
	noPassword := []string{"AKTE_PASSWORD="}
	openWith := func(who *user, env []string, stdin string) (string, int) {
		t.Helper()
		o, e, c := who.run(stdin, env, "get", id, "-o", "-")
		if c == 0 && o != "Hämoglobin 14,2 g/dl" {
			t.Fatalf("get: %q", o)
		}
		return e, c
	}

	// AKTE_SESSION alone opens it (no password anywhere).
	if msg, c := openWith(u, noPassword, ""); c != 0 {
		t.Fatalf("get with AKTE_SESSION: %s", msg)
	}
	if o, e, c := u.run("", noPassword, "recovery-key", "--json"); c != 0 || !strings.Contains(o, u.Recovery) {
		t.Fatalf("recovery-key with AKTE_SESSION: %s %s", o, e)
	}
	// Without it, and without the password, nothing opens; with the
	// password (from AKTE_PASSWORD or standard input) it does.
	locked := append([]string{"AKTE_SESSION="}, noPassword...)
	if msg, c := openWith(u, locked, ""); c == 0 || !says(msg, "session_locked", nil) {
		t.Fatalf("get without AKTE_SESSION and password: %q", msg)
	}
	if msg, c := openWith(u, []string{"AKTE_SESSION="}, ""); c != 0 {
		t.Fatalf("get with AKTE_PASSWORD: %s", msg)
	}
	if o, e, c := u.run(u.Password+"\n", locked, "ls", "--password-stdin", "--json"); c != 0 || !strings.Contains(o, id) {
		t.Fatalf("ls --password-stdin: %s %s", o, e)
	}
	if _, e, c := u.run("Falsches-Passwort-1\n", locked, "ls", "--password-stdin"); c == 0 || !says(e, "umk_unopenable", nil) {
		t.Fatalf("ls with a wrong password: %q", e)
	}
	// A wrong AKTE_SESSION opens nothing either, and says so.
	wrong := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if msg, c := openWith(u, append([]string{"AKTE_SESSION=" + wrong}, noPassword...), ""); c == 0 || !says(msg, "session_key_unopenable", nil) {
		t.Fatalf("get with a wrong AKTE_SESSION: %q", msg)
	}

	// The login and keys answers carry no escrowed key.
	stateFile := filepath.Join(u.Home, "state.json")
	raw, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	var st client.State
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/account/keys", nil)
	req.Header.Set("Authorization", "Bearer "+st.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	json.NewDecoder(resp.Body).Decode(&keys)
	resp.Body.Close()
	if _, ok := keys["client_key"]; ok || keys["keys"] == nil {
		t.Errorf("GET /account/keys with the token: %v", keys)
	}

	// The device's signature gets the server's share, once.
	c := client.NewAPI(srv.URL)
	c.Token = st.Token
	proof := core.SessionKeyProof(st.DeviceKey, st.SessionID, time.Now())
	server, err := c.SessionKey(t.Context(), proof)
	if err != nil {
		t.Fatalf("session key with the device's signature: %v", err)
	}
	if _, err := c.SessionKey(t.Context(), proof); func() bool { r, _ := akte.ReasonOf(err); return r != "session_key_replayed" }() {
		t.Errorf("a replayed proof: %v", err)
	}

	// The token without the device's signature gets no server share.
	_, stranger, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	for name, r := range map[string]wire.SessionKeyRequest{
		"no signature":            {TimeMs: now.UnixMilli()},
		"another key's signature": core.SessionKeyProof(stranger, st.SessionID, now),
		"another session's":       core.SessionKeyProof(st.DeviceKey, "another-session", now),
		"an hour old":             core.SessionKeyProof(st.DeviceKey, st.SessionID, now.Add(-time.Hour)),
	} {
		if k, err := c.SessionKey(t.Context(), r); !akte.Is(err, akte.KindForbidden) || len(k.ClientKey) != 0 {
			t.Errorf("session key with %s: %x, %v", name, k.ClientKey, err)
		}
	}

	// The database's copy of the share, as a backup holds it.
	var dbShare, dbDeviceKey []byte
	if err := srv.stores().QueryRow(t.Context(), `SELECT client_key, device_key FROM sessions WHERE id = ?`, st.SessionID).Scan(&dbShare, &dbDeviceKey); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dbShare, server.ClientKey) || !bytes.Equal(dbDeviceKey, st.DeviceKey.Public().(ed25519.PublicKey)) {
		t.Fatal("the database holds another share or device key than the session uses")
	}
	local, err := base64.RawURLEncoding.DecodeString(u.Session)
	if err != nil {
		t.Fatal(err)
	}
	// The control: both shares open it, so the refusals below are the
	// shares' doing.
	if _, err := st.UMK(dbShare, local); err != nil {
		t.Fatalf("the two shares do not open the sealed key: %v", err)
	}
	// Everything a thief of the state file and the database has, tried as
	// the missing share and as the key itself.
	tokenHash := sha256.Sum256([]byte(st.Token))
	secretHash := sha256.Sum256([]byte(st.DeviceSecret))
	var guesses [][]byte
	for _, g := range [][]byte{dbShare, dbDeviceKey, st.DeviceKey.Seed(), []byte(st.Token), tokenHash[:], secretHash[:], make([]byte, 32), []byte(st.AccountID), []byte(st.DeviceID)} {
		guesses = append(guesses, g, fit32(g))
	}
	for i, g := range guesses {
		if umk, err := st.UMK(dbShare, g); err == nil {
			t.Fatalf("guess %d as the local share opened the key: %x", i, umk)
		}
		if umk, err := st.UMK(g, dbShare); err == nil {
			t.Fatalf("guess %d as the server share opened the key: %x", i, umk)
		}
		for _, aad := range []string{"akte v1 cli umk by session key", "akte v1 cli umk by client key"} {
			if len(g) == 32 {
				if _, err := seal.OpenSmall(g, []byte(aad), st.UMKSealed); err == nil {
					t.Fatalf("guess %d opened the sealed key directly", i)
				}
			}
		}
	}

	// A copy of the state file in a fresh home opens nothing through the
	// commands either.
	thief := u.device()
	if err := os.WriteFile(filepath.Join(thief.Home, "state.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	thief.Password = ""
	for _, args := range [][]string{{"get", id, "-o", "-"}, {"recovery-key"}, {"ls"}} {
		o, e, c := thief.run("", nil, args...)
		if c == 0 || strings.Contains(o, u.Recovery) || strings.Contains(o, "Hämoglobin") || !says(e, "session_locked", nil) {
			t.Errorf("akte %s with a copied state file: exit %d\n%s\n%s", args[0], c, o, e)
		}
	}

	// After logout the old state file and the database backup still open
	// nothing, and the session's row is gone.
	u.ok("logout")
	if _, err := st.UMK(dbShare, make([]byte, 32)); err == nil {
		t.Fatal("the old state file opened with the backup's share")
	}
	var n int
	if err := srv.stores().QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE id = ?`, st.SessionID).Scan(&n); err != nil || n != 0 {
		t.Errorf("the session's row after logout: %d %v", n, err)
	}

	// login --json gives the session value in a field.
	var res struct{ Session string }
	u.okJSON(&res, "login", "--email", u.Email, "--totp", u.code())
	if res.Session == "" || res.Session != u.Session || res.Session == base64.RawURLEncoding.EncodeToString(local) {
		t.Fatalf("login --json: session %q (harness has %q)", res.Session, u.Session)
	}
	if msg, c := openWith(u, noPassword, ""); c != 0 {
		t.Fatalf("get with the new AKTE_SESSION: %s", msg)
	}
	// As the README shows it: eval takes the session value into the
	// shell, and the next command needs no password.
	sh := exec.Command("sh", "-c", `eval "$(AKTE_PASSWORD="$P" "$0" login --email "$1" --totp "$2")" && "$0" ls --json`, akteBin, u.Email, u.code())
	sh.Env = append(os.Environ(), append(u.env(), "AKTE_SESSION=", "AKTE_PASSWORD=", "P="+u.Password)...)
	if o, err := sh.CombinedOutput(); err != nil || !strings.Contains(string(o), id) {
		t.Fatalf("eval \"$(akte login …)\"; akte ls: %v\n%s", err, o)
	}
	// The old session value does not open the new session.
	if msg, c := openWith(u, append([]string{"AKTE_SESSION=" + base64.RawURLEncoding.EncodeToString(local)}, noPassword...), ""); c == 0 {
		t.Fatalf("get with the old AKTE_SESSION: %s", msg)
	}
}

// fit32 stretches or cuts a guess to the length of a share.
func fit32(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
