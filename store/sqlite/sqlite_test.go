package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitemigration"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
	"github.com/akte/akte/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) akte.Store {
		return openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	})
}

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pragma reads a pragma's value as text.
func pragma(t *testing.T, c *sqlite.Conn, name string) string {
	t.Helper()
	var v string
	err := sqlitex.ExecuteTransient(c, "PRAGMA "+name, &sqlitex.ExecOptions{
		ResultFunc: func(st *sqlite.Stmt) error { v = st.ColumnText(0); return nil }})
	if err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

// takeAll takes every connection of a pool at once and puts them back
// when the test ends.
func takeAll(t *testing.T, p *sqlitex.Pool, n int) []*sqlite.Conn {
	t.Helper()
	var cs []*sqlite.Conn
	for range n {
		c, err := p.Take(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			p.Put(c)
		}
	})
	return cs
}

// TestPragmas checks the settings every connection must run with: WAL,
// synchronous=FULL and foreign keys for writes, a busy timeout for all,
// the file mapped for reads.
func TestPragmas(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	for _, c := range takeAll(t, s.rw, 1) {
		for name, want := range map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000", "secure_delete": "1"} {
			if got := pragma(t, c, name); got != want {
				t.Errorf("read-write connection: PRAGMA %s = %s, want %s", name, got, want)
			}
		}
	}
	for _, c := range takeAll(t, s.ro, maxReaders) {
		for name, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "10000", "mmap_size": "2147418112", "query_only": "0"} {
			if got := pragma(t, c, name); got != want {
				t.Errorf("read connection: PRAGMA %s = %s, want %s", name, got, want)
			}
		}
		err := sqlitex.ExecuteTransient(c, `DELETE FROM accounts`, nil)
		if sqlite.ErrCode(err).ToPrimary() != sqlite.ResultReadOnly {
			t.Errorf("write on a read connection: %v, want SQLITE_READONLY", err)
		}
	}
}

