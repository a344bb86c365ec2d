package service_test

import (
	"crypto/ed25519"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestSessionKey: the session's escrowed key goes only to a request signed
// with the device key sent at login, over this session's id and a fresh
// time, each signed time once (also under 100 parallel requests); a
// session opened without a device key never gets it; failed proofs are
// limited like second factors.
func TestSessionKey(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx := t.Context()
	_, a := e.principal("lena@example.org", "X110411675")
	pub, priv, _ := ed25519.GenerateKey(nil)
	res, err := e.svc.Login(ctx, service.Client{Addr: "192.0.2.1"}, service.LoginRequest{Email: a.email, LoginSecret: material().LoginSecret,
		TOTP: e.nextTOTP(a), DeviceID: "device-0001", DeviceName: "Gerät", DeviceSecret: a.deviceSecret, DeviceKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Session.DeviceKey) != string(pub) {
		t.Fatal("the session does not keep the device key")
	}
	sign := func(k ed25519.PrivateKey, id string, at time.Time) (int64, []byte) {
		ms := at.UnixMilli()
		return ms, ed25519.Sign(k, akte.SessionKeyMessage(id, ms))
	}
	_, otherKey, _ := ed25519.GenerateKey(nil)
	refused := func(what, reason string, ms int64, sig []byte) {
		t.Helper()
		e.clk.Add(time.Minute) // past the back-off of the earlier failures
		got, err := e.svc.SessionKey(ctx, p, ms, sig)
		if got != nil {
			t.Fatalf("%s: got the key", what)
		}
		wantKind(t, what, err, akte.KindForbidden, reason)
	}
	refused("no signature", "session_key_unproven", e.clk.Now().UnixMilli(), nil)
	now := e.clk.Now()
	ms, sig := sign(otherKey, p.Session.ID, now)
	refused("another key's signature", "session_key_unproven", ms, sig)
	ms, sig = sign(priv, "another-session", now)
	refused("a signature for another session", "session_key_unproven", ms, sig)
	ms, sig = sign(priv, p.Session.ID, now)
	refused("a signature for another time", "session_key_unproven", ms+1, sig)
	ms, sig = sign(priv, p.Session.ID, e.clk.Now().Add(-akte.SessionKeyMaxSkew-time.Second))
	refused("a stale signature", "session_key_stale", ms, sig)
	ms, sig = sign(priv, p.Session.ID, e.clk.Now().Add(akte.SessionKeyMaxSkew+2*time.Minute))
	refused("a signature from the future", "session_key_stale", ms, sig)
	if n := e.failures(a.id, "session.key"); n["session_key_unproven"] != 4 || n["session_key_stale"] != 2 {
		t.Errorf("failed proofs recorded as %v", n)
	}

	e.clk.Add(cfg.FailureWindow)
	good := func() (int64, []byte) { return sign(priv, p.Session.ID, e.clk.Now()) }
	ms, sig = good()
	key, err := e.svc.SessionKey(ctx, p, ms, sig)
	if err != nil || string(key) != string(p.Session.ClientKey) || len(key) != 32 {
		t.Fatalf("a right proof: %x, %v", key, err)
	}
	refused("the same proof again", "session_key_replayed", ms, sig)

	// 100 parallel requests with one fresh proof: exactly one gets the key.
	e.clk.Add(cfg.FailureWindow)
	ms, sig = good()
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := 0
	for range 100 {
		wg.Go(func() {
			if k, err := e.svc.SessionKey(ctx, p, ms, sig); err == nil && k != nil {
				mu.Lock()
				got++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if got != 1 {
		t.Errorf("one proof sent 100 times in parallel gave the key %d times, want 1", got)
	}

	// Wrong proofs back off.
	limited := false
	for range cfg.FailureFree + 2 {
		_, err := e.svc.SessionKey(ctx, p, e.clk.Now().UnixMilli(), make([]byte, ed25519.SignatureSize))
		limited = limited || akte.Is(err, akte.KindRateLimited)
	}
	if !limited {
		t.Error("wrong proofs are not limited")
	}

	// A session opened without a device key (the web app's) never gets it.
	res, err = e.login(a, "192.0.2.1", "device-0001", res.DeviceSecret, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	web := &service.Principal{Account: res.Account, Session: res.Session}
	e.clk.Add(time.Hour)
	ms, sig = good()
	if k, err := e.svc.SessionKey(ctx, web, ms, sig); k != nil || !akte.Is(err, akte.KindForbidden) {
		t.Errorf("a session without a device key: %x, %v", k, err)
	}

	// A device key of the wrong length is refused at login.
	_, err = e.svc.Login(ctx, service.Client{Addr: "192.0.2.1"}, service.LoginRequest{Email: a.email, LoginSecret: material().LoginSecret,
		TOTP: e.nextTOTP(a), DeviceID: "device-0001", DeviceName: "Gerät", DeviceSecret: res.DeviceSecret, DeviceKey: pub[:31]})
	wantKind(t, "a short device key", err, akte.KindInvalid, "device_key_invalid")
}
