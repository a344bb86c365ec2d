package sqlite

import (
	"context"
	"database/sql"
)

// Secret returns the secret stored under name, storing value first if there
// is none. Insert-if-absent and read happen in one transaction, so every
// caller sees the first writer's value.
func (s *Store) Secret(ctx context.Context, name string, value []byte) ([]byte, error) {
	var got []byte
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, blob(value))
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&got)
	})
	if err != nil {
		return nil, wrap("sqlite.Secret", err)
	}
	return got, nil
}
