package api_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// clock is a settable time source for deadline tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newClock(t time.Time) *clock    { return &clock{t: t} }
func (c *clock) totp(secret string) string {
	code, _ := hotp.GenerateCodeCustom(secret, uint64(c.Now().Unix()/30), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return code
}

// register creates an unconfirmed account through the API.
func register(t *testing.T, s *stack, email, kvnr string) (*core.Material, wire.RegisterResponse) {
	t.Helper()
	m, err := core.NewMaterial("Apfelbaum-Sommerwind-19", core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	var reg wire.RegisterResponse
	if err := client.NewAPI(s.srv.URL).Do(t.Context(), "POST", "/api/v1/accounts", wire.RegisterRequest{Email: email, KVNR: kvnr, BirthDate: "1970-01-01", KDF: m.KDF,
		LoginSecret: m.LoginSecret, RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Test", Record: m.Record, Consents: shippedConsents(), Via: "cli"}, &reg); err != nil {
		t.Fatal(err)
	}
	return m, reg
}

func TestDeadlines(t *testing.T) {
	clk := newClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	s := newClockStack(t, service.DefaultConfig(), clk.Now)
	c := client.NewAPI(s.srv.URL)
	ctx := t.Context()

	// The confirmation code expires after 30 minutes.
	m, reg := register(t, s, "late@example.org", "X110411675")
	msg, err := mailtest.Last(s.outbox, "late@example.org", "Bestätigen")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := msg.Code()
	clk.Add(30*time.Minute + time.Second)
	err = c.Do(ctx, "POST", "/api/v1/accounts/confirm", wire.ConfirmRequest{Email: "late@example.org", Code: code}, nil)
	if !akte.Is(err, akte.KindExpired) || akte.MessageOf(err) == "" {
		t.Fatalf("expired code: %v", err)
	}
	// A new code works.
	if err := c.Do(ctx, "POST", "/api/v1/accounts/confirm/resend", wire.EmailRequest{Email: "late@example.org"}, nil); err != nil {
		t.Fatal(err)
	}
	msg, _ = mailtest.Last(s.outbox, "late@example.org", "Bestätigen")
	code2, _ := msg.Code()
	if err := c.Do(ctx, "POST", "/api/v1/accounts/confirm", wire.ConfirmRequest{Email: "late@example.org", Code: code2}, nil); err != nil {
		t.Fatalf("fresh code: %v", err)
	}

	// Sessions: idle timeout 15 minutes, absolute lifetime 12 hours.
	login := func() string {
		var res wire.LoginResponse
		if err := c.Do(ctx, "POST", "/api/v1/sessions", wire.LoginRequest{Email: "late@example.org", LoginSecret: m.LoginSecret,
			TOTP: clk.totp(reg.TOTPSecret), DeviceID: "device-0001", DeviceName: "Test"}, &res); err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	status := func(token string) int {
		req, _ := http.NewRequest("GET", s.srv.URL+"/api/v1/account", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tok := login()
	clk.Add(14 * time.Minute)
	if status(tok) != 200 {
		t.Fatal("session died before the idle timeout")
	}
	clk.Add(15*time.Minute + time.Second)
	if status(tok) != 401 {
		t.Fatal("session survived 15 idle minutes")
	}
	clk.Add(time.Minute) // a new TOTP step
	tok = login()
	end := clk.Now().Add(12 * time.Hour)
	for clk.Now().Add(14 * time.Minute).Before(end) {
		clk.Add(14 * time.Minute)
		if status(tok) != 200 {
			t.Fatalf("active session died at %v, before its 12 hours", clk.Now())
		}
	}
	clk.Add(14 * time.Minute)
	if status(tok) != 401 {
		t.Fatal("session outlived its 12 hours")
	}

	// Accounts never confirmed are deleted by the job after 4 weeks, not
	// before; confirmed ones stay.
	register(t, s, "never@example.org", "A123456780")
	clk.Add(27 * 24 * time.Hour)
	if err := s.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if !accountExists(t, s, "never@example.org") {
		t.Fatal("unconfirmed account deleted before 4 weeks")
	}
	clk.Add(24*time.Hour + time.Minute)
	if err := s.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if accountExists(t, s, "never@example.org") {
		t.Fatal("unconfirmed account still there after 4 weeks")
	}
	if !accountExists(t, s, "late@example.org") {
		t.Fatal("the job deleted a confirmed account")
	}
}

// accountExists looks into the store: no answer of the API tells.
func accountExists(t *testing.T, s *stack, email string) bool {
	t.Helper()
	_, err := s.store.AccountByEmail(t.Context(), email)
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		t.Fatal(err)
	}
	return err == nil
}
