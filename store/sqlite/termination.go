package sqlite

import (
	"context"

	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
)

const terminationColumns = `account_id, requested_at, delete_at, notices, withdrawal`

func scanTermination(r *row) *akte.Termination {
	return &akte.Termination{AccountID: akte.AccountID(r.text()), RequestedAt: r.time(), DeleteAt: r.time(), Notices: int(r.int64()), Withdrawal: r.int64() != 0}
}

// SetTermination records the account's notice, replacing an earlier one.
func (s *Store) SetTermination(ctx context.Context, t *akte.Termination) error {
	_, err := s.changes(ctx, "sqlite.SetTermination", `INSERT INTO terminations (`+terminationColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET requested_at = excluded.requested_at, delete_at = excluded.delete_at, notices = excluded.notices,
		withdrawal = excluded.withdrawal`,
		t.AccountID, micros(t.RequestedAt), micros(t.DeleteAt), t.Notices, boolInt(t.Withdrawal))
	return err
}

// Termination returns the account's notice.
func (s *Store) Termination(ctx context.Context, account akte.AccountID) (*akte.Termination, error) {
	var t *akte.Termination
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+terminationColumns+` FROM terminations WHERE account_id = ?`, []any{account}, func(r *row) { t = scanTermination(r) })
	})
	return t, wrap("sqlite.Termination", err)
}

// Terminations lists every notice by its deletion time.
func (s *Store) Terminations(ctx context.Context) ([]*akte.Termination, error) {
	ts, err := list(ctx, s, scanTermination, `SELECT `+terminationColumns+` FROM terminations ORDER BY delete_at, account_id`)
	return ts, wrap("sqlite.Terminations", err)
}

// DeleteTermination takes the account's notice back.
func (s *Store) DeleteTermination(ctx context.Context, account akte.AccountID) error {
	return s.update(ctx, "sqlite.DeleteTermination", `DELETE FROM terminations WHERE account_id = ?`, account)
}

// SetTerminationNotices records that the reminders up to n were sent, if
// fewer were before (of two rounds at once, one sends).
func (s *Store) SetTerminationNotices(ctx context.Context, account akte.AccountID, n int) (bool, error) {
	k, err := s.changes(ctx, "sqlite.SetTerminationNotices", `UPDATE terminations SET notices = ? WHERE account_id = ? AND notices < ?`, n, account, n)
	return k > 0, err
}

// Scrub makes what was deleted unreadable from the files: secure_delete
// zeroed it in the database's pages; the WAL still holds the pages as they
// were, so it is checkpointed and truncated.
func (s *Store) Scrub(ctx context.Context) error {
	return wrap("sqlite.Scrub", s.write(ctx, func(c *conn) error {
		return sqlitex.ExecuteTransient(c.Conn, "PRAGMA wal_checkpoint(TRUNCATE)", nil)
	}))
}

// Backup writes a consistent copy of the database to path, which must not
// exist (VACUUM INTO, on a read connection: the server's writers go on
// meanwhile).
func (s *Store) Backup(ctx context.Context, path string) error {
	return wrap("sqlite.Backup", s.read(ctx, func(c *conn) error {
		return sqlitex.Execute(c.Conn, "VACUUM INTO ?", &sqlitex.ExecOptions{Args: []any{path}})
	}))
}
