package sqlite

import (
	"context"
	"database/sql"

	"github.com/akte/akte"
)

// CreateRecord inserts the record of an account with its category keys.
func (s *Store) CreateRecord(ctx context.Context, r *akte.Record) error {
	const op = "sqlite.CreateRecord"
	err := s.tx(ctx, func(tx *sql.Tx) error { return insertRecord(ctx, tx, r) })
	if isUnique(err, "records.account_id") {
		return akte.E(op, akte.KindConflict, "", err)
	}
	return wrap(op, err)
}

func insertRecord(ctx context.Context, tx *sql.Tx, r *akte.Record) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO records
		(account_id, id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.AccountID, r.ID, blob(r.RMKByUMK), blob(r.PublicKey), blob(r.PrivateKeyByRMK), r.Quota, micros(r.CreatedAt))
	if err != nil {
		return err
	}
	return insertCategoryKeys(ctx, tx, r)
}

func insertCategoryKeys(ctx context.Context, tx *sql.Tx, r *akte.Record) error {
	for _, k := range r.CategoryKeys {
		if _, err := tx.ExecContext(ctx, `INSERT INTO category_keys (account_id, category, version, key_by_rmk)
			VALUES (?, ?, ?, ?)`, r.AccountID, k.Category, k.Version, blob(k.KeyByRMK)); err != nil {
			return err
		}
	}
	return nil
}

// Record returns the record of an account.
func (s *Store) Record(ctx context.Context, account akte.AccountID) (*akte.Record, error) {
	const op = "sqlite.Record"
	r := &akte.Record{AccountID: account}
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at
		FROM records WHERE account_id = ?`, account).
		Scan(&r.ID, &r.RMKByUMK, &r.PublicKey, &r.PrivateKeyByRMK, &r.Quota, &created)
	if err != nil {
		return nil, wrap(op, err)
	}
	r.CreatedAt = fromMicros(created)
	r.CategoryKeys, err = list(ctx, s.db, func(s scanner) (k akte.CategoryKey, err error) {
		err = s.Scan(&k.Category, &k.Version, &k.KeyByRMK)
		return k, err
	}, `SELECT category, version, key_by_rmk FROM category_keys WHERE account_id = ? ORDER BY category, version`, account)
	if err != nil {
		return nil, wrap(op, err)
	}
	return r, nil
}

// ReplaceRecordKeys overwrites the keys of the account's record.
func (s *Store) ReplaceRecordKeys(ctx context.Context, r *akte.Record) error {
	const op = "sqlite.ReplaceRecordKeys"
	return wrap(op, s.tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx, `UPDATE records SET id = ?, rmk_by_umk = ?, public_key = ?, private_key_by_rmk = ?
			WHERE account_id = ?`, r.ID, blob(r.RMKByUMK), blob(r.PublicKey), blob(r.PrivateKeyByRMK), r.AccountID))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM category_keys WHERE account_id = ?`, r.AccountID); err != nil {
			return err
		}
		return insertCategoryKeys(ctx, tx, r)
	}))
}

// SetQuota sets the record's quota.
func (s *Store) SetQuota(ctx context.Context, account akte.AccountID, quota int64) error {
	const op = "sqlite.SetQuota"
	n, err := affected(s.db.ExecContext(ctx, `UPDATE records SET quota = ? WHERE account_id = ?`, quota, account))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}
