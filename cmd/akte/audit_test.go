package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/fhirschema"
	"github.com/akte/akte/internal/pdftest"
)

// sql runs statements on the server's database directly, as someone who
// holds it would: the SQLite file beside the running server, or its
// PostgreSQL database.
func (s *server) sql(stmts ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if s.remote != nil {
		c, err := pgx.Connect(ctx, s.remote.DB)
		if err != nil {
			s.t.Fatal(err)
		}
		defer c.Close(ctx)
		for _, q := range stmts {
			if _, err := c.Exec(ctx, q); err != nil {
				s.t.Fatalf("%s: %v", q, err)
			}
		}
		return
	}
	c, err := sqlite.OpenConn(filepath.Join(s.Data, "akte.db"), sqlite.OpenReadWrite)
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	c.SetBusyTimeout(30 * time.Second)
	for _, q := range stmts {
		if err := sqlitex.ExecuteTransient(c, q, nil); err != nil {
			s.t.Fatalf("%s: %v", q, err)
		}
	}
}

// kvnrs returns n valid KVNRs, different from testKVNR.
func kvnrs(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		for d := range 10 {
			k := fmt.Sprintf("T%08d%d", 10000000+i*7919, d)
			if akte.ValidKVNR(k) && k != testKVNR {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// TestAuditTamper: someone with the database edits, deletes and inserts
// event rows, and rolls the protocol back to an older copy; each time
// `akte audit verify` exits 1 and names what is wrong. (With
// AKTE_TEST_BACKEND=postgres-s3 the same on PostgreSQL.)
func TestAuditTamper(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	ks := kvnrs(5)
	patient := func(i int) (*user, string) {
		u := newUser(t, srv, fmt.Sprintf("tamper%d@example.org", i))
		u.register(ks[i])
		u.login()
		u.ok("audit", "verify")
		return u, "'record/" + u.Account + "'"
	}
	fails := func(u *user, what, reason string, params map[string]any) {
		t.Helper()
		out, errs, code := u.run("", nil, "audit", "verify")
		if code != 1 || !says(errs, reason, params) {
			t.Errorf("%s: audit verify exit %d, stderr %q, stdout %q; want exit 1 and %s %v", what, code, errs, out, reason, params)
		}
	}

	// A rollback first: it restores every audit table.
	u, _ := patient(0)
	const tables = "events audit_logs audit_hashes"
	var backup, restore []string
	for _, tb := range strings.Fields(tables) {
		backup = append(backup, fmt.Sprintf("CREATE TABLE bak_%s AS SELECT * FROM %s", tb, tb))
		over := ""
		if srv.remote != nil && tb == "events" {
			over = " OVERRIDING SYSTEM VALUE"
		}
		restore = append(restore, "DELETE FROM "+tb, fmt.Sprintf("INSERT INTO %s%s SELECT * FROM bak_%s", tb, over, tb))
	}
	srv.sql(backup...)
	u.ok("ls")
	u.ok("ls")
	u.ok("audit", "verify")
	srv.sql(restore...)
	fails(u, "rollback", "checkpoint_rollback", nil)

	u, log := patient(1)
	srv.sql("UPDATE events SET object = 'item:forged' WHERE log = " + log + " AND idx = 1")
	fails(u, "edit", "event_altered", map[string]any{"index": 1})

	u, log = patient(2)
	srv.sql("DELETE FROM events WHERE log = " + log + " AND idx = 2")
	fails(u, "delete", "event_missing", map[string]any{"index": 2})

	u, log = patient(3)
	srv.sql(`INSERT INTO events (log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
		device_id, client_addr, addr_salt, addr_commit, result, reason, class)
		SELECT log, idx + 1000, time, account_id, 'item.delete', 'DOC-04', 'item:forged', actor_id, actor_role, actor_name,
		device_id, client_addr, addr_salt, addr_commit, result, reason, class FROM events WHERE log = ` + log + " AND idx = 0")
	fails(u, "insert", "event_inserted", map[string]any{"index": 1000})

	// A row forged at the next index blocks the sequencer (the index is
	// taken); the protocol is still shown, and the row found out.
	u, log = patient(4)
	var size int
	for _, e := range u.auditRows() {
		size = max(size, int(e["index"].(float64))+1)
	}
	srv.sql(fmt.Sprintf(`INSERT INTO events (log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
		device_id, client_addr, addr_salt, addr_commit, result, reason, class)
		SELECT log, %d, time, account_id, 'item.delete', 'DOC-04', 'item:forged', actor_id, actor_role, actor_name,
		device_id, client_addr, addr_salt, addr_commit, result, reason, class FROM events WHERE log = %s AND idx = 0`, size, log))
	fails(u, "insert at the next index", "event_inserted", map[string]any{"index": size})
}

// auditRows is the verified protocol as `akte audit --json` prints it.
func (u *user) auditRows() []map[string]any {
	u.t.Helper()
	var rows []map[string]any
	u.okJSON(&rows, "audit")
	return rows
}

// TestAuditCLI: `akte audit` lists the verified protocol with the fields
// the issue names, filters by actor and day, exports it as PDF and as a
// FHIR Bundle, and pins the key an operator publishes.
func TestAuditCLI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	u := newUser(t, srv, "protokoll@example.org")
	u.register(testKVNR)
	u.login()
	var rows []map[string]any
	u.okJSON(&rows, "audit")
	ops := map[string]int{}
	for _, r := range rows {
		for _, f := range []string{"time", "operation", "code", "object", "actor_id", "actor_role", "result"} {
			if _, ok := r[f]; !ok {
				t.Errorf("row %v has no %s", r, f)
			}
		}
		ops[r["operation"].(string)]++
	}
	for _, op := range []string{"account.register", "account.confirm", "session.login", "audit.read"} {
		if ops[op] < 1 {
			t.Errorf("no %s in %v", op, ops)
		}
	}
	var mine, none []map[string]any
	u.okJSON(&mine, "audit", "--actor", u.Account)
	u.okJSON(&none, "audit", "--since", "2999-01-01")
	if len(mine) == 0 || len(none) != 0 {
		t.Errorf("--actor: %d rows, --since 2999: %d rows", len(mine), len(none))
	}
	var sessions, denied, before []map[string]any
	u.okJSON(&sessions, "audit", "--operation", "session")
	u.okJSON(&denied, "audit", "--result", "denied", "--until", "2999-01-01")
	u.okJSON(&before, "audit", "--until", "2000-01-01")
	for _, r := range sessions {
		if !strings.HasPrefix(r["operation"].(string), "session.") {
			t.Errorf("--operation session shows %v", r)
		}
	}
	if len(sessions) == 0 || len(denied) != 0 || len(before) != 0 {
		t.Errorf("--operation session: %d rows, --result denied: %d, --until 2000: %d", len(sessions), len(denied), len(before))
	}
	if out := u.fails("audit", "--result", "maybe"); !strings.Contains(out, "--result") {
		t.Errorf("--result maybe: %s", out)
	}
	if out := u.ok("audit"); !strings.Contains(out, "session.login") || !strings.Contains(out, "AUT-01") {
		t.Errorf("akte audit:\n%s", out)
	}

	dir := t.TempDir()
	u.ok("audit", "export", "--format", "pdf", "--out", filepath.Join(dir, "p.pdf"))
	pdf, err := os.ReadFile(filepath.Join(dir, "p.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pdftest.Pages(t, pdf, 40)) == 0 || !strings.Contains(pdftest.Text(t, pdf), "AUT-01") {
		t.Error("the PDF shows no page or no login")
	}
	u.ok("audit", "export", "--format", "fhir", "--out", filepath.Join(dir, "p.json"))
	bundle, err := os.ReadFile(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(bundle, []byte(`"AuditEvent"`)) {
		t.Errorf("FHIR export: %.200s", bundle)
	}
	if err := fhirschema.New(t).Validate(bundle); err != nil {
		t.Errorf("FHIR export does not validate: %v", err)
	}
	if msg := u.fails("audit", "export", "--format", "doc", "--out", filepath.Join(dir, "x")); !says(msg, "flag_invalid_value", nil) {
		t.Errorf("--format doc: %s", msg)
	}

	// The key the client pinned is the one the operator publishes.
	var v struct{ Key string }
	u.okJSON(&v, "audit", "verify")
	admin := newUser(t, srv, "")
	if got := strings.TrimSpace(admin.ok(append([]string{"admin", "audit-key", "--base-url", srv.URL}, srv.adminArgs()...)...)); got != v.Key {
		t.Errorf("akte admin audit-key = %q, pinned %q", got, v.Key)
	}
}
