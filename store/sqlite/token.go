package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const tokenColumns = `hash, purpose, account_id, device_id, created_at, expires_at, used_at`

func scanToken(r *row) *akte.Token {
	return &akte.Token{Hash: r.blob(), Purpose: akte.TokenPurpose(r.text()), AccountID: akte.AccountID(r.text()),
		DeviceID: akte.DeviceID(r.text()), CreatedAt: r.time(), ExpiresAt: r.time(), UsedAt: r.timePtr()}
}

// CreateToken inserts a single-use token of an existing account and
// deletes the account's other tokens of the same purpose and device, in one
// transaction (one live code per purpose).
func (s *Store) CreateToken(ctx context.Context, t *akte.Token) error {
	return wrap("sqlite.CreateToken", s.tx(ctx, func(c *conn) error {
		if _, err := c.exec(`DELETE FROM tokens WHERE account_id = ? AND purpose = ? AND device_id = ?`,
			t.AccountID, t.Purpose, t.DeviceID); err != nil {
			return err
		}
		_, err := c.exec(`INSERT INTO tokens (`+tokenColumns+`) VALUES (`+placeholders(7)+`)`,
			t.Hash, t.Purpose, t.AccountID, t.DeviceID,
			micros(t.CreatedAt), micros(t.ExpiresAt), nullMicros(t.UsedAt))
		return err
	}))
}

// token reads the first token a query finds.
func (s *Store) token(ctx context.Context, op, query string, args ...any) (*akte.Token, error) {
	var t *akte.Token
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+tokenColumns+` FROM tokens WHERE `+query, args, func(r *row) { t = scanToken(r) })
	})
	return t, wrap(op, err)
}

// Token returns the token with the hash and purpose.
func (s *Store) Token(ctx context.Context, purpose akte.TokenPurpose, hash []byte) (*akte.Token, error) {
	return s.token(ctx, "sqlite.Token", `hash = ? AND purpose = ?`, hash, purpose)
}

// LatestToken returns the account's newest token for the purpose.
func (s *Store) LatestToken(ctx context.Context, account akte.AccountID, purpose akte.TokenPurpose) (*akte.Token, error) {
	return s.token(ctx, "sqlite.LatestToken", `account_id = ? AND purpose = ?
		ORDER BY created_at DESC, rowid DESC LIMIT 1`, account, purpose)
}

// UseToken marks the token used. The "not used yet" test is part of the
// UPDATE, so of two concurrent uses only one succeeds.
func (s *Store) UseToken(ctx context.Context, hash []byte, at time.Time) error {
	const op = "sqlite.UseToken"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, micros(at), hash)
		if err != nil || n > 0 {
			return err
		}
		ok, err := c.exists(`SELECT 1 FROM tokens WHERE hash = ?`, hash)
		switch {
		case err != nil:
			return err
		case !ok:
			return notFound(op)
		}
		return akte.E(op, akte.KindConflict, "", nil)
	}))
}

// DeleteTokensBefore removes tokens that expired before t.
func (s *Store) DeleteTokensBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteTokensBefore", `DELETE FROM tokens WHERE expires_at < ?`, micros(t))
}
