package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte/client/core"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// The acceptance tests of the attempt limits (docs/security.md, "Attempt
// limits and enumeration"): the attacks of the issue, driven against the
// real binary with parallel raw requests from distinct loopback addresses
// (127.0.0.0/8 is all loopback on Linux), so that each counter is seen on
// its own.

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   string
	took   time.Duration
}

// from returns an HTTP client whose connections come from the loopback
// address numbered n (127.0.2.1, 127.0.2.2, …): one client address each.
func from(n int) *http.Client {
	ip := net.IPv4(127, 0, byte(2+n/250), byte(1+n%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 2 * time.Minute}
}

// post sends v as JSON.
func post(t *testing.T, c *http.Client, url string, v any) answer {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	start := time.Now()
	resp, err := c.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Error(err)
		return answer{}
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body), took: time.Since(start)}
}

// parallel runs fn(i) for i < n in goroutines released at one moment and
// returns their answers in order of i.
func parallel(n int, fn func(i int) answer) []answer {
	out := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts answers by status and checks the refused ones: 429 with a
// Retry-After and the reason rate_limited_wait.
func tally(t *testing.T, as []answer) map[int]int {
	t.Helper()
	n := map[int]int{}
	for _, a := range as {
		n[a.status]++
		if a.status == http.StatusTooManyRequests {
			if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 || !strings.Contains(a.body, `"reason":"rate_limited_wait"`) {
				t.Errorf("429 without Retry-After or reason: %q %s", a.header.Get("Retry-After"), a.body)
			}
		}
	}
	return n
}

// loginSecret derives the user's login secret as the client does.
func (u *user) loginSecret() []byte {
	u.t.Helper()
	var pre wire.PreloginResponse
	postJSON(u.t, u.srv.URL+"/api/v1/prelogin", wire.EmailRequest{Email: u.Email}, &pre)
	_, ls, err := core.Split(u.Password, pre.KDF)
	if err != nil {
		u.t.Fatal(err)
	}
	return ls
}

// wrongCodes returns n different TOTP codes that are not valid now.
func (u *user) wrongCodes(n int) []string {
	u.t.Helper()
	step := time.Now().Unix() / 30
	valid := map[string]bool{}
	for c := step - 1; c <= step+2; c++ {
		valid[u.totpAt(c)] = true
	}
	var out []string
	for i := 0; len(out) < n; i++ {
		if c := fmt.Sprintf("%06d", (i*7919+1)%1000000); !valid[c] {
			out = append(out, c)
		}
	}
	return out
}

// failedEvents counts the user's failed events operation/code (the user
// must be logged in).
func (u *user) failedEvents() map[string]int {
	u.t.Helper()
	var events []struct {
		Operation string `json:"operation"`
		Result    string `json:"result"`
		Reason    string `json:"reason"`
	}
	getJSON(u.t, u.srv.URL+"/api/v1/account/events", u.state().Token, &events)
	n := map[string]int{}
	for _, e := range events {
		if e.Result == "denied" {
			n[e.Operation+"/"+e.Reason]++
		}
	}
	return n
}

// guessTOTP sends n logins at once with the user's right login secret and
// a different wrong TOTP code each, from n addresses, spread over the
// servers, and returns how many were answered wrong (checked) and refused.
func guessTOTP(t *testing.T, u *user, servers []*server, n int) (checked, refused int) {
	t.Helper()
	secret, codes := u.loginSecret(), u.wrongCodes(n)
	as := parallel(n, func(i int) answer {
		return post(t, from(i), servers[i%len(servers)].URL+"/api/v1/sessions", wire.LoginRequest{Email: u.Email, LoginSecret: secret, TOTP: codes[i],
			DeviceID: "attacker-0001", DeviceName: "Angreifer"})
	})
	got := tally(t, as)
	if got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != n {
		t.Fatalf("answers %v, want only 401 and 429", got)
	}
	return got[http.StatusUnauthorized], got[http.StatusTooManyRequests]
}

// TestParallelTOTPGuessesE2E: 100 logins at once with the right password
// and a different wrong TOTP code each check at most 5 codes (the limit is
// 5, then 2, 4, 8 … s); the events count the checks. On main: 47.
func TestParallelTOTPGuessesE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "tom@example.org")
	u.register(testKVNR)
	u.login()
	checked, refused := guessTOTP(t, u, []*server{srv}, 100)
	u.login() // the owner's device is not delayed by the attack
	events := u.failedEvents()["session.login/wrong_totp"]
	t.Logf("100 parallel guesses: %d checked, %d refused; %d wrong_totp events", checked, refused, events)
	if checked > 5 || events != checked {
		t.Fatalf("%d codes checked (%d events), want at most 5", checked, events)
	}
}

