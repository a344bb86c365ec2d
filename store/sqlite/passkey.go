package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const passkeyColumns = `account_id, id, credential_id, name, credential, sign_count, created_at, last_used_at`

func scanPasskey(r *row) *akte.Passkey {
	return &akte.Passkey{AccountID: akte.AccountID(r.text()), ID: r.text(), CredentialID: r.blob(), Name: r.text(),
		Credential: r.blob(), SignCount: uint32(r.int64()), CreatedAt: r.time(), LastUsedAt: r.timePtr()}
}

// CreatePasskey inserts a passkey of an existing account.
func (s *Store) CreatePasskey(ctx context.Context, p *akte.Passkey) error {
	_, err := s.changes(ctx, "sqlite.CreatePasskey", `INSERT INTO passkeys (`+passkeyColumns+`) VALUES (`+placeholders(8)+`)`,
		p.AccountID, p.ID, p.CredentialID, p.Name, p.Credential, int64(p.SignCount), micros(p.CreatedAt), nullMicros(p.LastUsedAt))
	return err
}

// Passkeys lists an account's passkeys by creation time.
func (s *Store) Passkeys(ctx context.Context, account akte.AccountID) ([]*akte.Passkey, error) {
	ps, err := list(ctx, s, scanPasskey,
		`SELECT `+passkeyColumns+` FROM passkeys WHERE account_id = ? ORDER BY created_at, rowid`, account)
	return ps, wrap("sqlite.Passkeys", err)
}

// UsePasskey sets the passkey's signature counter and last use.
func (s *Store) UsePasskey(ctx context.Context, account akte.AccountID, id string, signCount uint32, at time.Time) error {
	return s.update(ctx, "sqlite.UsePasskey", `UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE account_id = ? AND id = ?`,
		int64(signCount), micros(at), account, id)
}

// DeletePasskey removes one passkey of an account.
func (s *Store) DeletePasskey(ctx context.Context, account akte.AccountID, id string) error {
	return s.update(ctx, "sqlite.DeletePasskey", `DELETE FROM passkeys WHERE account_id = ? AND id = ?`, account, id)
}

// CreatePasskeyChallenge stores an issued challenge.
func (s *Store) CreatePasskeyChallenge(ctx context.Context, c *akte.PasskeyChallenge) error {
	_, err := s.changes(ctx, "sqlite.CreatePasskeyChallenge", `INSERT INTO passkey_challenges
		(hash, purpose, account_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		c.Hash, c.Purpose, c.AccountID, micros(c.CreatedAt), micros(c.ExpiresAt))
	return err
}

// TakePasskeyChallenge deletes the challenge and returns it; the DELETE
// decides, so of concurrent takes one gets it.
func (s *Store) TakePasskeyChallenge(ctx context.Context, purpose string, hash []byte) (*akte.PasskeyChallenge, error) {
	var c *akte.PasskeyChallenge
	err := s.write(ctx, func(cn *conn) error {
		return cn.one(`DELETE FROM passkey_challenges WHERE hash = ? AND purpose = ?
			RETURNING hash, purpose, account_id, created_at, expires_at`, []any{hash, purpose}, func(r *row) {
			c = &akte.PasskeyChallenge{Hash: r.blob(), Purpose: r.text(), AccountID: akte.AccountID(r.text()), CreatedAt: r.time(), ExpiresAt: r.time()}
		})
	})
	return c, wrap("sqlite.TakePasskeyChallenge", err)
}

// DeletePasskeyChallengesBefore removes challenges that expired before t.
func (s *Store) DeletePasskeyChallengesBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeletePasskeyChallengesBefore", `DELETE FROM passkey_challenges WHERE expires_at < ?`, micros(t))
}
