package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/softpasskey"
	"github.com/akte/akte/wire"
)

// TestPasskeyE2E: over HTTP against the real binary, a passkey made by a
// software authenticator is added with the password and a TOTP code,
// listed by akte passkey ls, and logs in instead of a code; a replayed
// answer, an answer to a challenge the server never issued and a removed
// passkey (akte passkey rm) are refused, and the login challenge is
// rate limited per client address.
func TestPasskeyE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", []string{"--limit-prelogin-addr", "6"})
	u := newUser(t, srv, "passkey@example.org")
	u.register(testKVNR)
	u.login()
	ctx := t.Context()
	pc := addPasskey(t, u, localOrigin(srv), srv, srv)
	st, loginSecret, auth, cred, pk, anon := pc.state, pc.loginSecret, pc.auth, pc.cred, pc.passkey, pc.anon
	var listed []wire.Passkey
	u.okJSON(&listed, "passkey", "ls")
	if len(listed) != 1 || listed[0].ID != pk.ID || listed[0].Name != "Laptop" || listed[0].LastUsedAt != nil {
		t.Fatalf("akte passkey ls: %+v", listed)
	}
	srv.lastMail(u.Email, "Passkey")

	login := func(answer []byte) error {
		_, err := anon.Login(ctx, wire.LoginRequest{Email: u.Email, LoginSecret: loginSecret, Passkey: answer,
			DeviceID: st.DeviceID, DeviceName: st.DeviceName})
		return err
	}
	assertion := func() []byte {
		t.Helper()
		o, err := anon.PasskeyChallenge(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, err := auth.Get(o, cred)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	refused := func(what string, err error) {
		t.Helper()
		if r, _ := akte.ReasonOf(err); !akte.Is(err, akte.KindUnauthenticated) || r != "login_failed" {
			t.Errorf("%s: %v, want login_failed", what, err)
		}
	}

	// The password and the passkey log in; the same answer again does not.
	answer := assertion()
	if err := login(answer); err != nil {
		t.Fatalf("login with the passkey: %v", err)
	}
	refused("replayed", login(answer))
	u.okJSON(&listed, "passkey", "ls")
	if len(listed) != 1 || listed[0].LastUsedAt == nil {
		t.Errorf("akte passkey ls --json after the login: %+v", listed)
	}
	if out := u.ok("passkey", "ls"); !strings.Contains(out, "Laptop") || !strings.Contains(out, pk.ID) {
		t.Errorf("akte passkey ls after the login:\n%s", out)
	}

	// A challenge the server never issued.
	o, _ := anon.PasskeyChallenge(ctx)
	var forged map[string]map[string]any
	json.Unmarshal(o, &forged)
	forged["publicKey"]["challenge"] = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	fo, _ := json.Marshal(forged)
	fa, _ := auth.Get(fo, cred)
	refused("a challenge the server did not issue", login(fa))

	// Removed: refused; TOTP still logs in.
	u.ok("passkey", "rm", pk.ID)
	if msg := u.fails("passkey", "rm", pk.ID); !says(msg, "passkey_not_found", nil) {
		t.Errorf("removed twice: %q", msg)
	}
	refused("removed passkey", login(assertion()))
	u.login()

	// The login challenge is limited per client address (here 6 an hour;
	// 4 were taken).
	var limited error
	for range 4 {
		if _, limited = anon.PasskeyChallenge(ctx); limited != nil {
			break
		}
	}
	if r, _ := akte.ReasonOf(limited); !akte.Is(limited, akte.KindRateLimited) || r != "rate_limited_wait" {
		t.Errorf("7th challenge: %v", limited)
	}
}

// passkeyClient is a user's passkey, added over HTTP with the software
// authenticator, and what logging in with it needs.
type passkeyClient struct {
	state       *client.State
	loginSecret []byte
	auth        *softpasskey.Authenticator
	cred        *softpasskey.Credential
	passkey     *wire.Passkey
	anon        *client.API
}

// localOrigin is where a server's passkeys live: its base URL is
// http://127.0.0.1:PORT, its passkeys' origin http://localhost:PORT.
func localOrigin(srv *server) string {
	base, _ := url.Parse(srv.URL)
	return "http://localhost:" + base.Port()
}

// addPasskey adds a passkey named Laptop, made for origin, to the
// logged-in user's account: the ceremony begins through the server begin
// and ends through finish (replicas), and a wrong code is refused on the
// way.
func addPasskey(t *testing.T, u *user, origin string, begin, finish *server) *passkeyClient {
	t.Helper()
	ctx := t.Context()
	st, err := client.LoadState(u.Home, "")
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewAPI(begin.URL)
	c.Token = st.Token
	c2 := client.NewAPI(finish.URL)
	c2.Token = st.Token
	anon := client.NewAPI(begin.URL)
	pre, err := anon.Prelogin(ctx, wire.EmailRequest{Email: u.Email})
	if err != nil {
		t.Fatal(err)
	}
	_, loginSecret, err := core.Split(u.Password, pre.KDF)
	if err != nil {
		t.Fatal(err)
	}
	auth := &softpasskey.Authenticator{Origin: origin}

	// Added with the password and a code of the authenticator app.
	if _, err := c.BeginPasskey(ctx, wire.PasskeyBegin{LoginSecret: loginSecret, TOTP: u.wrongCode()}); !akte.Is(err, akte.KindUnauthenticated) {
		t.Fatalf("a wrong code: %v", err)
	}
	opts, err := c.BeginPasskey(ctx, wire.PasskeyBegin{LoginSecret: loginSecret, TOTP: u.code()})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(opts, []byte(`"residentKey":"required"`)) {
		t.Errorf("creation options: %s", opts)
	}
	resp, cred, err := auth.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := c2.AddPasskey(ctx, wire.PasskeyAdd{Name: "Laptop", Credential: resp})
	if err != nil {
		t.Fatal(err)
	}
	return &passkeyClient{state: st, loginSecret: loginSecret, auth: auth, cred: cred, passkey: pk, anon: anon}
}

// TestPasskeyReplicas: the challenges live in the shared database: a
// passkey is added through one replica and finished through the other, a
// login challenge of one replica is answered at the other, and its answer
// is refused when replayed at the first. Replicas share one base URL,
// which names the passkeys' RP ID and origin.
func TestPasskeyReplicas(t *testing.T) {
	t.Parallel()
	r := newRemote(t)
	outbox := t.TempDir()
	// Replica 1's address is the base URL of both (the balancer's).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s1 := startReplica(t, r, outbox, "--addr", addr)
	s2 := startReplica(t, r, outbox, "--base-url", s1.URL)
	u := newUser(t, s1, "replika@example.org")
	u.register(testKVNR)
	u.login()
	pc := addPasskey(t, u, localOrigin(s1), s1, s2)
	o, err := client.NewAPI(s1.URL).PasskeyChallenge(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	answer, err := pc.auth.Get(o, pc.cred)
	if err != nil {
		t.Fatal(err)
	}
	login := func(s *server) error {
		_, err := client.NewAPI(s.URL).Login(t.Context(), wire.LoginRequest{Email: u.Email, LoginSecret: pc.loginSecret, Passkey: answer,
			DeviceID: pc.state.DeviceID, DeviceName: pc.state.DeviceName})
		return err
	}
	if err := login(s2); err != nil {
		t.Fatalf("a challenge of replica 1 answered at replica 2: %v", err)
	}
	if r, _ := akte.ReasonOf(login(s1)); r != "login_failed" {
		t.Errorf("replayed at replica 1: %q, want login_failed", r)
	}
}
