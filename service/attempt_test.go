package service_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// retryAfter is the wait a rate-limit error asks for.
func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var ra service.RetryAfter
	if !errors.As(err, &ra) {
		t.Fatalf("%v carries no RetryAfter", err)
	}
	return time.Duration(ra)
}

// TestLoginBackoff: 5 attempts in a row, then each next one waits 2, 4,
// 8 … s after the previous, at most 15 min; counted per account whatever
// the address, and per address whatever the account; 24 h later the count
// starts over; a success clears the account's count.
func TestLoginBackoff(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("dora@example.org", "X110411675", "192.0.2.1", true)
	wrongLogin := func(addr string) error {
		_, err := e.svc.Login(t.Context(), service.Client{Addr: addr}, service.LoginRequest{Email: a.email, LoginSecret: make([]byte, 32),
			TOTP: "123456", DeviceID: "device-0009", DeviceName: "x"})
		return err
	}
	for i := range 5 {
		wantKind(t, fmt.Sprintf("failure %d", i+1), wrongLogin(fmt.Sprintf("198.51.100.%d", i)), akte.KindUnauthenticated, "login_failed")
	}
	if n := e.mails(a.email, "Fehlgeschlagene Anmeldeversuche"); n != 1 {
		t.Fatalf("%d failure notices after 5 failures, want 1", n)
	}
	for i, wait := range []time.Duration{2, 4, 8, 16} {
		err := wrongLogin("198.51.100.77")
		wantKind(t, "attempt within the back-off", err, akte.KindRateLimited, "rate_limited_wait")
		if got := retryAfter(t, err); got != wait*time.Second {
			t.Fatalf("back-off %d: Retry-After %v, want %v", i, got, wait*time.Second)
		}
		e.clk.Add(wait * time.Second)
		wantKind(t, "attempt after the back-off", wrongLogin("198.51.100.77"), akte.KindUnauthenticated, "login_failed")
	}
	for range 12 {
		e.clk.Add(15 * time.Minute)
		wrongLogin("198.51.100.78")
	}
	err := wrongLogin("198.51.100.78")
	if got := retryAfter(t, err); got != 15*time.Minute {
		t.Fatalf("Retry-After after many failures %v, want the ceiling of 15 min", got)
	}
	// A day after the window began, it starts over.
	e.clk.Add(24 * time.Hour)
	for i := range 5 {
		wantKind(t, fmt.Sprintf("failure %d of the next day", i+1), wrongLogin("198.51.100.79"), akte.KindUnauthenticated, "login_failed")
	}
	// The owner's device logs in meanwhile; that clears its own count, not
	// the strangers'.
	if _, err := e.login(a, "198.51.100.80", "device-0001", a.deviceSecret, e.totpAt(a, 0)); err != nil {
		t.Fatalf("the owner's device: %v", err)
	}
	wantKind(t, "a stranger after the owner's login", wrongLogin("198.51.100.79"), akte.KindRateLimited, "rate_limited_wait")
	// A right login without the device secret, after the back-off, clears
	// the account's count: 5 free again.
	e.clk.Add(2 * time.Second)
	if _, err := e.login(a, "198.51.100.80", "device-0001", "", e.totpAt(a, 30*time.Second)); err != nil {
		t.Fatalf("the right login after the back-off: %v", err)
	}
	for i := range 5 {
		wantKind(t, fmt.Sprintf("failure %d after the success", i+1), wrongLogin(fmt.Sprintf("203.0.113.%d", i)), akte.KindUnauthenticated, "login_failed")
	}

	// Per address: 5 failures from one address on different accounts
	// delay the 6th, whatever its account.
	for i := range 6 {
		_, err := e.svc.Login(t.Context(), service.Client{Addr: "192.0.2.99"}, service.LoginRequest{Email: fmt.Sprintf("spray%d@example.org", i),
			LoginSecret: make([]byte, 32), TOTP: "123456", DeviceID: "device-0001", DeviceName: "x"})
		if i < 5 {
			wantKind(t, "spray", err, akte.KindUnauthenticated, "login_failed")
		} else {
			wantKind(t, "6th from one address", err, akte.KindRateLimited, "rate_limited_wait")
		}
	}
}

