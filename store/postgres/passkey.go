package postgres

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const passkeyColumns = `account_id, id, credential_id, name, credential, sign_count, created_at, last_used_at`

func scanPasskey(s scanner) (*akte.Passkey, error) {
	var p akte.Passkey
	var count int64
	if err := s.Scan(&p.AccountID, &p.ID, &p.CredentialID, &p.Name, &p.Credential, &count, &p.CreatedAt, &p.LastUsedAt); err != nil {
		return nil, err
	}
	p.SignCount, p.CreatedAt, p.LastUsedAt = uint32(count), p.CreatedAt.UTC(), utc(p.LastUsedAt)
	return &p, nil
}

// exec runs a statement that must change a row; KindNotFound when it
// changes none.
func (s *Store) exec(ctx context.Context, op, query string, args ...any) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, query, args...))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// CreatePasskey inserts a passkey of an existing account.
func (s *Store) CreatePasskey(ctx context.Context, p *akte.Passkey) error {
	return s.exec(ctx, "postgres.CreatePasskey", `INSERT INTO passkeys (`+passkeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		p.AccountID, p.ID, blob(p.CredentialID), p.Name, blob(p.Credential), int64(p.SignCount), ts(p.CreatedAt), nullTS(p.LastUsedAt))
}

// Passkeys lists an account's passkeys by creation time.
func (s *Store) Passkeys(ctx context.Context, account akte.AccountID) ([]*akte.Passkey, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ps, err := list(ctx, s.pool, scanPasskey,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE account_id = $1 ORDER BY created_at, seq`, account)
	return ps, wrap("postgres.Passkeys", err)
}

// UsePasskey sets the passkey's signature counter and last use.
func (s *Store) UsePasskey(ctx context.Context, account akte.AccountID, id string, signCount uint32, at time.Time) error {
	return s.exec(ctx, "postgres.UsePasskey", `UPDATE passkeys SET sign_count = $1, last_used_at = $2 WHERE account_id = $3 AND id = $4`,
		int64(signCount), ts(at), account, id)
}

// DeletePasskey removes one passkey of an account.
func (s *Store) DeletePasskey(ctx context.Context, account akte.AccountID, id string) error {
	return s.exec(ctx, "postgres.DeletePasskey", `DELETE FROM passkeys WHERE account_id = $1 AND id = $2`, account, id)
}

// CreatePasskeyChallenge stores an issued challenge.
func (s *Store) CreatePasskeyChallenge(ctx context.Context, c *akte.PasskeyChallenge) error {
	return s.exec(ctx, "postgres.CreatePasskeyChallenge", `INSERT INTO passkey_challenges
		(hash, purpose, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		blob(c.Hash), c.Purpose, c.AccountID, ts(c.CreatedAt), ts(c.ExpiresAt))
}

// TakePasskeyChallenge deletes the challenge and returns it; the DELETE
// decides, so of concurrent takes one gets it.
func (s *Store) TakePasskeyChallenge(ctx context.Context, purpose string, hash []byte) (*akte.PasskeyChallenge, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var c akte.PasskeyChallenge
	err := s.pool.QueryRow(ctx, `DELETE FROM passkey_challenges WHERE hash = $1 AND purpose = $2
		RETURNING hash, purpose, account_id, created_at, expires_at`, blob(hash), purpose).
		Scan(&c.Hash, &c.Purpose, &c.AccountID, &c.CreatedAt, &c.ExpiresAt)
	if err != nil {
		return nil, wrap("postgres.TakePasskeyChallenge", err)
	}
	c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
	return &c, nil
}

// DeletePasskeyChallengesBefore removes challenges that expired before t.
func (s *Store) DeletePasskeyChallengesBefore(ctx context.Context, t time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM passkey_challenges WHERE expires_at < $1`, ts(t)))
	return n, wrap("postgres.DeletePasskeyChallengesBefore", err)
}