// TestReopen checks that an existing file keeps its data and that Open does
// not apply migrations twice; the path has characters that mean something
// in a URI.
func TestReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c d%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "akte 100%?x=1#y.db")
	s := openTest(t, path)
	a := &akte.Account{ID: "acc-1", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	s = openTest(t, path)
	if _, err := s.Account(t.Context(), a.ID); err != nil {
		t.Errorf("Account after reopen: %v", err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	c := takeAll(t, s.ro, 1)[0]
	if got, want := pragma(t, c, "user_version"), len(ms); got != itoa(want) {
		t.Errorf("user_version %s after reopen, want %d", got, want)
	}
	if got := pragma(t, c, "application_id"); got != itoa(appID) {
		t.Errorf("application_id %s, want %d", got, appID)
	}
}

// TestBeginImmediate checks that a transaction takes the write lock when
// it begins: another connection to the file cannot begin writing before
// the store's transaction has written anything.
func TestBeginImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "akte.db")
	s := openTest(t, path)
	other, err := sqlite.OpenConn(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.SetBusyTimeout(0)
	err = s.tx(t.Context(), func(*conn) error {
		err := sqlitex.ExecuteTransient(other, "BEGIN IMMEDIATE", nil)
		if sqlite.ErrCode(err).ToPrimary() != sqlite.ResultBusy {
			t.Errorf("BEGIN IMMEDIATE beside the store's transaction: %v, want SQLITE_BUSY", err)
		}
		if err == nil {
			sqlitex.ExecuteTransient(other, "ROLLBACK", nil)
		}
		return nil
	})
	if err != nil {
		t.Errorf("transaction: %v", err)
	}
	if err := sqlitex.ExecuteTransient(other, "BEGIN IMMEDIATE", nil); err != nil {
		t.Errorf("BEGIN IMMEDIATE after the store's transaction: %v", err)
	}
	sqlitex.ExecuteTransient(other, "ROLLBACK", nil)
}

// TestReads runs more reads at once than the pool has connections, while
// writes commit: every read sees a committed state, and a read that finds
// every connection taken waits for one, or fails as unavailable when its
// context ends first.
func TestReads(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	if err := s.write(t.Context(), func(c *conn) error {
		_, err := c.exec(`CREATE TABLE t (n INTEGER NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.changes(t.Context(), "insert", `INSERT INTO t (n) VALUES (?)`, i); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var readers sync.WaitGroup
	for range 4 * maxReaders {
		readers.Go(func() {
			last := int64(-1)
			for range 50 {
				var n, sum int64
				err := s.read(t.Context(), func(c *conn) error {
					return c.one(`SELECT count(*), coalesce(sum(n), 0) FROM t`, nil, func(r *row) { n, sum = r.int64(), r.int64() })
				})
				if err != nil {
					t.Error(err)
					return
				}
				// Rows 1..n, committed in order: a read sees a prefix.
				if sum != n*(n+1)/2 || n < last {
					t.Errorf("read count %d sum %d after count %d", n, sum, last)
					return
				}
				last = n
			}
		})
	}
	readers.Wait()
	close(stop)
	wg.Wait()

	held := takeAll(t, s.ro, maxReaders)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := s.Ping(ctx)
	if kindOf(err) != akte.KindUnavailable {
		t.Errorf("read with every connection taken: %v (%v), want KindUnavailable", err, kindOf(err))
	}
	done := make(chan error)
	go func() { done <- s.Ping(t.Context()) }()
	time.Sleep(20 * time.Millisecond)
	s.ro.Put(held[0])
	if err := <-done; err != nil {
		t.Errorf("read after a connection came back: %v", err)
	}
	c, err := s.ro.Take(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	held[0] = c
}

// TestClose checks that Close interrupts a read in progress, which fails
// as unavailable, and waits for it to end; reads after Close fail as
// unavailable too.
func TestClose(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "akte.db"))
	if err != nil {
		t.Fatal(err)
	}
	reading, release := make(chan struct{}), make(chan struct{})
	readErr := make(chan error)
	go func() {
		readErr <- s.read(t.Context(), func(c *conn) error {
			close(reading)
			<-release
			return c.one(`SELECT count(*) FROM accounts`, nil, func(*row) {})
		})
	}()
	<-reading
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned during a read (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-readErr; kindOf(err) != akte.KindUnavailable {
		t.Errorf("read during Close: %v (%v), want KindUnavailable", err, kindOf(err))
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := s.Account(t.Context(), "a1"); akte.KindOf(err) != akte.KindUnavailable {
		t.Errorf("Account after Close: %v, want KindUnavailable", err)
	}
}

// TestBind checks how arguments are bound: named string and integer types
// as text and integers, a nil slice as an empty blob (the blob columns are
// NOT NULL), nil as NULL; an unsupported type is an error.
func TestBind(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	for _, tt := range []struct {
		arg  any
		want string
	}{
		{"text", "text 'text'"},
		{akte.AccountID("acc"), "text 'acc'"},
		{int64(-1) << 40, "integer -1099511627776"},
		{3, "integer 3"},
		{uint32(4000000000), "integer 4000000000"},
		{uint8(255), "integer 255"},
		{true, "integer 1"},
		{[]byte{0, 0xff}, "blob X'00FF'"},
		{[]byte(nil), "blob X''"},
		{nil, "null NULL"},
	} {
		var got string
		err := s.read(t.Context(), func(c *conn) error {
			return c.one(`SELECT typeof(?1) || ' ' || quote(?1)`, []any{tt.arg}, func(r *row) { got = r.text() })
		})
		if err != nil || got != tt.want {
			t.Errorf("%#v bound as %s (%v), want %s", tt.arg, got, err, tt.want)
		}
	}
	err := s.read(t.Context(), func(c *conn) error { return c.one(`SELECT ?`, []any{struct{}{}}, func(*row) {}) })
	if err == nil {
		t.Error("struct argument: no error")
	}
	err = s.read(t.Context(), func(c *conn) error { return c.one(`SELECT ?, ?`, []any{1}, func(*row) {}) })
	if err == nil {
		t.Error("1 argument for 2 parameters: no error")
	}
}

// TestStatementsStayPrepared checks that running a statement again with
// other arguments does not compile it again. An authorizer is called
// whenever SQLite compiles a statement: it stays silent for the store's
// runs of the page query, and speaks when the same statement goes through
// zombiezen's Conn.Prepare, whose clearing of the bindings expires a
// statement with an index constraint on a parameter in this SQLite (built
// with STAT4).
func TestStatementsStayPrepared(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "akte.db"))
	q, args := itemsQuery("acc", "", akte.ItemCursor{CreatedAt: time.Unix(1, 0), ID: "x"})
	q += ` ORDER BY created_at, id LIMIT ?`
	err := s.read(t.Context(), func(c *conn) error {
		compiled := 0
		err := c.SetAuthorizer(sqlite.AuthorizeFunc(func(sqlite.Action) sqlite.AuthResult {
			compiled++
			return sqlite.AuthResultOK
		}))
		if err != nil {
			return err
		}
		defer c.SetAuthorizer(nil)
		run := func(account string) error {
			return c.query(q, append([]any{account}, append(args[1:], 100)...), func(*row) error { return nil })
		}
		if err := run("acc-0"); err != nil {
			return err
		}
		if compiled == 0 {
			t.Fatal("the authorizer was not called for the first run")
		}
		compiled = 0
		for _, a := range []string{"acc-1", "acc-2", "acc-3"} {
			if err := run(a); err != nil {
				return err
			}
		}
		if compiled != 0 {
			t.Errorf("the page query was compiled again (%d authorizer calls) in 3 runs", compiled)
		}
		st, err := c.Prepare(q) // zombiezen's cache: the same statement, its bindings cleared
		if err != nil {
			return err
		}
		for i, a := range append([]any{"acc-4"}, append(args[1:], 100)...) {
			bind(st, i+1, a)
		}
		_, err = st.Step()
		st.Reset()
		if compiled == 0 {
			t.Error("Conn.Prepare did not compile the statement again; the store's own statement cache may be unneeded")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigrations checks that every migration file reads, and how the
// goose annotations are read.
func TestMigrations(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		t.Fatalf("loadMigrations: %d, %v", len(ms), err)
	}
	up, err := gooseUp("-- comment\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (x);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n")
	if want := "CREATE TABLE a (x);\n"; err != nil || up != want {
		t.Errorf("gooseUp = %q, %v; want %q", up, err, want)
	}
	for _, src := range []string{"CREATE TABLE a (x);", "-- +goose Up\n-- +goose NO TRANSACTION\nCREATE TABLE a (x);"} {
		if _, err := gooseUp(src); err == nil {
			t.Errorf("gooseUp(%q): no error", src)
		}
	}
}

// schemaOf is the schema of a database file: every table, index and
// trigger but goose's table, by name.
func schemaOf(t *testing.T, c *sqlite.Conn) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := sqlitex.ExecuteTransient(c, `SELECT type || ' ' || name, coalesce(sql, '') FROM sqlite_master WHERE name <> 'goose_db_version'`,
		&sqlitex.ExecOptions{ResultFunc: func(st *sqlite.Stmt) error { m[st.ColumnText(0)] = st.ColumnText(1); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// oldDatabase builds, at path, the database the store made before it ran
// on zombiezen.com/go/sqlite: testdata/goose-NNNNN.sql is the dump (sqlite3
// .dump) of a file that the previous store (database/sql and goose) had
// migrated to version NNNNN and, at 00012, filled with an account, its
// record, device and session, two items, an event and a secret.
func oldDatabase(t *testing.T, path, dump string) *sqlite.Conn {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dump))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sqlite.OpenConn(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// ExecScript runs the script in a transaction of its own.
	script := strings.NewReplacer("BEGIN TRANSACTION;\n", "", "COMMIT;\n", "").Replace(string(b))
	if err := sqlitex.ExecScript(c, script); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMigrateFromGoose opens databases that the previous store created
// and migrated with goose: they are converted, migrated to the last
// version, end with the schema of a new database, and keep their data.
func TestMigrateFromGoose(t *testing.T) {
	fresh := openTest(t, filepath.Join(t.TempDir(), "new.db"))
	want := schemaOf(t, takeAll(t, fresh.ro, 1)[0])
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, dump := range []string{"goose-00011.sql", "goose-00012.sql"} {
		t.Run(dump, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "akte.db")
			old := oldDatabase(t, path, dump)
			if dump == "goose-00012.sql" {
				// The migrations up to 00012 make the old store's schema.
				if got := schemaOf(t, old); !equalSchemas(t, got, schemaUpTo(t, ms, 12)) {
					t.Error("the old store's schema at 00012 differs from a new database's at 00012")
				}
			}
			s := openTest(t, path)
			c := takeAll(t, s.ro, 1)[0]
			if got := schemaOf(t, c); !equalSchemas(t, got, want) {
				t.Error("schema after the migration differs from a new database's")
			}
			if got := pragma(t, c, "user_version"); got != itoa(len(ms)) {
				t.Errorf("user_version %s, want %d", got, len(ms))
			}
			var goose bool
			sqlitex.ExecuteTransient(c, `SELECT 1 FROM sqlite_master WHERE name = 'goose_db_version'`,
				&sqlitex.ExecOptions{ResultFunc: func(*sqlite.Stmt) error { goose = true; return nil }})
			if goose {
				t.Error("goose_db_version is still there")
			}
			if dump != "goose-00012.sql" {
				return
			}
			ctx := t.Context()
			x, a, d, _, err := s.SessionPrincipal(ctx, []byte("tokenhash-old"))
			if err != nil || x.ID != "ses-old" || a.Email != "old@example.org" || string(a.KDF.Salt) != "salt\x00\xff" || d.Name != "Laptop" ||
				a.ConfirmedAt == nil || !a.ConfirmedAt.Equal(time.Date(2026, 11, 20, 8, 0, 0, 123456000, time.UTC)) {
				t.Errorf("SessionPrincipal = %+v, %+v, %+v, %v", x, a, d, err)
			}
			// 00014-00016: no device secret yet, German mails, and the
			// confirmed account keeps its KVNR.
			if err == nil && (len(d.SecretHash) != 0 || a.Lang != "de" || a.KVNR != "A123456780") {
				t.Errorf("after 00014-00016: device secret %x, lang %q, KVNR %q; want none, de, A123456780", d.SecretHash, a.Lang, a.KVNR)
			}
			if id, err := s.ReleaseKVNR(ctx, "A123456780"); err != nil || id != "acc-old" {
				t.Errorf("ReleaseKVNR = %q, %v", id, err)
			}
			// 00013: attempts are counted in their own table.
			if _, ok, err := s.TakeAttempts(ctx, []string{"account:acc-old"}, func(c []akte.Attempts) ([]akte.Attempts, bool) {
				return []akte.Attempts{{N: c[0].N + 1, Start: time.Now()}}, true
			}); err != nil || !ok {
				t.Errorf("TakeAttempts: %v, %v", ok, err)
			}
			rec, err := s.Record(ctx, "acc-old")
			if err != nil || len(rec.CategoryKeys) != 1 || string(rec.CategoryKeys[0].KeyByRMK) != "k1" {
				t.Errorf("Record = %+v, %v", rec, err)
			}
			its, err := s.Items(ctx, "acc-old", "")
			if err != nil || len(its) != 2 || its[1].ID != "itemold000000000b" || string(its[0].MetaSealed) != "meta\x00\xff" {
				t.Errorf("Items = %v, %v", its, err)
			}
			es, err := s.Events(ctx, "acc-old", 10)
			if err != nil || len(es) != 1 || es[0].ClientAddr != "192.0.2.1" {
				t.Errorf("Events = %v, %v", es, err)
			}
			// 00019: the old event is pending in its account's log.
			if p, err := s.PendingEvents(ctx, 10); err != nil || len(p) != 1 || p[0].Log != "record/acc-old" || p[0].Index != -1 || p[0].Result != "ok" {
				t.Errorf("PendingEvents = %+v, %v", p, err)
			}
			// AUTOINCREMENT goes on after the old events.
			e := &akte.Event{Time: time.Now(), AccountID: "acc-old", Operation: "session.login"}
			if err := s.AddEvents(ctx, []*akte.Event{e}); err != nil || e.ID != 2 {
				t.Errorf("AddEvents: id %d, %v; want 2", e.ID, err)
			}
			if v, err := s.Secret(ctx, "links", []byte("other")); err != nil || string(v) != "secret" {
				t.Errorf("Secret = %q, %v", v, err)
			}
		})
	}

	t.Run("out of order", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "akte.db")
		old := oldDatabase(t, path, "goose-00012.sql")
		if err := sqlitex.ExecuteTransient(old, `DELETE FROM goose_db_version WHERE version_id = 10`, nil); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(t.Context(), path); err == nil {
			s.Close()
			t.Fatal("Open of a database with a gap in goose's versions: no error")
		}
		if got := schemaOf(t, old)["table goose_db_version"]; got != "" {
			t.Errorf("goose_db_version gone after a failed conversion")
		}
	})

	t.Run("foreign database", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		other, err := sqlite.OpenConn(path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if err := sqlitex.ExecuteTransient(other, `CREATE TABLE notes (x)`, nil); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(t.Context(), path); err == nil {
			s.Close()
			t.Fatal("Open of another application's database: no error")
		}
		if got := schemaOf(t, other); len(got) != 1 {
			t.Errorf("the other database has %d objects after Open, want 1: %v", len(got), got)
		}
	})
}

// schemaUpTo is the schema of a new database migrated up to version v.
func schemaUpTo(t *testing.T, ms []migration, v int64) map[string]string {
	t.Helper()
	c, err := sqlite.OpenConn(filepath.Join(t.TempDir(), "upto.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	schema := sqlitemigration.Schema{AppID: appID}
	for _, m := range ms {
		if m.version <= v {
			schema.Migrations = append(schema.Migrations, m.up)
		}
	}
	if err := sqlitemigration.Migrate(t.Context(), c, schema); err != nil {
		t.Fatal(err)
	}
	return schemaOf(t, c)
}

func equalSchemas(t *testing.T, got, want map[string]string) bool {
	t.Helper()
	ok := true
	for k, w := range want {
		if g, found := got[k]; !found || g != w {
			t.Errorf("%s: %q, want %q", k, g, w)
			ok = false
		}
	}
	for k := range got {
		if _, found := want[k]; !found {
			t.Errorf("%s: unexpected", k)
			ok = false
		}
	}
	return ok
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestFilesPrivate: the database and its -wal and -shm files are created
// 0600 under an open directory and without a umask, and an older
// installation's wider modes are narrowed on open.
func TestFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "akte.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %s has mode %#o, want 0600", when, filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	s := openTest(t, path)
	if _, err := s.changes(t.Context(), "test", "CREATE TABLE perm_check (a)"); err != nil {
		t.Fatal(err)
	}
	check("new database")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644)
	}
	s2 := openTest(t, path) // while the first is open, as a second process would
	check("reopened")
	s2.Close()
	s.Close()
}
