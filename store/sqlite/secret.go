package sqlite

import "context"

// Secret returns the secret stored under name, storing value first if there
// is none. Insert-if-absent and read happen in one transaction, so every
// caller sees the first writer's value.
func (s *Store) Secret(ctx context.Context, name string, value []byte) ([]byte, error) {
	var got []byte
	err := s.tx(ctx, func(c *conn) error {
		if _, err := c.exec(`INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, value); err != nil {
			return err
		}
		return c.one(`SELECT value FROM secrets WHERE name = ?`, []any{name}, func(r *row) { got = r.blob() })
	})
	if err != nil {
		return nil, wrap("sqlite.Secret", err)
	}
	return got, nil
}