// TestParallelCodeGuessesE2E: 60 wrong e-mail codes at once check at most
// 5; after them the right code is refused too, until a new one is sent.
// On main: 46.
func TestParallelCodeGuessesE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "ute@example.org")
	u.registerUnconfirmed(testKVNR)
	first := srv.mailCode(u.Email, "Bestätigen")
	as := parallel(60, func(i int) answer {
		code := fmt.Sprintf("%08d", 10_000_000+i)
		if code == first {
			code = "99999999"
		}
		return post(t, from(i), srv.URL+"/api/v1/accounts/confirm", wire.ConfirmRequest{Email: u.Email, Code: code})
	})
	got := tally(t, as)
	if got[http.StatusBadRequest] > 5 || got[http.StatusBadRequest]+got[http.StatusTooManyRequests] != 60 {
		t.Fatalf("60 parallel wrong codes: %v, want at most 5 checked (400) and the rest 429", got)
	}
	if a := post(t, from(99), srv.URL+"/api/v1/accounts/confirm", wire.ConfirmRequest{Email: u.Email, Code: first}); a.status != http.StatusTooManyRequests {
		t.Fatalf("the right code after the guesses: %d %s, want 429", a.status, a.body)
	}
	code := u.resendCode()
	u.ok("verify-email", "--code", code)
	u.login()
	events := u.failedEvents()["account.confirm/code_wrong"]
	t.Logf("60 parallel guesses: %d checked, %d refused; %d code_wrong events", got[400], got[429], events)
	if events != got[http.StatusBadRequest] {
		t.Fatalf("%d code_wrong events, %d wrong answers", events, got[http.StatusBadRequest])
	}
}

// TestVoidedCode: a code locked by 5 wrong guesses does not confirm after
// a new one was sent. On main the first code confirmed (200).
func TestVoidedCode(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "vera@example.org")
	u.registerUnconfirmed(testKVNR)
	first := srv.mailCode(u.Email, "Bestätigen")
	for i := range 5 {
		if msg := u.fails("verify-email", "--code", fmt.Sprintf("%08d", 55_000_000+i)); !says(msg, "code_wrong", nil) {
			t.Fatalf("wrong code %d: %q", i, msg)
		}
	}
	if msg := u.fails("verify-email", "--code", first); !says(msg, "rate_limited_wait", nil) {
		t.Fatalf("the right code after 5 wrong ones: %q", msg)
	}
	second := u.resendCode()
	if msg := u.fails("verify-email", "--code", first); !says(msg, "code_wrong", nil) {
		t.Fatalf("the voided first code: %q", msg)
	}
	u.ok("verify-email", "--code", second)
}

// TestOwnerDeviceDuringAttackE2E: strangers who know only the e-mail
// address put the account into its back-off; the owner's confirmed device
// (its CLI keeps the device secret) logs in at once, a new installation
// waits like the strangers. On main the owner got 429 (up to 15 minutes).
func TestOwnerDeviceDuringAttackE2E(t *testing.T) {
	t.Parallel()
	// The back-off's first wait is a minute (default 2 s), so that a slow
	// machine stays within it.
	srv := startServer(t, "", []string{"--limit-login-delay", "1m"})
	u := newUser(t, srv, "olga@example.org")
	u.register(testKVNR)
	if u.state().DeviceSecret == "" {
		t.Fatal("registration left no device secret in the state file")
	}
	u.login()
	secret := u.state().DeviceSecret
	wrong := func(i int) answer {
		return post(t, from(i), srv.URL+"/api/v1/sessions", wire.LoginRequest{Email: u.Email, LoginSecret: make([]byte, 32), TOTP: "123456",
			DeviceID: "stranger-0001", DeviceName: "Fremd"})
	}
	// 5 in a row: the next must wait a minute.
	for i := range 5 {
		if a := wrong(i); a.status != http.StatusUnauthorized {
			t.Fatalf("stranger's attempt %d: %d %s", i+1, a.status, a.body)
		}
	}
	attacked := time.Now()
	if a := wrong(20); a.status != http.StatusTooManyRequests {
		t.Fatalf("stranger during the back-off: %d %s", a.status, a.body)
	}
	u.login()
	if u.state().DeviceSecret == secret {
		t.Error("the login did not replace the device secret")
	}
	if msg := u.device().fails("login", "--email", u.Email, "--totp", u.peekCode()); !says(msg, "rate_limited_wait", nil) {
		t.Fatalf("a new installation during the back-off: %q", msg)
	}
	if d := time.Since(attacked); d > time.Minute {
		t.Fatalf("the checks took %v, longer than the back-off", d)
	}
}

