package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const consentColumns = `id, account_id, text_id, version, lang, hash, decision, at, via, ended_at`

func scanConsent(s scanner) (*akte.Consent, error) {
	var c akte.Consent
	if err := s.Scan(&c.ID, &c.AccountID, &c.Text, &c.Version, &c.Lang, &c.Hash, &c.Decision, &c.At, &c.Via, &c.EndedAt); err != nil {
		return nil, err
	}
	c.At, c.EndedAt = c.At.UTC(), utc(c.EndedAt)
	return &c, nil
}

// AddConsent appends a record to the ledger and keeps its text.
func (s *Store) AddConsent(ctx context.Context, c *akte.Consent, t *akte.ConsentText) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap("postgres.AddConsent", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO consent_texts (hash, text_id, version, lang, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING`,
			t.Hash, t.ID, t.Version, t.Lang, t.Body); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO consents (`+consentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			c.ID, c.AccountID, c.Text, c.Version, c.Lang, c.Hash, string(c.Decision), ts(c.At), string(c.Via), nullTS(c.EndedAt))
		return err
	}))
}

// Consents lists the account's ledger, oldest first.
func (s *Store) Consents(ctx context.Context, account akte.AccountID) ([]*akte.Consent, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	cs, err := list(ctx, s.pool, scanConsent, `SELECT `+consentColumns+` FROM consents WHERE account_id = $1 ORDER BY at, id`, account)
	return cs, wrap("postgres.Consents", err)
}

// ConsentText returns the kept text with the hash.
func (s *Store) ConsentText(ctx context.Context, hash string) (*akte.ConsentText, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var t akte.ConsentText
	err := s.pool.QueryRow(ctx, `SELECT hash, text_id, version, lang, body FROM consent_texts WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.ID, &t.Version, &t.Lang, &t.Body)
	if err != nil {
		return nil, wrap("postgres.ConsentText", err)
	}
	return &t, nil
}

// EndConsents marks the account's records as of a contract ended at t.
func (s *Store) EndConsents(ctx context.Context, account akte.AccountID, t time.Time) error {
	_, err := s.changes(ctx, "postgres.EndConsents", `UPDATE consents SET ended_at = $1 WHERE account_id = $2 AND ended_at IS NULL`, ts(t), account)
	return err
}

// DeleteConsentsEndedBefore removes the evidence of contracts ended
// before t.
func (s *Store) DeleteConsentsEndedBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "postgres.DeleteConsentsEndedBefore", `DELETE FROM consents WHERE ended_at IS NOT NULL AND ended_at < $1`, ts(t))
}

// SetRestriction records the account's restriction, keeping an earlier
// one's time.
func (s *Store) SetRestriction(ctx context.Context, r *akte.Restriction) error {
	_, err := s.changes(ctx, "postgres.SetRestriction", `INSERT INTO restrictions (account_id, since) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING`,
		r.AccountID, ts(r.Since))
	return err
}

// Restriction returns the account's restriction.
func (s *Store) Restriction(ctx context.Context, account akte.AccountID) (*akte.Restriction, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var r akte.Restriction
	if err := s.pool.QueryRow(ctx, `SELECT account_id, since FROM restrictions WHERE account_id = $1`, account).Scan(&r.AccountID, &r.Since); err != nil {
		return nil, wrap("postgres.Restriction", err)
	}
	r.Since = r.Since.UTC()
	return &r, nil
}

// DeleteRestriction lifts the account's restriction.
func (s *Store) DeleteRestriction(ctx context.Context, account akte.AccountID) error {
	return s.exec(ctx, "postgres.DeleteRestriction", `DELETE FROM restrictions WHERE account_id = $1`, account)
}
