package service_test

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/service"
)

// auditClient is a verifying client of one record's protocol: it keeps the
// pinned key and the last checkpoint it verified, as the CLI does.
type auditClient struct {
	key, last string
	log       string
}

// read fetches the page since the last checkpoint and verifies all of it.
func (c *auditClient) read(t *testing.T, e *env, p *service.Principal) (*audit.Verified, error) {
	t.Helper()
	since := int64(0)
	if c.last != "" {
		pk, err := audit.ParsePublicKey(c.key)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := pk.Open([]byte(c.last))
		if err != nil {
			t.Fatal(err)
		}
		since = cp.Size
	}
	b, err := e.svc.AuditPage(t.Context(), p, since)
	if err != nil {
		t.Fatalf("AuditPage: %v", err)
	}
	page, err := audit.ParsePage(b)
	if err != nil {
		t.Fatalf("ParsePage: %v", err)
	}
	v, err := audit.Verify(page, audit.Options{Key: c.key, Log: c.log, Last: c.last, Complete: true, KeepNewest: 50})
	if err != nil {
		return nil, err
	}
	c.key, c.last = v.Key, v.Signed
	return v, nil
}

func (c *auditClient) mustRead(t *testing.T, e *env, p *service.Principal) *audit.Verified {
	t.Helper()
	v, err := c.read(t, e, p)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return v
}

func countOps(es []audit.Event) map[audit.Operation]int {
	n := map[audit.Operation]int{}
	for _, e := range es {
		n[e.Operation]++
	}
	return n
}

// TestAuditPage: the record's protocol is read as a page that verifies,
// with the events of the account's life in order, each with its fields,
// and a later read extends the first.
func TestAuditPage(t *testing.T) {
	e := newEnv(t, testConfig())
	p, a := e.principal("audit@example.org", "A123456780")
	c := &auditClient{log: audit.RecordLog(string(a.id))}
	v := c.mustRead(t, e, p)
	ops := countOps(v.Events)
	for _, op := range []audit.Operation{audit.AccountRegister, audit.AccountConfirm, audit.SessionLogin, audit.AuditRead} {
		if ops[op] != 1 {
			t.Errorf("%s: %d events, want 1 (all: %v)", op, ops[op], ops)
		}
	}
	for _, ev := range v.Events {
		if ev.Code == "" || ev.Result != audit.ResultOK || ev.Time.IsZero() {
			t.Errorf("event %d: code %q, result %q, time %v", ev.Index, ev.Code, ev.Result, ev.Time)
		}
	}
	login := v.Events[len(v.Events)-2]
	if login.Operation != audit.SessionLogin || login.ActorID != string(a.id) || login.ActorRole != audit.RolePatient ||
		login.Device != "device-0001" || login.Addr != "192.0.2.1" || login.Code != "AUT-01" {
		t.Errorf("login event = %+v", login)
	}
	first := v.Checkpoint.Size

	// A refused attempt is the same operation, denied, with its reason.
	e.clk.Add(time.Minute)
	if _, err := e.login(a, "192.0.2.9", "device-0001", a.deviceSecret, e.wrongTOTP(a, 1)); err == nil {
		t.Fatal("login with a wrong code succeeded")
	}
	v = c.mustRead(t, e, p)
	if v.Checkpoint.Size <= first {
		t.Fatalf("size %d after %d", v.Checkpoint.Size, first)
	}
	var denied *audit.Event
	for i := range v.Events {
		if v.Events[i].Result == audit.ResultDenied {
			denied = &v.Events[i]
		}
	}
	if denied == nil || denied.Operation != audit.SessionLogin || denied.Reason != "wrong_totp" {
		t.Errorf("denied login = %+v", denied)
	}
	// The page always carries the key; it is the one the server gives out.
	k, err := e.svc.PublicAuditKey(t.Context(), service.Client{Addr: "192.0.2.1"})
	if err != nil || k != c.key {
		t.Errorf("PublicAuditKey = %q, %v; pinned %q", k, err, c.key)
	}
	if !strings.HasPrefix(k, "127.0.0.1:8080/audit+") {
		t.Errorf("key name of %q is not the host of the base URL", k)
	}
}

// TestAuditConcurrent: 32 concurrent reads, each recording its event and
// sequencing on demand, all verify, and every event is in the log once.
func TestAuditConcurrent(t *testing.T) {
	e := newEnv(t, testConfig())
	p, a := e.principal("busy@example.org", "A123456780")
	const n = 32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c := &auditClient{log: audit.RecordLog(string(a.id))}
			if _, err := c.read(t, e, p); err != nil {
				t.Errorf("concurrent read: %v", err)
			}
		})
	}
	wg.Wait()
	c := &auditClient{log: audit.RecordLog(string(a.id))}
	v := c.mustRead(t, e, p)
	if got := countOps(v.Events)[audit.AuditRead]; got != n+1 {
		t.Errorf("%d audit.read events, want %d", got, n+1)
	}
	for i, ev := range v.Events {
		if ev.Index != int64(i) || (i > 0 && ev.Time.Before(v.Events[i-1].Time)) {
			t.Errorf("event %d: index %d, time %v after %v", i, ev.Index, ev.Time, v.Events[max(i-1, 0)].Time)
		}
	}
}

// TestAuditUnavailable: an event that cannot be stored fails the
// operation as unavailable, and is noted for the HTTP layer
// (service.TrackAudit) where the operation itself carries on.
func TestAuditUnavailable(t *testing.T) {
	e := newEnv(t, testConfig())
	p, _ := e.principal("full@example.org", "A123456780")
	e.breakEvents()
	_, err := e.svc.AuditPage(t.Context(), p, 0)
	wantKind(t, "AuditPage without events", err, akte.KindUnavailable, "")

	ctx, failed := service.TrackAudit(t.Context(), "192.0.2.3")
	if err := e.svc.Logout(ctx, p, false); err != nil {
		t.Logf("logout: %v", err)
	}
	if failed() == nil {
		t.Error("the logout's lost event was not noted")
	}
}