// resendCode asks for a new confirmation code and returns it.
func (u *user) resendCode() string {
	u.t.Helper()
	next := u.srv.nextMail(u.Email, "Bestätigen")
	u.ok("verify-email", "--resend")
	code, err := next().Code()
	if err != nil {
		u.t.Fatal(err)
	}
	return code
}

// registration returns a valid registration body for email (the keys of
// one client, made once per test).
func registration(t *testing.T) func(email string) wire.RegisterRequest {
	m, err := core.NewMaterial("Lindenblüte-Morgentau-42", core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	// Each registration names its own record id (record ids are unique);
	// the server does not read the keys bound to the id.
	return func(email string) wire.RegisterRequest {
		rec := *m.Record
		rec.RecordID = strings.ToLower(rand.Text())
		return wire.RegisterRequest{Email: email, KVNR: testKVNR, BirthDate: "1980-04-01", KDF: m.KDF, LoginSecret: m.LoginSecret,
			RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: "device-0001", DeviceName: "Test", Record: &rec, Consents: shippedConsents(), Via: "cli"}
	}
}

// settledMails waits until the count of mails to addr stops growing and
// returns it.
func (s *server) settledMails(addr, subj string) int {
	n := s.mails(addr, subj)
	for stable := 0; stable < 10; stable++ {
		time.Sleep(50 * time.Millisecond)
		if m := s.mails(addr, subj); m != n {
			n, stable = m, 0
		}
	}
	return n
}

// TestRegistrationLimitsE2E: 100 registrations at once from one client
// address are cut at its limit (10 an hour) and mail no more; 100 from as
// many addresses to one mailbox (victim+N@) mail it at most 5 times. On
// main: all accepted, each mailed.
func TestRegistrationLimitsE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	body := registration(t)
	as := parallel(100, func(i int) answer {
		return post(t, from(0), srv.URL+"/api/v1/accounts", body(fmt.Sprintf("reg%d@example.org", i)))
	})
	got := tally(t, as)
	if got[http.StatusCreated] != 10 || got[http.StatusTooManyRequests] != 90 {
		t.Fatalf("100 registrations from one address: %v, want 10 accepted and 90 refused", got)
	}
	if n := srv.settledMails("@example.org", "Bestätigen"); n != 10 {
		t.Fatalf("%d confirmation mails for 10 registrations", n)
	}

	as = parallel(100, func(i int) answer {
		return post(t, from(1+i), srv.URL+"/api/v1/accounts", body(fmt.Sprintf("opfer+%d@example.org", i)))
	})
	got = tally(t, as)
	n := srv.settledMails("opfer", "")
	t.Logf("100 registrations for one mailbox from 100 addresses: %v, %d mails", got, n)
	if got[http.StatusCreated] > 5 || got[http.StatusCreated]+got[http.StatusTooManyRequests] != 100 || n != got[http.StatusCreated] {
		t.Fatalf("%v and %d mails, want at most 5 accepted and mailed", got, n)
	}
}

