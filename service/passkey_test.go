package service_test

import (
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/softpasskey"
	"github.com/akte/akte/service"
)

// passkeyLogin logs a in with the password and an assertion of c made for
// a fresh login challenge.
func (e *env) passkeyLogin(a *account, auth *softpasskey.Authenticator, c *softpasskey.Credential) (*service.LoginResult, error) {
	e.t.Helper()
	opts, err := e.svc.BeginPasskeyLogin(e.t.Context(), service.Client{Addr: "192.0.2.1"})
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := auth.Get(opts, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.loginPasskey(a, resp)
}

func (e *env) loginPasskey(a *account, passkey []byte) (*service.LoginResult, error) {
	return e.svc.Login(e.t.Context(), service.Client{Addr: "192.0.2.1"}, service.LoginRequest{Email: a.email, LoginSecret: material().LoginSecret,
		Passkey: passkey, DeviceID: "device-0001", DeviceName: "Gerät", DeviceSecret: a.deviceSecret})
}

// addPasskey adds a passkey made by auth to the principal's account.
func (e *env) addPasskey(p *service.Principal, a *account, auth *softpasskey.Authenticator, name string) (*akte.Passkey, *softpasskey.Credential) {
	e.t.Helper()
	opts, err := e.svc.BeginPasskeyRegistration(e.t.Context(), p, material().LoginSecret, e.nextTOTP(a))
	if err != nil {
		e.t.Fatal(err)
	}
	resp, c, err := auth.Create(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	pk, err := e.svc.AddPasskey(e.t.Context(), p, name, resp)
	if err != nil {
		e.t.Fatal(err)
	}
	return pk, c
}

// TestPasskeys: a passkey is added with the password and a TOTP code, then
// replaces the code at login; its challenges count once, expire, and
// belong to their purpose; a passkey of another account, a cloned
// authenticator and a removed passkey are refused, all as login_failed.
func TestPasskeys(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	auth := &softpasskey.Authenticator{Origin: "http://localhost:8080"} // the default base URL is http://127.0.0.1:8080
	p, a := e.principal("anna@example.org", "X110411675")

	_, err := e.svc.BeginPasskeyRegistration(ctx, p, material().LoginSecret, e.wrongTOTP(a, 1))
	wantKind(t, "wrong code", err, akte.KindUnauthenticated, "totp_wrong")
	_, err = e.svc.BeginPasskeyRegistration(ctx, p, wrongSecret, e.nextTOTP(a))
	wantKind(t, "wrong password", err, akte.KindUnauthenticated, "old_password_wrong")

	opts, err := e.svc.BeginPasskeyRegistration(ctx, p, material().LoginSecret, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	resp, cred, err := auth.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.AddPasskey(ctx, p, "  ", resp)
	wantKind(t, "blank name", err, akte.KindInvalid, "passkey_name_invalid")
	_, err = e.svc.AddPasskey(ctx, p, "Laptop", []byte(`{"id":"x"}`))
	wantKind(t, "garbage", err, akte.KindInvalid, "passkey_invalid")
	other := &softpasskey.Authenticator{Origin: "https://evil.example"}
	if bad, _, err := other.Create(opts); err != nil {
		t.Fatal(err)
	} else {
		_, err = e.svc.AddPasskey(ctx, p, "Laptop", bad)
		wantKind(t, "made for another origin (and its challenge is used up)", err, akte.KindInvalid, "passkey_invalid")
	}
	_, err = e.svc.AddPasskey(ctx, p, "Laptop", resp)
	wantKind(t, "a challenge answered before", err, akte.KindInvalid, "passkey_challenge_invalid")

	pk, cred := e.addPasskey(p, a, auth, "Laptop")
	if pk.Name != "Laptop" || pk.LastUsedAt != nil {
		t.Fatalf("added %+v", pk)
	}
	if e.mails(a.email, "Passkey") != 1 {
		t.Error("no notice mailed")
	}

	res, err := e.passkeyLogin(a, auth, cred)
	if err != nil {
		t.Fatalf("login with the passkey: %v", err)
	}
	a.deviceSecret = res.DeviceSecret
	pks, _ := e.svc.Passkeys(ctx, p)
	if len(pks) != 1 || pks[0].LastUsedAt == nil || pks[0].SignCount != cred.SignCount {
		t.Fatalf("after the login: %+v", pks[0])
	}

	// The same answer again: its challenge is used.
	opts, _ = e.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.1"})
	answer, _ := auth.Get(opts, cred)
	if _, err := e.loginPasskey(a, answer); err != nil {
		t.Fatal(err)
	}
	_, err = e.loginPasskey(a, answer)
	wantKind(t, "replayed", err, akte.KindUnauthenticated, "login_failed")
	// A registration's challenge does not log in; a login's expires.
	reg, _ := e.svc.BeginPasskeyRegistration(ctx, p, material().LoginSecret, e.nextTOTP(a))
	answer, _ = auth.Get(reg, cred)
	_, err = e.loginPasskey(a, answer)
	wantKind(t, "a registration's challenge", err, akte.KindUnauthenticated, "login_failed")
	opts, _ = e.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.1"})
	e.clk.Add(service.PasskeyChallengeTTL + time.Second)
	answer, _ = auth.Get(opts, cred)
	_, err = e.loginPasskey(a, answer)
	wantKind(t, "expired", err, akte.KindUnauthenticated, "login_failed")
	// A right passkey with a wrong password.
	opts, _ = e.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.1"})
	answer, _ = auth.Get(opts, cred)
	_, err = e.svc.Login(ctx, service.Client{Addr: "192.0.2.1"}, service.LoginRequest{Email: a.email, LoginSecret: wrongSecret,
		Passkey: answer, DeviceID: "device-0001", DeviceName: "Gerät", DeviceSecret: a.deviceSecret})
	wantKind(t, "wrong password", err, akte.KindUnauthenticated, "login_failed")

	// The owner's next login forgets the device's failed attempts.
	if res, err = e.passkeyLogin(a, auth, cred); err != nil {
		t.Fatal(err)
	}
	a.deviceSecret = res.DeviceSecret

	// Another account's passkey does not log in to this one.
	pb, b := e.principal("ben@example.org", "A123456780")
	_, credB := e.addPasskey(pb, b, auth, "Bens Schlüssel")
	_, err = e.passkeyLogin(a, auth, credB)
	wantKind(t, "another account's passkey", err, akte.KindUnauthenticated, "login_failed")

	// A counter that does not rise: a cloned authenticator.
	clone := *cred
	clone.SignCount = 0
	_, err = e.passkeyLogin(a, auth, &clone)
	wantKind(t, "cloned", err, akte.KindUnauthenticated, "login_failed")

	got := e.failures(a.id, "session.login")
	want := map[string]int{"passkey_challenge_invalid": 3, "wrong_password": 1, "wrong_passkey": 1, "passkey_cloned": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("failures %v, want %v", got, want)
			break
		}
	}

	// Removed: it no longer logs in; TOTP still does.
	wantKind(t, "remove unknown", e.svc.RemovePasskey(ctx, p, "nope"), akte.KindNotFound, "passkey_not_found")
	if err := e.svc.RemovePasskey(ctx, p, pk.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.passkeyLogin(a, auth, cred)
	wantKind(t, "removed", err, akte.KindUnauthenticated, "login_failed")
	if _, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a)); err != nil {
		t.Fatalf("TOTP after the passkey went: %v", err)
	}
	evs, _ := e.store.Events(ctx, a.id, 1000)
	ops := map[string]int{}
	for _, ev := range evs {
		if ev.Result == akte.ResultOK {
			ops[ev.Operation]++
		}
	}
	if ops["account.passkey_add"] != 1 || ops["account.passkey_remove"] != 1 || ops["session.login_passkey"] != 3 {
		t.Errorf("events %v", ops)
	}
}

// TestPasskeyLimits: the login challenge is limited per client address;
// an account holds at most MaxPasskeys; a base URL on an IP address other
// than loopback has no passkeys.
func TestPasskeyLimits(t *testing.T) {
	cfg := testConfig()
	cfg.PreloginPerAddr = 3
	e := newEnv(t, cfg)
	ctx := t.Context()
	for i := range 4 {
		_, err := e.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.9"})
		if i < 3 && err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			wantKind(t, "fourth challenge", err, akte.KindRateLimited, "rate_limited_wait")
		}
	}
	if _, err := e.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.10"}); err != nil {
		t.Errorf("another address: %v", err)
	}

	auth := &softpasskey.Authenticator{Origin: "http://localhost:8080"}
	p, a := e.principal("anna@example.org", "X110411675")
	for range service.MaxPasskeys {
		e.addPasskey(p, a, auth, "Schlüssel")
	}
	_, err := e.svc.BeginPasskeyRegistration(ctx, p, material().LoginSecret, e.nextTOTP(a))
	wantKind(t, "one too many", err, akte.KindInvalid, "passkeys_too_many")

	cfg.BaseURL = "http://192.0.2.1:8080"
	e2 := newEnv(t, cfg)
	_, err = e2.svc.BeginPasskeyLogin(ctx, service.Client{Addr: "192.0.2.9"})
	wantKind(t, "base URL on an IP address", err, akte.KindUnavailable, "passkeys_unavailable")
}
