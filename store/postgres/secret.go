package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Secret returns the secret stored under name, storing value first if there
// is none. An INSERT that meets a concurrent one waits for it to commit and
// then does nothing; the SELECT after it, with a new snapshot, reads the
// winner's value, so every caller sees the first writer's value.
func (s *Store) Secret(ctx context.Context, name string, value []byte) ([]byte, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var got []byte
	err := s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx,
			`INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, blob(value))
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&got)
	})
	if err != nil {
		return nil, wrap("postgres.Secret", err)
	}
	return got, nil
}