// TestEnumerationPairs: registration, confirmation, resend, reset start
// and completion and recovery answer a known (confirmed) and an unknown
// e-mail address alike: status and body (for the registration: its
// shape), and medians of 30 tries within 20 %. The limits are lifted, so
// that the paths' own work is compared. Not parallel: it measures time.
func TestEnumerationPairs(t *testing.T) {
	srv := startServer(t, "", []string{"--limit-register-addr", "0", "--limit-register-server", "0", "--limit-mail-recipient", "0"},
		"AKTE_LIMIT_ANON_ADDR=0", "AKTE_LIMIT_CODE_ATTEMPTS=0", "AKTE_LIMIT_LOGIN_FREE=100000")
	u := newUser(t, srv, "bekannt@example.org")
	u.register(testKVNR)
	reg := registration(t)
	m, err := core.NewMaterial("Egal-Welches-Passwort-4711", core.DefaultKDF())
	if err != nil {
		t.Fatal(err)
	}
	reset := func(email string) any {
		return wire.ResetCompleteRequest{Email: email, Code: "12345678", TOTP: "123456", AcknowledgeDataLoss: true, KDF: m.KDF, LoginSecret: m.LoginSecret,
			RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: m.Record}
	}
	c := from(7)
	pairs := []struct {
		name, path string
		body       func(email string) any
		status     int
	}{
		{"register", "/api/v1/accounts", func(e string) any { return reg(e) }, http.StatusCreated},
		{"confirm", "/api/v1/accounts/confirm", func(e string) any { return wire.ConfirmRequest{Email: e, Code: "12345678"} }, http.StatusBadRequest},
		{"resend", "/api/v1/accounts/confirm/resend", func(e string) any { return wire.EmailRequest{Email: e} }, http.StatusAccepted},
		{"reset start", "/api/v1/password/reset", func(e string) any { return wire.EmailRequest{Email: e} }, http.StatusAccepted},
		{"reset complete", "/api/v1/password/reset/complete", reset, http.StatusBadRequest},
		{"recover", "/api/v1/password/recover", func(e string) any {
			return wire.RecoverRequest{Email: e, RecoveryVerifier: make([]byte, 32), TOTP: "123456"}
		}, http.StatusUnauthorized},
	}
	// A round is 30 tries of each address; the medians must be within
	// 20 % in one of up to 5 rounds: the machine is shared (CI runs the
	// other packages' tests beside this one), and a burst of other work can
	// skew a round or three, but not a difference in the work itself,
	// which shows in every round.
	registrations := 0
	for _, p := range pairs {
		for round := 1; ; round++ {
			var known, unknown []time.Duration
			for i := range 30 {
				// One unknown address, asked as often as the known one (a
				// registration makes it known, so that one needs a new one
				// each time).
				other := "unbekannt@example.org"
				if p.name == "register" {
					other = fmt.Sprintf("unbekannt-%d@example.org", registrations)
					registrations++
				}
				// Alternate the order, so that work left behind by one
				// request (a mail sent after the answer) slows both alike.
				order := []string{u.Email, other}
				if i%2 == 1 {
					slices.Reverse(order)
				}
				as := map[string]answer{}
				for _, e := range order {
					as[e] = post(t, c, srv.URL+p.path, p.body(e))
				}
				k, x := as[u.Email], as[other]
				if k.status != p.status || x.status != p.status {
					t.Fatalf("%s: known %d %s, unknown %d %s, want %d", p.name, k.status, k.body, x.status, x.body, p.status)
				}
				if p.name == "register" {
					if sk, sx := shape(t, k.body), shape(t, x.body); sk != sx {
						t.Fatalf("register: known answers %s, unknown %s", sk, sx)
					}
				} else if k.body != x.body {
					t.Fatalf("%s: known answers %s, unknown %s", p.name, k.body, x.body)
				}
				known, unknown = append(known, k.took), append(unknown, x.took)
			}
			mk, mu := median(known), median(unknown)
			ratio := float64(max(mk, mu)) / float64(min(mk, mu))
			t.Logf("%-15s known %v, unknown %v (median of 30; ratio %.2f)", p.name, mk.Round(10*time.Microsecond), mu.Round(10*time.Microsecond), ratio)
			if ratio <= 1.2 {
				break
			}
			if round == 5 {
				t.Errorf("%s: medians %v (known) and %v (unknown) differ by more than 20 %% in 5 rounds", p.name, mk, mu)
				break
			}
		}
	}
	if n := srv.settledMails(u.Email, "Registrierung mit Ihrer E-Mail-Adresse"); n != registrations {
		t.Errorf("the holder got %d notices of %d registration attempts", n, registrations)
	}
}

