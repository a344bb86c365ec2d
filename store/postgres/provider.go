package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const providerColumns = `account_id, type, name, telematik_id, lanr, bsnr, place, search, status, created_at, decided_at, decided_by`

func scanProvider(s scanner) (*akte.Provider, error) {
	var p akte.Provider
	if err := s.Scan(&p.AccountID, &p.Type, &p.Name, &p.TelematikID, &p.LANR, &p.BSNR, &p.Place, &p.Search, &p.Status,
		&p.CreatedAt, &p.DecidedAt, &p.DecidedBy); err != nil {
		return nil, err
	}
	p.CreatedAt, p.DecidedAt = p.CreatedAt.UTC(), utc(p.DecidedAt)
	return &p, nil
}

// CreateProvider inserts a new account and its provider entry in one
// transaction.
func (s *Store) CreateProvider(ctx context.Context, a *akte.Account, p *akte.Provider) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap("postgres.CreateProvider", s.tx(ctx, func(tx pgx.Tx) error {
		if err := insertAccount(ctx, tx, a); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO providers (`+providerColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.AccountID, p.Type, p.Name, p.TelematikID, p.LANR, p.BSNR, p.Place, p.Search, p.Status,
			ts(p.CreatedAt), nullTS(p.DecidedAt), p.DecidedBy)
		return err
	}))
}

// Provider returns the provider entry of an account.
func (s *Store) Provider(ctx context.Context, id akte.AccountID) (*akte.Provider, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p, err := scanProvider(s.pool.QueryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE account_id = $1`, id))
	if err != nil {
		return nil, wrap("postgres.Provider", err)
	}
	return p, nil
}

// Providers lists the providers with the status, oldest first.
func (s *Store) Providers(ctx context.Context, status akte.ProviderStatus) ([]*akte.Provider, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	out, err := list(ctx, s.pool, scanProvider, `SELECT `+providerColumns+` FROM providers
		WHERE $1 = '' OR status = $1 ORDER BY created_at, account_id`, status)
	if err != nil {
		return nil, wrap("postgres.Providers", err)
	}
	if out == nil {
		out = []*akte.Provider{}
	}
	return out, nil
}

// SearchProviders lists providers with the status matching text or id.
func (s *Store) SearchProviders(ctx context.Context, status akte.ProviderStatus, text, id string, limit int) ([]*akte.Provider, error) {
	const op = "postgres.SearchProviders"
	if limit < 1 {
		return nil, akte.Errorf(op, akte.KindInvalid, "limit %d", limit)
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	out, err := list(ctx, s.pool, scanProvider, `SELECT `+providerColumns+` FROM providers WHERE status = $1
		AND (($2 <> '' AND strpos(search, $2) > 0)
		  OR ($3 <> '' AND (telematik_id = $3 OR lanr = $3 OR bsnr = $3 OR account_id = $3)))
		ORDER BY name COLLATE "C", account_id LIMIT $4`, status, text, id, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	if out == nil {
		out = []*akte.Provider{}
	}
	return out, nil
}

// DecideProvider moves the provider from one status to another.
func (s *Store) DecideProvider(ctx context.Context, id akte.AccountID, from, to akte.ProviderStatus, at time.Time, by string) error {
	const op = "postgres.DecideProvider"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE providers SET status = $1, decided_at = $2, decided_by = $3
		WHERE account_id = $4 AND status = $5`, to, ts(at), by, id, from))
	if isUnique(err, "providers_verified_telematik") {
		return akte.R(op, akte.KindConflict, "telematik_id_taken", nil, "")
	}
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		var one int
		if err := s.pool.QueryRow(ctx, `SELECT 1 FROM providers WHERE account_id = $1`, id).Scan(&one); err != nil {
			return wrap(op, err)
		}
		return akte.R(op, akte.KindConflict, "provider_decided", nil, "")
	}
	return nil
}
