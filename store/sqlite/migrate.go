package sqlite

import (
	"context"
	"embed"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitemigration"
	"zombiezen.com/go/sqlite/sqlitex"
)

// The schema is migrated by zombiezen.com/go/sqlite/sqlitemigration: each
// migration runs once, in its own transaction, and the file's header keeps
// how many have run (PRAGMA user_version). The migrations are the files in
// migrations/, one per change, numbered like PostgreSQL's (which goose
// runs) and written in goose's format: what sqlitemigration runs is the
// part after "-- +goose Up", up to "-- +goose Down"; the Down part is not
// run. Databases that goose migrated, before the store ran on this
// library, are converted when opened (fromGoose).

//go:embed migrations/*.sql
var migrationFiles embed.FS

// appID marks the file as Akte's (PRAGMA application_id, "AKTE"):
// sqlitemigration refuses a database of another application instead of
// adding tables to it.
const appID = 0x414b5445

// migration is one file of migrations/.
type migration struct {
	version int64 // the number the name starts with
	up      string
}

// loadMigrations reads migrations/ in the order of the files' numbers.
func loadMigrations() ([]migration, error) {
	names, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range names {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must start with its number", e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		up, err := gooseUp(string(b))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, up: up})
	}
	slices.SortFunc(ms, func(a, b migration) int { return int(a.version - b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// gooseUp returns the Up part of a migration in goose's format.
func gooseUp(src string) (string, error) {
	var up strings.Builder
	part := ""
	for line := range strings.Lines(src) {
		if a, ok := strings.CutPrefix(strings.TrimSpace(line), "-- +goose "); ok {
			switch a = strings.TrimSpace(a); a {
			case "Up", "Down":
				part = a
			case "StatementBegin", "StatementEnd": // SQLite finds the statements' ends itself
			default:
				return "", fmt.Errorf("goose annotation %q is not supported", a)
			}
			continue
		}
		if part == "Up" {
			up.WriteString(line)
		}
	}
	if strings.TrimSpace(up.String()) == "" {
		return "", fmt.Errorf(`no "-- +goose Up" part`)
	}
	return up.String(), nil
}

// migrate applies the migrations not yet applied.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	schema := sqlitemigration.Schema{AppID: appID}
	for _, m := range ms {
		schema.Migrations = append(schema.Migrations, m.up)
	}
	return s.write(ctx, func(c *conn) error {
		if err := fromGoose(c.Conn, ms); err != nil {
			return fmt.Errorf("migrate from goose: %w", err)
		}
		if err := sqlitemigration.Migrate(ctx, c.Conn, schema); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return nil
	})
}

// fromGoose converts a database that goose migrated: goose recorded each
// applied version in a table goose_db_version, sqlitemigration keeps their
// count in user_version. In one transaction it sets user_version to the
// number of migrations goose applied (they must be the first ones of ms),
// sets the application id and drops goose's table. A database without
// that table is left as it is.
func fromGoose(c *sqlite.Conn, ms []migration) (err error) {
	end, err := sqlitex.ImmediateTransaction(c)
	if err != nil {
		return err
	}
	defer end(&err)
	var goose bool
	err = sqlitex.ExecuteTransient(c, `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`,
		&sqlitex.ExecOptions{ResultFunc: func(*sqlite.Stmt) error { goose = true; return nil }})
	if err != nil || !goose {
		return err
	}
	// A version is applied if its latest row says so (goose's older API
	// recorded a down migration as a row with is_applied false).
	var applied []int64
	err = sqlitex.ExecuteTransient(c, `SELECT version_id FROM goose_db_version g
		WHERE version_id > 0 AND is_applied
		AND id = (SELECT max(id) FROM goose_db_version WHERE version_id = g.version_id)
		ORDER BY version_id`,
		&sqlitex.ExecOptions{ResultFunc: func(st *sqlite.Stmt) error {
			applied = append(applied, st.ColumnInt64(0))
			return nil
		}})
	if err != nil {
		return err
	}
	for i, v := range applied {
		if i >= len(ms) || ms[i].version != v {
			return fmt.Errorf("goose applied versions %v, which are not the first of the migrations", applied)
		}
	}
	return sqlitex.ExecuteScript(c, fmt.Sprintf(`PRAGMA user_version = %d; PRAGMA application_id = %d;
		DROP TABLE goose_db_version;`, len(applied), appID), nil)
}
