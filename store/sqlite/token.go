package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/akte/akte"
)

const tokenColumns = `hash, purpose, account_id, device_id, created_at, expires_at, used_at`

func scanToken(s scanner) (*akte.Token, error) {
	var (
		t                akte.Token
		created, expires int64
		used             sql.NullInt64
	)
	err := s.Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.DeviceID, &created, &expires, &used)
	if err != nil {
		return nil, err
	}
	t.CreatedAt = fromMicros(created)
	t.ExpiresAt = fromMicros(expires)
	t.UsedAt = ptrMicros(used)
	return &t, nil
}

// CreateToken inserts a single-use token of an existing account and
// deletes the account's other tokens of the same purpose and device, in one
// transaction (one live code per purpose).
func (s *Store) CreateToken(ctx context.Context, t *akte.Token) error {
	const op = "sqlite.CreateToken"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE account_id = ? AND purpose = ? AND device_id = ?`,
			t.AccountID, t.Purpose, t.DeviceID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			blob(t.Hash), t.Purpose, t.AccountID, t.DeviceID,
			micros(t.CreatedAt), micros(t.ExpiresAt), nullMicros(t.UsedAt))
		return err
	})
	switch kindOf(err) {
	case akte.KindConflict:
		return akte.E(op, akte.KindConflict, "", err)
	case akte.KindNotFound:
		return akte.E(op, akte.KindNotFound, "", err)
	}
	return wrap(op, err)
}

// Token returns the token with the hash and purpose.
func (s *Store) Token(ctx context.Context, purpose akte.TokenPurpose, hash []byte) (*akte.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE hash = ? AND purpose = ?`, blob(hash), purpose))
	if err != nil {
		return nil, wrap("sqlite.Token", err)
	}
	return t, nil
}

// LatestToken returns the account's newest token for the purpose.
func (s *Store) LatestToken(ctx context.Context, account akte.AccountID, purpose akte.TokenPurpose) (*akte.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE account_id = ? AND purpose = ?
		ORDER BY created_at DESC, rowid DESC LIMIT 1`, account, purpose))
	if err != nil {
		return nil, wrap("sqlite.LatestToken", err)
	}
	return t, nil
}

// UseToken marks the token used. The "not used yet" test is part of the
// UPDATE, so of two concurrent uses only one succeeds.
func (s *Store) UseToken(ctx context.Context, hash []byte, at time.Time) error {
	const op = "sqlite.UseToken"
	return wrap(op, s.tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx,
			`UPDATE tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, micros(at), blob(hash)))
		if err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM tokens WHERE hash = ?`, blob(hash)).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return notFound(op)
		case err != nil:
			return err
		}
		return akte.E(op, akte.KindConflict, "", nil)
	}))
}

// DeleteTokensBefore removes tokens that expired before t.
func (s *Store) DeleteTokensBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at < ?`, micros(t)))
	return n, wrap("sqlite.DeleteTokensBefore", err)
}