// breakEvents makes every insert into events fail, as a full disk would,
// while the rest of the database works.
func (e *env) breakEvents() {
	e.t.Helper()
	c, err := sqlitex.NewPool(e.path, sqlitex.PoolOptions{PoolSize: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	conn, err := c.Take(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Put(conn)
	if err := sqlitex.ExecuteTransient(conn, `CREATE TRIGGER events_full BEFORE INSERT ON events BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`, nil); err != nil {
		e.t.Fatal(err)
	}
}

// TestAuditRetention runs the retention across two years with the
// injected clock: addresses are gone after 14 days, the entries of a year
// at the end of the next, the newest 50 stay, and both a client that kept
// its checkpoint from the first day and a new one still verify.
func TestAuditRetention(t *testing.T) {
	e := newEnv(t, testConfig())
	p, a := e.principal("old@example.org", "A123456780")
	log := audit.RecordLog(string(a.id))
	early := &auditClient{log: log}
	v := early.mustRead(t, e, p)
	if v.Events[0].Addr == "" {
		t.Fatal("the registration has no address")
	}
	// 70 more reads over the year (each is an event).
	for range 70 {
		e.clk.Add(4 * 24 * time.Hour)
		if _, err := e.svc.AuditPage(t.Context(), p, 0); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Add(15 * 24 * time.Hour)
	if err := e.svc.RunJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	es, err := e.store.LogEvents(t.Context(), log, 0, math.MaxInt64, 1000)
	if err != nil {
		t.Fatal(err)
	}
	cutoff := e.clk.Now().Add(-14 * 24 * time.Hour)
	withAddr := 0
	for _, ev := range es {
		if ev.Time.Before(cutoff) && (ev.ClientAddr != "" || ev.AddrSalt != nil) {
			t.Errorf("event %d of %v: address %q kept after 14 days", ev.Index, ev.Time, ev.ClientAddr)
		}
		if len(ev.AddrCommit) != 0 {
			withAddr++
		}
	}
	if withAddr == 0 {
		t.Error("no event kept its address commitment")
	}
	if v = early.mustRead(t, e, p); v.Events[0].Addr != "" {
		t.Errorf("verified event 0 still shows address %q", v.Events[0].Addr)
	}
	size := v.Checkpoint.Size
	if size < 75 {
		t.Fatalf("log of %d events, want more than 75", size)
	}

	// The first days of the year after next: 2026's entries expired.
	e.clk.Add(time.Date(2028, 1, 2, 0, 0, 0, 0, time.UTC).Sub(e.clk.Now()))
	if err := e.svc.RunJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	es, err = e.store.LogEvents(t.Context(), log, 0, math.MaxInt64, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 50 || es[0].Index != size-50 {
		t.Fatalf("after retention: %d events from index %d, want the newest 50 of %d", len(es), es[0].Index, size)
	}
	v = early.mustRead(t, e, p)
	if len(v.Events) != 51 || v.Events[0].Index != size-50 {
		t.Errorf("verified %d events from %d, want 51 from %d", len(v.Events), v.Events[0].Index, size-50)
	}
	fresh := &auditClient{log: log}
	fresh.mustRead(t, e, p)
}

// TestAuditPage10000 measures one record's protocol of 10,000 events: the
// server building the page with its proofs (SQLite, from the stored rows
// and hashes) and the client verifying it (audit.Verify). It prints the
// figures for docs/benchmarks.md. Run with AKTE_BENCH=1.
func TestAuditPage10000(t *testing.T) {
	if os.Getenv("AKTE_BENCH") == "" {
		t.Skip("set AKTE_BENCH=1 to run the 10,000-event protocol benchmark")
	}
	e := newEnv(t, testConfig())
	p, a := e.principal("tenthousand@example.org", "A123456780")
	es := make([]*akte.Event, 0, 1000)
	for i := range 10000 {
		es = append(es, &akte.Event{Log: audit.RecordLog(string(a.id)), AccountID: a.id, Time: e.clk.Now().Add(time.Duration(i) * time.Second),
			Operation: "item.download", Object: fmt.Sprintf("item:%016d", i), ActorID: string(a.id), ActorRole: "patient", DeviceID: "device-0001", Result: "ok"})
		if len(es) == cap(es) {
			if err := e.store.AddEvents(t.Context(), es); err != nil {
				t.Fatal(err)
			}
			es = es[:0]
		}
	}
	if _, err := e.svc.Sequence(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(4 * time.Hour)
	var server, client []time.Duration
	for range 5 {
		start := time.Now()
		b, err := e.svc.AuditPage(t.Context(), p, 0)
		if err != nil {
			t.Fatal(err)
		}
		server = append(server, time.Since(start))
		start = time.Now()
		page, err := audit.ParsePage(b)
		if err != nil {
			t.Fatal(err)
		}
		v, err := audit.Verify(page, audit.Options{Log: audit.RecordLog(string(a.id)), Complete: true, KeepNewest: 50})
		if err != nil {
			t.Fatal(err)
		}
		client = append(client, time.Since(start))
		if len(v.Events) < 10000 {
			t.Fatalf("verified %d events", len(v.Events))
		}
	}
	slices.Sort(server)
	slices.Sort(client)
	t.Logf("10,000 events: server builds the page in %v (median of 5, min %v), client parses and verifies in %v (min %v)",
		server[2].Round(time.Millisecond), server[0].Round(time.Millisecond), client[2].Round(time.Millisecond), client[0].Round(time.Millisecond))
}
