package service_test

import (
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestCodeExpiryAndReuse: a mailed code is good for its lifetime and once;
// so is the token of a recovery with the key; an account never confirmed
// goes with the job after four weeks.
func TestCodeExpiryAndReuse(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.1"}
	a := e.register("ida@example.org", "X110411675", "192.0.2.1", false)
	code := e.code(a.email, "Bestätigen")
	wantKind(t, "a code of 3 digits", e.svc.ConfirmEmail(ctx, cl, a.email, "123"), akte.KindInvalid, "code_format")
	e.clk.Add(cfg.EmailCodeTTL - time.Second)
	if _, err := e.svc.Register(ctx, cl, registerRequest("other@example.org", "A123456780")); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(time.Second)
	wantKind(t, "the code at its expiry", e.svc.ConfirmEmail(ctx, cl, a.email, code), akte.KindExpired, "code_expired")
	if err := e.svc.ResendCode(ctx, cl, a.email); err != nil {
		t.Fatal(err)
	}
	code = e.code(a.email, "Bestätigen")
	e.clk.Add(cfg.EmailCodeTTL - time.Second)
	if err := e.svc.ConfirmEmail(ctx, cl, a.email, code); err != nil {
		t.Fatalf("the new code a second before its expiry: %v", err)
	}
	wantKind(t, "the code again", e.svc.ConfirmEmail(ctx, cl, a.email, code), akte.KindUsed, "code_used")

	// The reset code expires alike.
	if err := e.svc.ResetStart(ctx, cl, a.email); err != nil {
		t.Fatal(err)
	}
	reset := e.code(a.email, "Passwort zurücksetzen")
	e.clk.Add(cfg.ResetTTL)
	m := material()
	err := e.svc.ResetComplete(ctx, cl, service.ResetRequest{Email: a.email, Code: reset, TOTP: e.totpAt(a, 0), AcknowledgeDataLoss: true,
		KDF: m.KDF, LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: freshRecord()})
	wantKind(t, "an expired reset code", err, akte.KindExpired, "code_expired")

	// The token of a recovery with the key: for ResetTTL, once.
	newPW := service.NewPassword{KDF: m.KDF, LoginSecret: m.LoginSecret, UMKByPassword: m.Keys.UMKByPassword}
	g, err := e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Add(cfg.ResetTTL)
	wantKind(t, "an expired recovery", e.svc.RecoverComplete(ctx, cl, g.Token, newPW), akte.KindExpired, "recovery_token_expired")
	g, err = e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RecoverComplete(ctx, cl, g.Token, newPW); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "the recovery again", e.svc.RecoverComplete(ctx, cl, g.Token, newPW), akte.KindUsed, "recovery_token_used")
	wantKind(t, "a made-up recovery", e.svc.RecoverComplete(ctx, cl, "nonsense", newPW), akte.KindInvalid, "recovery_token_invalid")

	// Never confirmed: gone after four weeks, not before.
	u := e.register("verlassen@example.org", "K220635158", "192.0.2.1", false)
	e.clk.Add(cfg.UnconfirmedTTL - time.Minute)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Account(ctx, u.id); err != nil {
		t.Fatalf("an unconfirmed account before four weeks: %v", err)
	}
	e.clk.Add(time.Minute + time.Second)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Account(ctx, u.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("an unconfirmed account after four weeks: %v", err)
	}
	if _, err := e.store.Account(ctx, a.id); err != nil {
		t.Fatalf("the confirmed account: %v", err)
	}
}