// TestParallelTOTPGuesses: 100 logins at once with the right password and
// a different wrong TOTP code each check at most 5 codes; the others are
// refused before anything is checked.
func TestParallelTOTPGuesses(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("erika@example.org", "X110411675", "192.0.2.1", true)
	const n = 100
	var wg sync.WaitGroup
	var refused, failed atomic.Int32
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := e.login(a, fmt.Sprintf("10.0.%d.%d", i/250, i%250), "device-0666", "", e.wrongTOTP(a, i))
			switch {
			case akte.Is(err, akte.KindRateLimited):
				refused.Add(1)
			case akte.Is(err, akte.KindUnauthenticated):
				failed.Add(1)
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	checked := e.failures(a.id, "session.login")["wrong_totp"]
	t.Logf("%d answered wrong, %d refused; %d codes checked", failed.Load(), refused.Load(), checked)
	if checked > 5 || failed.Load() > 5 || int(failed.Load()) != checked {
		t.Fatalf("%d TOTP codes checked (%d answers), want at most 5", checked, failed.Load())
	}
}

// TestOwnerDeviceDuringAttack: strangers who know the e-mail address put
// the account into its back-off; the owner's confirmed device, showing its
// device secret, logs in at once, and its own failures do not delay the
// account's other devices. A client without the secret waits like the
// strangers.
func TestOwnerDeviceDuringAttack(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("frida@example.org", "X110411675", "192.0.2.1", true)
	for i := range 8 {
		e.clk.Add(time.Second)
		_, err := e.svc.Login(t.Context(), service.Client{Addr: fmt.Sprintf("198.51.100.%d", i)}, service.LoginRequest{Email: a.email,
			LoginSecret: make([]byte, 32), TOTP: "123456", DeviceID: "device-0001", DeviceName: "x"})
		if err == nil {
			t.Fatal("a wrong login succeeded")
		}
	}
	_, err := e.login(a, "192.0.2.1", "device-0001", "", e.totpAt(a, 0))
	wantKind(t, "the owner's device without its secret", err, akte.KindRateLimited, "rate_limited_wait")
	_, err = e.login(a, "192.0.2.1", "device-0001", "not-the-secret", e.totpAt(a, 0))
	wantKind(t, "the owner's device with a wrong secret", err, akte.KindRateLimited, "rate_limited_wait")
	res, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.totpAt(a, 0))
	if err != nil {
		t.Fatalf("the owner's device during the attack: %v", err)
	}
	// The secret was replaced; the old one no longer counts as the device.
	if res.DeviceSecret == "" || res.DeviceSecret == a.deviceSecret {
		t.Fatalf("the login gave no new device secret")
	}
	_, err = e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.totpAt(a, 30*time.Second))
	wantKind(t, "the device's old secret", err, akte.KindRateLimited, "rate_limited_wait")
	// A device secret of one device does not vouch for another.
	_, err = e.login(a, "192.0.2.1", "device-0002", res.DeviceSecret, e.totpAt(a, 30*time.Second))
	wantKind(t, "another device with the secret", err, akte.KindRateLimited, "rate_limited_wait")
	// The device's own failures count on its own counter.
	for i := range 5 {
		_, err := e.login(a, "192.0.2.1", "device-0001", res.DeviceSecret, e.wrongTOTP(a, i))
		wantKind(t, "the device's wrong code", err, akte.KindUnauthenticated, "login_failed")
	}
	_, err = e.login(a, "192.0.2.1", "device-0001", res.DeviceSecret, e.totpAt(a, 30*time.Second))
	wantKind(t, "the device after its own 5 failures", err, akte.KindRateLimited, "rate_limited_wait")
	e.clk.Add(2 * time.Second)
	if _, err := e.login(a, "192.0.2.1", "device-0001", res.DeviceSecret, e.totpAt(a, 30*time.Second)); err != nil {
		t.Fatalf("the device after its back-off: %v", err)
	}
}

