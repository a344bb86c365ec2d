package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
)

// clientState reads a user's AKTE_HOME state file.
func (u *user) state() client.State {
	u.t.Helper()
	b, err := os.ReadFile(filepath.Join(u.Home, "state.json"))
	if err != nil {
		u.t.Fatal(err)
	}
	var st client.State
	if err := json.Unmarshal(b, &st); err != nil {
		u.t.Fatal(err)
	}
	return st
}

func TestAccountJourney(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()

	var who struct {
		Email     string `json:"email"`
		AccountID string `json:"account_id"`
	}
	alice.okJSON(&who, "whoami")
	if who.Email != alice.Email || who.AccountID != alice.Account {
		t.Fatalf("whoami = %+v, want %s %s", who, alice.Email, alice.Account)
	}
	// The account's language (its mails' and the web app's, decision
	// 0029): the CLI's at registration (German here), and changeable by
	// `akte language` (`mail-language`, its older name, still works); the
	// account keeps it, so every client reads it back.
	var acc struct {
		Lang string `json:"lang"`
	}
	for _, c := range []struct{ cmd, lang string }{{"language", "en"}, {"mail-language", "de"}, {"language", "en"}} {
		alice.okJSON(&acc, c.cmd, c.lang)
		if acc.Lang != c.lang {
			t.Fatalf("%s %s: %+v", c.cmd, c.lang, acc)
		}
		acc.Lang = ""
		alice.okJSON(&acc, "whoami")
		if acc.Lang != c.lang {
			t.Fatalf("whoami after %s %s: %+v", c.cmd, c.lang, acc)
		}
	}
	if msg := alice.fails("language", "fr"); !says(msg, "lang_invalid", nil) {
		t.Fatalf("language fr: %q", msg)
	}
	if out := alice.ok("whoami"); !strings.Contains(out, "Sprache:  en\n") {
		t.Fatalf("whoami: %q", out)
	}
	alice.ok("language", "de")

	// A second installation is a new device: refused until the mailed link
	// is followed.
	phone := alice.device()
	msg := phone.fails("login", "--email", phone.Email, "--totp", phone.peekCode(), "--device-name", "Telefon")
	if !says(msg, "device_unconfirmed", nil) {
		t.Fatalf("new device login: %q", msg)
	}
	link := srv.mailLink(alice.Email, "Neues Gerät")
	if !strings.HasPrefix(link, srv.URL+"/geraet#") {
		t.Fatalf("link %q does not point at the web app of %s", link, srv.URL)
	}
	// Opening the link (as a mail scanner does) confirms nothing: it is a
	// page of the web app, and the secret, in the fragment, does not even
	// reach the server.
	for range 2 {
		if status, _ := get(t, link); status != http.StatusOK {
			t.Fatalf("open link: %d", status)
		}
	}
	if msg := phone.fails("login", "--email", phone.Email, "--totp", phone.peekCode(), "--device-name", "Telefon"); !says(msg, "device_unconfirmed", nil) {
		t.Fatalf("login after a GET of the link: %q; the GET confirmed the device", msg)
	}
	// The page shows the device, then the click confirms it, once.
	var pending struct {
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	}
	st, body := srv.postDeviceLink("/api/v1/devices/confirm/preview", link)
	if err := json.Unmarshal([]byte(body), &pending); st != http.StatusOK || err != nil || pending.Name != "Telefon" || time.Since(pending.CreatedAt) > time.Hour {
		t.Fatalf("preview: %d %s", st, body)
	}
	if st, body := srv.postDeviceLink("/api/v1/devices/confirm", link); st != http.StatusOK {
		t.Fatalf("confirm: %d %s", st, body)
	}
	if st, _ := srv.postDeviceLink("/api/v1/devices/confirm", link); st != http.StatusConflict {
		t.Fatalf("second use of the link: status %d, want 409", st)
	}
	if st, _ := srv.postDeviceLink("/api/v1/devices/confirm/preview", link); st != http.StatusConflict {
		t.Fatalf("preview of a used link: status %d, want 409", st)
	}
	phone.login()
	phone.okJSON(&who, "whoami")

	// Block the phone from the first device: its session dies.
	var devices []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Current bool   `json:"current"`
	}
	alice.okJSON(&devices, "devices")
	if len(devices) != 2 {
		t.Fatalf("devices = %+v", devices)
	}
	phoneID := phone.state().DeviceID
	alice.ok("devices", "rename", phoneID, "Altes Telefon")
	alice.ok("devices", "block", phoneID)
	if msg := phone.fails("whoami"); !says(msg, "unauthenticated", nil) {
		t.Fatalf("blocked device whoami: %q", msg)
	}
	if msg := phone.fails("login", "--email", phone.Email, "--totp", phone.peekCode()); !says(msg, "device_blocked", nil) {
		t.Fatalf("blocked device login: %q", msg)
	}

	// Sessions list, then logout: a token copied before is useless after.
	var sessions []struct {
		ID      string `json:"id"`
		Current bool   `json:"current"`
	}
	alice.okJSON(&sessions, "sessions")
	if len(sessions) != 1 || !sessions[0].Current {
		t.Fatalf("sessions = %+v", sessions)
	}
	token := alice.state().Token
	if status := authedStatus(t, srv.URL+"/api/v1/account", token); status != http.StatusOK {
		t.Fatalf("token before logout: %d", status)
	}
	alice.ok("logout")
	if status := authedStatus(t, srv.URL+"/api/v1/account", token); status != http.StatusUnauthorized {
		t.Fatalf("token after logout: %d, want 401", status)
	}
	alice.fails("whoami")

	// The operator unblocks the phone (the blocking service); it logs in.
	admin := alice.device()
	adminArgs := append(srv.adminArgs(), "--operator", "erika")
	admin.ok(append([]string{"admin", "unblock-device", alice.Email, phoneID}, adminArgs...)...)
	phone.login()

	// Log out everywhere ends the sessions of every device.
	carol := newUser(t, srv, "carol@example.org")
	carol.register("A123456780")
	carol.login()
	tablet := carol.device()
	tablet.fails("login", "--email", tablet.Email, "--totp", tablet.peekCode())
	srv.confirmDevice(carol.Email)
	tablet.login()
	tabletToken := tablet.state().Token
	carol.ok("logout", "--all")
	if status := authedStatus(t, srv.URL+"/api/v1/account", tabletToken); status != http.StatusUnauthorized {
		t.Fatalf("other device after logout --all: %d", status)
	}

	// The operator's tools list accounts and block them.
	out := admin.ok(append([]string{"admin", "accounts"}, adminArgs...)...)
	if !strings.Contains(out, alice.Email) || !strings.Contains(out, carol.Email) {
		t.Fatalf("admin accounts: %s", out)
	}
	admin.ok(append([]string{"admin", "block-account", carol.Email}, adminArgs...)...)
	if msg := carol.fails("login", "--email", carol.Email, "--totp", carol.peekCode()); !says(msg, "account_blocked", nil) {
		t.Fatalf("blocked account login: %q", msg)
	}
	admin.ok(append([]string{"admin", "unblock-account", carol.Account}, adminArgs...)...)
	carol.login()

	var events []struct {
		Operation string `json:"operation"`
		ActorID   string `json:"actor_id"`
		Result    string `json:"result"`
		Reason    string `json:"reason"`
	}
	var events2 = events
	getJSON(t, srv.URL+"/api/v1/account/events", phone.state().Token, &events)
	getJSON(t, srv.URL+"/api/v1/account/events", carol.state().Token, &events2)
	ops := map[string]bool{}
	for _, e := range append(events, events2...) {
		ops[e.Operation+"/"+e.ActorID+"/"+e.Reason] = true
	}
	for _, want := range []string{
		"account.register/" + alice.Account + "/", "account.confirm/" + alice.Account + "/",
		"device.confirm/" + alice.Account + "/", "device.block/" + alice.Account + "/", "device.rename/" + alice.Account + "/",
		"admin.device_unblock/operator:erika/", "admin.account_block/operator:erika/", "admin.account_unblock/operator:erika/",
		"session.login/" + alice.Account + "/device_unconfirmed", "session.login/" + alice.Account + "/device_blocked",
		"session.login/" + carol.Account + "/account_blocked", "session.login/" + alice.Account + "/",
		"session.logout/" + alice.Account + "/", "session.logout_all/" + carol.Account + "/",
	} {
		if !ops[want] {
			t.Errorf("no event %s in %v", want, ops)
		}
	}
}

func authedStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestNoSecretsAtRest scans every file the server wrote after registration
// and login for the password, the password key, the user master key and the
// recovery key, in every encoding the code uses.
func TestNoSecretsAtRest(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "bob@example.org")
	u.register(testKVNR)
	u.login()
	u.ok("whoami")

	st := u.state()
	pk, _, err := core.Split(u.Password, st.KDF)
	if err != nil {
		t.Fatal(err)
	}
	umk, err := core.UnlockUMK(pk, st.Keys)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := core.ParseRecoveryKey(u.Recovery)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{"password": []byte(u.Password), "recovery key text": []byte(u.Recovery),
		"recovery key text without dashes": []byte(strings.ReplaceAll(u.Recovery, "-", ""))}
	for name, b := range map[string][]byte{"password key": pk, "user master key": umk, "recovery key": rk} {
		secrets[name] = b
		secrets[name+" (hex)"] = []byte(hex.EncodeToString(b))
		secrets[name+" (base64)"] = []byte(base64.StdEncoding.EncodeToString(b))
		secrets[name+" (base64url)"] = []byte(base64.RawURLEncoding.EncodeToString(b))
	}
	srv.stop() // flush the WAL into the database file, too
	files := srv.atRest(func(path string, b []byte) {
		for name, s := range secrets {
			if strings.Contains(string(b), string(s)) {
				t.Errorf("%s found in %s", name, path)
			}
		}
	})
	if files < 2 {
		t.Fatalf("scanned only %d files", files)
	}
}