// shape describes a JSON object by its keys and the lengths of its values
// (the TOTP URI names the address, so only its start counts).
func shape(t *testing.T, body string) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	var parts []string
	for k, v := range m {
		if k == "totp_uri" {
			parts = append(parts, fmt.Sprintf("%s:%v", k, strings.HasPrefix(v, "otpauth://totp/Akte:") && strings.Contains(v, "secret=")))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s:%d", k, len(v)))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// TestKVNRReleaseE2E: a registration with a KVNR that a confirmed account
// holds is answered like any other (no oracle); its confirmation is
// refused; the operator releases the KVNR (recorded in the holder's
// protocol), and the confirmation succeeds.
func TestKVNRReleaseE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	holder := newUser(t, srv, "halter@example.org")
	holder.register(testKVNR)
	owner := newUser(t, srv, "eigentuemer@example.org")
	owner.registerUnconfirmed(testKVNR)
	code := srv.mailCode(owner.Email, "Bestätigen")
	if msg := owner.fails("verify-email", "--code", code); !says(msg, "kvnr_taken", nil) {
		t.Fatalf("confirmation with a held KVNR: %q", msg)
	}
	admin := holder.device()
	var rel struct {
		KVNR         string `json:"kvnr"`
		ReleasedFrom string `json:"released_from"`
	}
	admin.okJSON(&rel, append([]string{"admin", "kvnr", "release", testKVNR}, append(srv.adminArgs(), "--operator", "erika")...)...)
	if rel.KVNR != testKVNR || rel.ReleasedFrom != holder.Account {
		t.Fatalf("release: %+v", rel)
	}
	if msg := admin.fails(append([]string{"admin", "kvnr", "release", testKVNR}, srv.adminArgs()...)...); !says(msg, "kvnr_not_held", nil) {
		t.Fatalf("second release: %q", msg)
	}
	owner.ok("verify-email", "--code", owner.resendCode())
	owner.login()
	var who struct {
		KVNR string `json:"kvnr"`
	}
	owner.okJSON(&who, "whoami")
	if who.KVNR != testKVNR {
		t.Fatalf("owner's KVNR %q", who.KVNR)
	}
	holder.login()
	var events []struct {
		Operation string `json:"operation"`
		ActorID   string `json:"actor_id"`
	}
	getJSON(t, srv.URL+"/api/v1/account/events", holder.state().Token, &events)
	if !slices.ContainsFunc(events, func(e struct {
		Operation string `json:"operation"`
		ActorID   string `json:"actor_id"`
	}) bool {
		return e.Operation == "admin.kvnr_release" && e.ActorID == "operator:erika"
	}) {
		t.Fatalf("no operator event in the holder's protocol: %+v", events)
	}
}

// TestLimitsAcrossReplicas: the counters live in the database, so the
// limits hold for replicas sharing it (PostgreSQL): 100 TOTP guesses
// spread over two replicas check at most 5, and 20 registrations from one
// address spread over both are cut at 10.
func TestLimitsAcrossReplicas(t *testing.T) {
	t.Parallel()
	r := newRemote(t)
	outbox := t.TempDir()
	replicas := []*server{startReplica(t, r, outbox), startReplica(t, r, outbox)}
	u := newUser(t, replicas[0], "rita@example.org")
	u.register(testKVNR)
	u.login()
	checked, refused := guessTOTP(t, u, replicas, 100)
	u.srv = replicas[1]
	u.login()
	events := u.failedEvents()["session.login/wrong_totp"]
	t.Logf("100 guesses over 2 replicas: %d checked, %d refused; %d wrong_totp events", checked, refused, events)
	if checked > 5 || events != checked {
		t.Fatalf("%d codes checked (%d events) over two replicas, want at most 5", checked, events)
	}

	body := registration(t)
	as := parallel(20, func(i int) answer {
		return post(t, from(0), replicas[i%2].URL+"/api/v1/accounts", body(fmt.Sprintf("replik%d@example.org", i)))
	})
	if got := tally(t, as); got[http.StatusCreated] != 10 || got[http.StatusTooManyRequests] != 10 {
		t.Fatalf("20 registrations from one address over two replicas: %v, want 10 accepted", got)
	}
}

// shippedConsents agree to the required texts as shipped (in German), as
// a client that showed them sends (decision 0044).
func shippedConsents() []wire.ConsentAnswer {
	ct, err := service.LoadConsentTexts("")
	if err != nil {
		panic(err)
	}
	var out []wire.ConsentAnswer
	for _, a := range ct.RequiredAnswers("de") {
		out = append(out, wire.ConsentAnswer{Text: a.Text, Version: a.Version, Lang: a.Lang, Hash: a.Hash})
	}
	return out
}