// TestOneAnswerForFailedLogin: a wrong password, a wrong code, a used code
// and an unknown address answer alike; that an account is unconfirmed or
// blocked is said only to whoever proved both factors.
func TestOneAnswerForFailedLogin(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("gerda@example.org", "X110411675", "192.0.2.1", true)
	if _, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.totpAt(a, 0)); err != nil {
		t.Fatal(err)
	}
	used := e.totpAt(a, 0)
	e.clk.Add(31 * time.Second)
	answers := map[string]error{}
	_, answers["wrong password"] = e.svc.Login(t.Context(), service.Client{Addr: "198.51.100.1"}, service.LoginRequest{Email: a.email,
		LoginSecret: make([]byte, 32), TOTP: e.totpAt(a, 0), DeviceID: "device-0001", DeviceName: "x"})
	_, answers["wrong code"] = e.login(a, "198.51.100.2", "device-0001", "", e.wrongTOTP(a, 1))
	_, answers["used code"] = e.login(a, "198.51.100.3", "device-0001", "", used)
	_, answers["unknown address"] = e.login(&account{email: "nobody@example.org"}, "198.51.100.4", "device-0001", "", e.totpAt(a, 0))
	for what, err := range answers {
		wantKind(t, what, err, akte.KindUnauthenticated, "login_failed")
		if _, params := akte.ReasonOf(err); params != nil {
			t.Errorf("%s: params %v", what, params)
		}
	}

	u := e.register("unbestaetigt@example.org", "A123456780", "192.0.2.1", false)
	_, err := e.login(u, "198.51.100.5", "device-0001", "", e.wrongTOTP(u, 2))
	wantKind(t, "unconfirmed, wrong code", err, akte.KindUnauthenticated, "login_failed")
	_, err = e.login(u, "198.51.100.5", "device-0001", "", e.totpAt(u, 0))
	wantKind(t, "unconfirmed, both factors right", err, akte.KindForbidden, "email_unconfirmed")
	// That code was not used up: it still logs in once the address is confirmed.
	if err := e.svc.ConfirmEmail(t.Context(), service.Client{Addr: "192.0.2.1"}, u.email, e.code(u.email, "Bestätigen")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(u, "198.51.100.5", "device-0001", "", e.totpAt(u, 0)); err != nil {
		t.Fatalf("login after the confirmation: %v", err)
	}

	if _, err := e.svc.AdminBlockAccount(t.Context(), "erika", a.email, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.login(a, "198.51.100.6", "device-0001", "", e.wrongTOTP(a, 3))
	wantKind(t, "blocked, wrong code", err, akte.KindUnauthenticated, "login_failed")
	_, err = e.login(a, "198.51.100.6", "device-0001", "", e.totpAt(a, 0))
	wantKind(t, "blocked, both factors right", err, akte.KindBlocked, "account_blocked")
}

// TestCodesPerPurpose: after 5 wrong guesses no code of the purpose is
// checked, the right one included; a new code voids the older ones and
// gets fresh attempts; 60 parallel guesses check at most 5.
func TestCodesPerPurpose(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("hanna@example.org", "X110411675", "192.0.2.1", false)
	first := e.code(a.email, "Bestätigen")
	confirm := func(code string) error {
		return e.svc.ConfirmEmail(t.Context(), service.Client{Addr: "192.0.2.2"}, a.email, code)
	}
	for i := range 5 {
		wantKind(t, "wrong code", confirm(fmt.Sprintf("%08d", i)), akte.KindInvalid, "code_wrong")
	}
	wantKind(t, "the right code after 5 wrong ones", confirm(first), akte.KindRateLimited, "rate_limited_wait")
	if err := e.svc.ResendCode(t.Context(), service.Client{Addr: "192.0.2.2"}, a.email); err != nil {
		t.Fatal(err)
	}
	second := e.code(a.email, "Bestätigen")
	if second == first {
		t.Fatal("the resent code is the first one")
	}
	wantKind(t, "the voided first code", confirm(first), akte.KindInvalid, "code_wrong")
	if err := confirm(second); err != nil {
		t.Fatalf("the new code: %v", err)
	}
	wantKind(t, "the new code again", confirm(second), akte.KindUsed, "code_used")

	// 60 guesses at once: at most 5 are checked.
	b := e.register("ida@example.org", "A123456780", "192.0.2.1", false)
	var wg sync.WaitGroup
	var wrong, refused atomic.Int32
	for i := range 60 {
		wg.Go(func() {
			err := e.svc.ConfirmEmail(t.Context(), service.Client{Addr: fmt.Sprintf("10.1.0.%d", i)}, b.email, fmt.Sprintf("%08d", 10+i))
			switch {
			case akte.Is(err, akte.KindInvalid):
				wrong.Add(1)
			case akte.Is(err, akte.KindRateLimited):
				refused.Add(1)
			default:
				t.Errorf("guess %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if checked := e.failures(b.id, "account.confirm")["code_wrong"]; wrong.Load() > 5 || int(wrong.Load()) != checked {
		t.Fatalf("%d codes checked (%d wrong answers, %d refused), want at most 5", checked, wrong.Load(), refused.Load())
	}
}

// TestResetCodeAndSecondFactor: a right reset code with a wrong TOTP code
// answers exactly as a wrong reset code; both count on the purpose's
// counter, and an unknown address answers the same.
func TestResetCodeAndSecondFactor(t *testing.T) {
	e := newEnv(t, testConfig())
	a := e.register("jana@example.org", "X110411675", "192.0.2.1", true)
	cl := service.Client{Addr: "192.0.2.3"}
	if err := e.svc.ResetStart(t.Context(), cl, a.email); err != nil {
		t.Fatal(err)
	}
	code := e.code(a.email, "Passwort zurücksetzen")
	m := material()
	req := func(email, code, totp string) service.ResetRequest {
		return service.ResetRequest{Email: email, Code: code, TOTP: totp, AcknowledgeDataLoss: true, KDF: m.KDF, LoginSecret: m.LoginSecret,
			RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: freshRecord()}
	}
	wrongCode := e.svc.ResetComplete(t.Context(), cl, req(a.email, "00000000", e.totpAt(a, 0)))
	wrongTOTP := e.svc.ResetComplete(t.Context(), cl, req(a.email, code, e.wrongTOTP(a, 0)))
	unknown := e.svc.ResetComplete(t.Context(), cl, req("niemand@example.org", code, e.totpAt(a, 0)))
	for what, err := range map[string]error{"right code, wrong TOTP": wrongTOTP, "unknown address": unknown} {
		if err == nil || err.Error() != wrongCode.Error() || akte.KindOf(err) != akte.KindOf(wrongCode) {
			t.Errorf("%s: %v; wrong code: %v", what, err, wrongCode)
		}
	}
	wantKind(t, "wrong reset code", wrongCode, akte.KindInvalid, "reset_code_wrong")
	for range 3 {
		e.svc.ResetComplete(t.Context(), cl, req(a.email, code, e.wrongTOTP(a, 1)))
	}
	wantKind(t, "the right pair after 5 attempts", e.svc.ResetComplete(t.Context(), cl, req(a.email, code, e.totpAt(a, 0))), akte.KindRateLimited, "rate_limited_wait")
	// A new code, fresh attempts.
	e.clk.Add(time.Minute)
	if err := e.svc.ResetStart(t.Context(), cl, a.email); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ResetComplete(t.Context(), cl, req(a.email, e.code(a.email, "Passwort zurücksetzen"), e.totpAt(a, 0))); err != nil {
		t.Fatalf("reset with the new code: %v", err)
	}
}

// TestHourlyLimits: registrations per client address and per server,
// mails per recipient (sub-addresses count as their mailbox), each past
// its limit refused with nothing done, and free again an hour later.
func TestHourlyLimits(t *testing.T) {
	cfg := testConfig()
	cfg.RegisterPerServer = 12
	e := newEnv(t, cfg)
	reg := func(email, addr string) error {
		_, err := e.svc.Register(t.Context(), service.Client{Addr: addr}, registerRequest(email, "X110411675"))
		return err
	}
	for i := range 10 {
		if err := reg(fmt.Sprintf("u%d@example.org", i), "192.0.2.1"); err != nil {
			t.Fatalf("registration %d: %v", i+1, err)
		}
	}
	err := reg("u10@example.org", "192.0.2.1")
	wantKind(t, "11th registration from one address", err, akte.KindRateLimited, "rate_limited_wait")
	if w := retryAfter(t, err); w <= 59*time.Minute || w > time.Hour {
		t.Errorf("Retry-After %v, want about an hour", w)
	}
	if e.mails("u10@example.org", "") != 0 {
		t.Error("a refused registration mailed")
	}
	for i := 11; i < 13; i++ {
		if err := reg(fmt.Sprintf("u%d@example.org", i), "192.0.2.2"); err != nil {
			t.Fatalf("registration %d from another address: %v", i, err)
		}
	}
	wantKind(t, "13th registration on the server", reg("u13@example.org", "192.0.2.3"), akte.KindRateLimited, "rate_limited_wait")

	e.clk.Add(time.Hour)
	// Mails to one mailbox: 5 an hour, sub-addresses included, whichever
	// path sends them; past the limit nothing is created or mailed.
	for i := range 5 {
		if err := reg(fmt.Sprintf("opfer+%d@example.org", i), fmt.Sprintf("198.51.100.%d", i)); err != nil {
			t.Fatalf("registration %d for the victim: %v", i, err)
		}
	}
	wantKind(t, "6th mail to one mailbox", reg("opfer+5@example.org", "198.51.100.9"), akte.KindRateLimited, "rate_limited_wait")
	wantKind(t, "resend to the mailbox", e.svc.ResendCode(t.Context(), service.Client{Addr: "198.51.100.9"}, "opfer+1@example.org"), akte.KindRateLimited, "rate_limited_wait")
	if n := e.mails("opfer", ""); n != 5 {
		t.Errorf("%d mails to the victim's mailbox, want 5", n)
	}
	if _, err := e.store.AccountByEmail(t.Context(), "opfer+5@example.org"); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("a refused registration stored an account: %v", err)
	}
	e.clk.Add(time.Hour)
	if err := reg("opfer+5@example.org", "198.51.100.9"); err != nil {
		t.Fatalf("registration an hour later: %v", err)
	}

	// Prelogin and the anonymous paths per address.
	for i := range 300 {
		if _, err := e.svc.Prelogin(t.Context(), service.Client{Addr: "203.0.113.1"}, fmt.Sprintf("p%d@example.org", i)); err != nil {
			t.Fatalf("prelogin %d: %v", i, err)
		}
	}
	_, err = e.svc.Prelogin(t.Context(), service.Client{Addr: "203.0.113.1"}, "p@example.org")
	wantKind(t, "301st prelogin", err, akte.KindRateLimited, "rate_limited_wait")
	for i := range 60 {
		e.svc.ConfirmEmail(t.Context(), service.Client{Addr: "203.0.113.2"}, fmt.Sprintf("c%d@example.org", i), "12345678")
	}
	wantKind(t, "61st confirmation", e.svc.ConfirmEmail(t.Context(), service.Client{Addr: "203.0.113.2"}, "c@example.org", "12345678"),
		akte.KindRateLimited, "rate_limited_wait")
}

// TestNoSquatting: a taken address gets an answer of the same shape and
// its holder a notice; an unconfirmed account holds neither its KVNR
// against anyone nor, once its first code expired, its address; of two
// accounts naming one KVNR the first to confirm holds it, until an
// operator releases it.
func TestNoSquatting(t *testing.T) {
	e := newEnv(t, testConfig())
	cl := service.Client{Addr: "192.0.2.1"}
	owner := e.register("karl@example.org", "X110411675", "192.0.2.1", true)
	res, err := e.svc.Register(t.Context(), cl, registerRequest(owner.email, "A123456780"))
	if err != nil {
		t.Fatalf("registration with a taken address: %v", err)
	}
	if res.AccountID == owner.id || len(res.AccountID) != len(owner.id) || len(res.TOTPSecret) != len(owner.totp) ||
		len(res.DeviceSecret) != len(owner.deviceSecret) || res.TOTPURI == "" {
		t.Fatalf("answer for a taken address %+v does not look like a new account's", res)
	}
	if e.mails(owner.email, "Registrierung mit Ihrer E-Mail-Adresse") != 1 || e.mails(owner.email, "Bestätigen") != 1 {
		t.Fatal("the holder got no notice, or a code")
	}
	if got := e.failures(owner.id, "account.register_attempt")["email_taken"]; got != 1 {
		t.Errorf("%d attempts in the holder's protocol, want 1", got)
	}

	// A squatter's unconfirmed registration holds the victim's KVNR
	// against nobody, and its address only until its first code expired.
	squat := e.register("lena@example.org", "K220635158", "198.51.100.1", false)
	e.register("lena.echt@example.org", "K220635158", "192.0.2.7", true)
	e.clk.Add(29 * time.Minute)
	if _, err := e.svc.Register(t.Context(), cl, registerRequest(squat.email, "A123456780")); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.store.AccountByEmail(t.Context(), squat.email); a.ID != squat.id {
		t.Fatal("a young unconfirmed registration was replaced")
	}
	e.clk.Add(2 * time.Minute)
	res, err = e.svc.Register(t.Context(), cl, registerRequest(squat.email, "A123456780"))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := e.store.AccountByEmail(t.Context(), squat.email); a.ID != res.AccountID {
		t.Fatal("an abandoned unconfirmed registration was not replaced")
	}

	// The first to confirm holds the KVNR; the second's confirmation is
	// refused, until the operator releases it from the first.
	rival := e.register("max@example.org", "X110411675", "192.0.2.8", false)
	err = e.svc.ConfirmEmail(t.Context(), cl, rival.email, e.code(rival.email, "Bestätigen"))
	wantKind(t, "confirming a KVNR that is held", err, akte.KindConflict, "kvnr_taken")
	held, err := e.svc.AdminReleaseKVNR(t.Context(), "erika", "x110411675")
	if err != nil || held.ID != owner.id {
		t.Fatalf("release: %v %v", held, err)
	}
	if got := e.failures(owner.id, "admin.kvnr_release"); len(got) != 0 {
		t.Errorf("release recorded as a failure: %v", got)
	}
	evs, _ := e.store.Events(t.Context(), owner.id, 10)
	if evs[0].Operation != "admin.kvnr_release" || evs[0].ActorID != "operator:erika" {
		t.Errorf("newest event of the holder: %+v", evs[0])
	}
	_, err = e.svc.AdminReleaseKVNR(t.Context(), "erika", "X110411675")
	wantKind(t, "releasing it again", err, akte.KindNotFound, "kvnr_not_held")
	e.clk.Add(time.Minute)
	if err := e.svc.ResendCode(t.Context(), cl, rival.email); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmEmail(t.Context(), cl, rival.email, e.code(rival.email, "Bestätigen")); err != nil {
		t.Fatalf("confirmation after the release: %v", err)
	}
}
