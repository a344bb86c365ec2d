package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const tokenColumns = `hash, purpose, account_id, device_id, created_at, expires_at, used_at`

func scanToken(s scanner) (*akte.Token, error) {
	var t akte.Token
	err := s.Scan(&t.Hash, &t.Purpose, &t.AccountID, &t.DeviceID, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt)
	if err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt = t.ExpiresAt.UTC()
	t.UsedAt = utc(t.UsedAt)
	return &t, nil
}

// CreateToken inserts a single-use token of an existing account and
// deletes the account's other tokens of the same purpose and device, in one
// transaction (one live code per purpose). It locks the account's row
// first, so that concurrent calls for one account run one after the other
// and the last leaves its token alone.
func (s *Store) CreateToken(ctx context.Context, t *akte.Token) error {
	const op = "postgres.CreateToken"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, t.AccountID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(op)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tokens WHERE account_id = $1 AND purpose = $2 AND device_id = $3`,
			t.AccountID, t.Purpose, t.DeviceID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			blob(t.Hash), t.Purpose, t.AccountID, t.DeviceID,
			ts(t.CreatedAt), ts(t.ExpiresAt), nullTS(t.UsedAt))
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	t, err := scanToken(s.pool.QueryRow(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE hash = $1 AND purpose = $2`, blob(hash), purpose))
	if err != nil {
		return nil, wrap("postgres.Token", err)
	}
	return t, nil
}

// LatestToken returns the account's newest token for the purpose.
func (s *Store) LatestToken(ctx context.Context, account akte.AccountID, purpose akte.TokenPurpose) (*akte.Token, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	t, err := scanToken(s.pool.QueryRow(ctx,
		`SELECT `+tokenColumns+` FROM tokens WHERE account_id = $1 AND purpose = $2
		ORDER BY created_at DESC, seq DESC LIMIT 1`, account, purpose))
	if err != nil {
		return nil, wrap("postgres.LatestToken", err)
	}
	return t, nil
}

// UseToken marks the token used. The "not used yet" test is part of the
// UPDATE, which a concurrent use waits for and then re-checks, so of two
// concurrent uses only one succeeds.
func (s *Store) UseToken(ctx context.Context, hash []byte, at time.Time) error {
	const op = "postgres.UseToken"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		n, err := affected(tx.Exec(ctx,
			`UPDATE tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`, ts(at), blob(hash)))
		if err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM tokens WHERE hash = $1`, blob(hash)).Scan(&one)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return notFound(op)
		case err != nil:
			return err
		}
		return akte.E(op, akte.KindConflict, "", nil)
	}))
}

// DeleteTokensBefore removes tokens that expired before t.
func (s *Store) DeleteTokensBefore(ctx context.Context, t time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM tokens WHERE expires_at < $1`, ts(t)))
	return n, wrap("postgres.DeleteTokensBefore", err)
}
