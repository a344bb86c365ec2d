package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const representativeColumns = `id, owner_id, record_id, email, kvnr, wait_days, account_id, created_at, accepted_at,
	public_key, rmk_slot, requested_at, opens_at, reminded_at, opened_at, refused_at`

func scanRepresentative(s scanner) (*akte.Representative, error) {
	var r akte.Representative
	var account *string
	var wait int32
	if err := s.Scan(&r.ID, &r.Owner, &r.Record, &r.Email, &r.KVNR, &wait, &account, &r.CreatedAt, &r.AcceptedAt,
		&r.PublicKey, &r.RMKSlot, &r.RequestedAt, &r.OpensAt, &r.RemindedAt, &r.OpenedAt, &r.RefusedAt); err != nil {
		return nil, err
	}
	if account != nil {
		r.Account = akte.AccountID(*account)
	}
	r.WaitDays = int(wait)
	r.CreatedAt = r.CreatedAt.UTC()
	r.AcceptedAt, r.RequestedAt, r.OpensAt = utc(r.AcceptedAt), utc(r.RequestedAt), utc(r.OpensAt)
	r.RemindedAt, r.OpenedAt, r.RefusedAt = utc(r.RemindedAt), utc(r.OpenedAt), utc(r.RefusedAt)
	if len(r.PublicKey) == 0 {
		r.PublicKey = nil
	}
	if len(r.RMKSlot) == 0 {
		r.RMKSlot = nil
	}
	return &r, nil
}

func nullText(s akte.AccountID) *string {
	if s == "" {
		return nil
	}
	v := string(s)
	return &v
}

// CreateRepresentative inserts a representative if the record has fewer
// than max. The record's row is locked first, so concurrent inserts into
// one record count one after the other.
func (s *Store) CreateRepresentative(ctx context.Context, r *akte.Representative, max int) error {
	const op = "postgres.CreateRepresentative"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM records WHERE account_id = $1 AND id = $2 FOR UPDATE`, r.Owner, r.Record).Scan(&one); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM representatives WHERE owner_id = $1`, r.Owner).Scan(&n); err != nil {
			return err
		}
		if n >= int64(max) {
			return akte.E(op, akte.KindQuota, "", nil)
		}
		_, err := tx.Exec(ctx, `INSERT INTO representatives (id, owner_id, record_id, email, kvnr, wait_days, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.Owner, r.Record, r.Email, r.KVNR, r.WaitDays, ts(r.CreatedAt))
		return err
	}))
}

// Representatives lists the representatives of the owner's record.
func (s *Store) Representatives(ctx context.Context, owner akte.AccountID) ([]*akte.Representative, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rs, err := list(ctx, s.pool, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives WHERE owner_id = $1 ORDER BY created_at, seq`, owner)
	return rs, wrap("postgres.Representatives", err)
}

// Representation returns the account's representative entry in a record.
func (s *Store) Representation(ctx context.Context, record akte.RecordID, account akte.AccountID, email string) (*akte.Representative, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	r, err := scanRepresentative(s.pool.QueryRow(ctx, `SELECT `+representativeColumns+` FROM representatives
		WHERE record_id = $1 AND (account_id = $2 OR (account_id IS NULL AND email = $3))
		ORDER BY account_id IS NULL LIMIT 1`, record, account, email))
	return r, wrap("postgres.Representation", err)
}

// Representations lists the account's representative entries.
func (s *Store) Representations(ctx context.Context, account akte.AccountID, email string) ([]*akte.Representative, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rs, err := list(ctx, s.pool, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives
		WHERE account_id = $1 OR (account_id IS NULL AND email = $2) ORDER BY created_at, seq`, account, email)
	return rs, wrap("postgres.Representations", err)
}

// UpdateRepresentative writes the changeable fields of a representative.
func (s *Store) UpdateRepresentative(ctx context.Context, r *akte.Representative, requested *time.Time) error {
	return s.exec(ctx, "postgres.UpdateRepresentative", `UPDATE representatives SET account_id = $1, accepted_at = $2, public_key = $3, rmk_slot = $4,
		requested_at = $5, opens_at = $6, reminded_at = $7, opened_at = $8, refused_at = $9
		WHERE owner_id = $10 AND id = $11 AND requested_at IS NOT DISTINCT FROM $12`,
		nullText(r.Account), nullTS(r.AcceptedAt), r.PublicKey, r.RMKSlot, nullTS(r.RequestedAt), nullTS(r.OpensAt),
		nullTS(r.RemindedAt), nullTS(r.OpenedAt), nullTS(r.RefusedAt), r.Owner, r.ID, nullTS(requested))
}

// DeleteRepresentative removes a representative of a record.
func (s *Store) DeleteRepresentative(ctx context.Context, owner akte.AccountID, id string) error {
	return s.exec(ctx, "postgres.DeleteRepresentative", `DELETE FROM representatives WHERE owner_id = $1 AND id = $2`, owner, id)
}

// EmergenciesDue lists the emergency requests that open before before
// and are not recorded as opened.
func (s *Store) EmergenciesDue(ctx context.Context, before time.Time) ([]*akte.Representative, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rs, err := list(ctx, s.pool, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives
		WHERE opens_at IS NOT NULL AND opens_at < $1 AND opened_at IS NULL ORDER BY opens_at, seq`, ts(before))
	return rs, wrap("postgres.EmergenciesDue", err)
}
