package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

type usageRow struct {
	AccountID    string  `json:"account_id"`
	RegisteredAt string  `json:"registered_at"`
	Insurer      string  `json:"insurer"`
	TerminatedAt *string `json:"terminated_at"`
	Quarters     []struct {
		Quarter    string `json:"quarter"`
		LastAccess string `json:"last_access"`
	} `json:"quarters"`
}

// TestUsageDataE2E: `akte admin usage` shows each account's registration
// and last access per quarter; a terminated account's usage data outlive
// it with the end recorded and go 15 months later; an account never
// confirmed leaves none; quarters older than the last five go (the
// server's clock moved through AKTE_TEST_CLOCK_FILE).
func TestUsageDataE2E(t *testing.T) {
	t.Parallel()
	clock := filepath.Join(t.TempDir(), "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	srv := startServer(t, "", nil, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=24000h", "AKTE_SESSION_MAX=24000h")
	ks := kvnrs(2)
	alice, bob, carol := newUser(t, srv, "alice@example.org"), newUser(t, srv, "bob@example.org"), newUser(t, srv, "carol@example.org")
	alice.register(testKVNR)
	alice.login()
	bob.register(ks[0])
	bob.login()
	carol.registerUnconfirmed(ks[1])
	usage := func() map[string]usageRow {
		t.Helper()
		var rows []usageRow
		alice.okJSON(&rows, append([]string{"admin", "usage"}, srv.adminArgs()...)...)
		m := map[string]usageRow{}
		for _, r := range rows {
			m[r.AccountID] = r
		}
		return m
	}
	// waitUsage polls until ok holds of the usage data (the jobs run on
	// their own schedule).
	waitUsage := func(what string, ok func(map[string]usageRow) bool) map[string]usageRow {
		t.Helper()
		for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(300 * time.Millisecond) {
			u := usage()
			if ok(u) {
				return u
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: usage data %+v", what, u)
			}
		}
	}
	u := usage()
	a := u[alice.Account]
	if a.RegisteredAt == "" || a.TerminatedAt != nil || len(a.Quarters) != 1 || a.Quarters[0].Quarter == "" {
		t.Fatalf("alice after login: %+v", a)
	}
	firstQuarter := a.Quarters[0].Quarter
	if _, ok := u[carol.Account]; !ok {
		t.Fatalf("carol (registered, unconfirmed) has no usage data: %+v", u)
	}

	alice.ok("account", "terminate", "--yes")
	setClock(28*24*time.Hour + time.Hour)
	u = waitUsage("after alice's grace and carol's 28 days unconfirmed", func(u map[string]usageRow) bool {
		_, carolLeft := u[carol.Account]
		return u[alice.Account].TerminatedAt != nil && !carolLeft
	})
	if len(u[alice.Account].Quarters) != 1 {
		t.Errorf("alice's quarters after her account went: %+v", u[alice.Account])
	}

	// 15 months and a day after alice's end: her usage data are gone; bob,
	// back at that time, keeps only the quarters of the last five.
	setClock(28*24*time.Hour + 15*31*24*time.Hour)
	// The session key's signed time lies months from the server's: the
	// session's token alone (its idle time is long enough).
	if _, errs, code := bob.run("", []string{"AKTE_SESSION="}, "ls"); code != 0 {
		t.Fatalf("bob's ls months later: %s", errs)
	}
	u = waitUsage("15 months after alice's end", func(u map[string]usageRow) bool {
		_, aliceLeft := u[alice.Account]
		return !aliceLeft
	})
	b := u[bob.Account]
	if len(b.Quarters) != 1 || b.Quarters[0].Quarter == firstQuarter || slices.ContainsFunc(b.Quarters, func(q struct {
		Quarter    string `json:"quarter"`
		LastAccess string `json:"last_access"`
	}) bool {
		return q.Quarter == firstQuarter
	}) {
		t.Errorf("bob's quarters: %+v, want only the latest (the first, %s, is older than five quarters)", b.Quarters, firstQuarter)
	}
}
