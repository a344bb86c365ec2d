package service_test

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// TestSessionLifetimes: a session ends after SessionIdle without a
// request and SessionMax after the login however busy; logout ends one
// session or all; a session ended elsewhere is gone for every list; a
// blocked account's sessions end.
func TestSessionLifetimes(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx := t.Context()
	_, a := e.principal("nina@example.org", "X110411675")
	auth := func(token string) error {
		_, err := e.svc.Authenticate(ctx, token)
		return err
	}
	open := func() string {
		res, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
		if err != nil {
			t.Fatal(err)
		}
		a.deviceSecret = res.DeviceSecret
		return res.Token
	}
	for range 2 {
		e.clk.Add(cfg.SessionIdle - time.Second)
		if err := auth(a.token); err != nil {
			t.Fatalf("a request within the idle time: %v", err)
		}
	}
	e.clk.Add(cfg.SessionIdle)
	wantKind(t, "a request after the idle time", auth(a.token), akte.KindUnauthenticated, "")

	busy := open()
	start := e.clk.Now()
	for e.clk.Now().Before(start.Add(cfg.SessionMax - cfg.SessionIdle)) {
		e.clk.Add(cfg.SessionIdle - time.Second)
		if err := auth(busy); err != nil {
			t.Fatalf("a busy session after %v: %v", e.clk.Now().Sub(start), err)
		}
	}
	e.clk.Add(start.Add(cfg.SessionMax).Sub(e.clk.Now()))
	wantKind(t, "a busy session at its end", auth(busy), akte.KindUnauthenticated, "")

	// Logout of one session, of one by its id, of all.
	one, two, three := open(), open(), open()
	p, err := e.svc.Authenticate(ctx, one)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := e.svc.Sessions(ctx, p)
	if err != nil || len(ss) != 3 {
		t.Fatalf("%d live sessions, want 3 (%v)", len(ss), err)
	}
	if err := e.svc.Logout(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "the session logged out", auth(one), akte.KindUnauthenticated, "")
	p, err = e.svc.Authenticate(ctx, two)
	if err != nil {
		t.Fatalf("another session after a logout: %v", err)
	}
	ss, _ = e.svc.Sessions(ctx, p)
	var threeID string
	for _, s := range ss {
		if s.ID != p.Session.ID {
			threeID = s.ID
		}
	}
	if len(ss) != 2 || threeID == "" {
		t.Fatalf("sessions after the logout: %d", len(ss))
	}
	if err := e.svc.EndSession(ctx, p, threeID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "a session ended by id", auth(three), akte.KindUnauthenticated, "")
	wantKind(t, "ending it again", e.svc.EndSession(ctx, p, threeID), akte.KindNotFound, "session_not_found")
	q, _ := e.principal("olaf@example.org", "A123456780")
	wantKind(t, "ending another account's session", e.svc.EndSession(ctx, q, p.Session.ID), akte.KindNotFound, "session_not_found")
	four := open()
	if err := e.svc.Logout(ctx, p, true); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{two, four} {
		wantKind(t, "a session after logout --all", auth(tok), akte.KindUnauthenticated, "")
	}

	// An operator's block ends the account's sessions.
	five := open()
	if _, err := e.svc.AdminBlockAccount(ctx, "erika", a.email, true); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "a session of a blocked account", auth(five), akte.KindUnauthenticated, "")
	if err := auth(q.Session.ID); err == nil {
		t.Error("a session id is taken for a token")
	}
	if _, err := e.svc.Authenticate(ctx, ""); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("no token: %v", err)
	}
}
