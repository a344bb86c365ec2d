package postgres

import (
	"time"

	"context"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

// CreateRecord inserts the record of an account with its category keys.
func (s *Store) CreateRecord(ctx context.Context, r *akte.Record) error {
	const op = "postgres.CreateRecord"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error { return insertRecord(ctx, tx, r) })
	if isUnique(err, "records_pkey") {
		return akte.E(op, akte.KindConflict, "", err)
	}
	return wrap(op, err)
}

func insertRecord(ctx context.Context, tx pgx.Tx, r *akte.Record) error {
	_, err := tx.Exec(ctx, `INSERT INTO records
		(account_id, id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.AccountID, r.ID, blob(r.RMKByUMK), blob(r.PublicKey), blob(r.PrivateKeyByRMK), r.Quota, ts(r.CreatedAt))
	if err != nil {
		return recordIDTaken("postgres.CreateRecord", err)
	}
	return insertCategoryKeys(ctx, tx, r)
}

func insertCategoryKeys(ctx context.Context, tx pgx.Tx, r *akte.Record) error {
	for _, k := range r.CategoryKeys {
		if _, err := tx.Exec(ctx, `INSERT INTO category_keys (account_id, category, version, key_by_rmk, created_at)
			VALUES ($1, $2, $3, $4, $5)`, r.AccountID, k.Category, k.Version, blob(k.KeyByRMK), keyCreated(k)); err != nil {
			return err
		}
	}
	return nil
}

// Record returns the record of an account. Record and keys are read in
// one transaction, so a concurrent ReplaceRecordKeys is seen whole or not
// at all.
func (s *Store) Record(ctx context.Context, account akte.AccountID) (*akte.Record, error) {
	const op = "postgres.Record"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var r *akte.Record
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			r = &akte.Record{AccountID: account}
			err := tx.QueryRow(ctx, `SELECT id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at
				FROM records WHERE account_id = $1`, account).
				Scan(&r.ID, &r.RMKByUMK, &r.PublicKey, &r.PrivateKeyByRMK, &r.Quota, &r.CreatedAt)
			if err != nil {
				return err
			}
			r.CreatedAt = r.CreatedAt.UTC()
			r.CategoryKeys, err = list(ctx, tx, func(s scanner) (k akte.CategoryKey, err error) {
				var at *time.Time
				err = s.Scan(&k.Category, &k.Version, &k.KeyByRMK, &at)
				if at != nil {
					k.CreatedAt = at.UTC()
				}
				return k, err
			}, `SELECT category, version, key_by_rmk, created_at FROM category_keys WHERE account_id = $1
				ORDER BY category, version`, account)
			return err
		})
	if err != nil {
		return nil, wrap(op, err)
	}
	return r, nil
}

// ReplaceRecordKeys overwrites the keys of the account's record.
func (s *Store) ReplaceRecordKeys(ctx context.Context, r *akte.Record) error {
	const op = "postgres.ReplaceRecordKeys"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		n, err := affected(tx.Exec(ctx, `UPDATE records
			SET id = $1, rmk_by_umk = $2, public_key = $3, private_key_by_rmk = $4, manifest = ''::bytea
			WHERE account_id = $5`, r.ID, blob(r.RMKByUMK), blob(r.PublicKey), blob(r.PrivateKeyByRMK), r.AccountID))
		if err != nil {
			return recordIDTaken(op, err)
		}
		if n == 0 {
			return notFound(op)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM category_keys WHERE account_id = $1`, r.AccountID); err != nil {
			return err
		}
		// The representatives' slots hold the old record master key.
		if _, err := tx.Exec(ctx, `DELETE FROM representatives WHERE owner_id = $1`, r.AccountID); err != nil {
			return err
		}
		return insertCategoryKeys(ctx, tx, r)
	}))
}

// SetQuota sets the record's quota.
func (s *Store) SetQuota(ctx context.Context, account akte.AccountID, quota int64) error {
	const op = "postgres.SetQuota"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE records SET quota = $1 WHERE account_id = $2`, quota, account))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// RotateKeys replaces the account's key bundle and recovery hash and the
// record's slot under the user master key in one transaction, if the
// account's password slot is still old.
func (s *Store) RotateKeys(ctx context.Context, id akte.AccountID, old []byte, k akte.KeyBundle, recoveryHash string, rmkByUMK []byte) error {
	const op = "postgres.RotateKeys"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		n, err := affected(tx.Exec(ctx, `UPDATE records SET rmk_by_umk = $1 WHERE account_id = $2`, blob(rmkByUMK), id))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		n, err = affected(tx.Exec(ctx, `UPDATE accounts SET recovery_hash = $1,
			umk_by_password = $2, umk_by_recovery = $3, recovery_by_umk = $4, public_key = $5, private_key_by_umk = $6, rev = rev + 1
			WHERE id = $7 AND umk_by_password = $8`,
			recoveryHash, blob(k.UMKByPassword), blob(k.UMKByRecovery), blob(k.RecoveryByUMK), blob(k.PublicKey), blob(k.PrivateKeyByUMK), id, blob(old)))
		if err != nil {
			return err
		}
		if n == 0 {
			// The record exists, so the account does: its keys changed.
			return akte.E(op, akte.KindConflict, "", nil)
		}
		return nil
	}))
}

// Manifest returns the record's manifest and its counter.
func (s *Store) Manifest(ctx context.Context, account akte.AccountID) (counter int64, b []byte, err error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err = s.pool.QueryRow(ctx, `SELECT manifest_counter, manifest FROM records WHERE account_id = $1`, account).Scan(&counter, &b)
	if err != nil {
		return 0, nil, wrap("postgres.Manifest", err)
	}
	return counter, b, nil
}

// SwapManifest stores the manifest if its counter is expect.
func (s *Store) SwapManifest(ctx context.Context, account akte.AccountID, expect, next int64, b []byte) error {
	const op = "postgres.SwapManifest"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE records SET manifest = $1, manifest_counter = $2
		WHERE account_id = $3 AND manifest_counter = $4`, blob(b), next, account, expect))
	if err != nil {
		return wrap(op, err)
	}
	if n == 1 {
		return nil
	}
	if _, _, err := s.Manifest(ctx, account); err != nil {
		return err
	}
	return akte.E(op, akte.KindConflict, "", nil)
}

// recordIDTaken turns a clash on the unique record id (records_id) into
// KindConflict with reason record_id_taken; other errors pass.
func recordIDTaken(op string, err error) error {
	if isUnique(err, "records_id") {
		return akte.R(op, akte.KindConflict, "record_id_taken", nil, "")
	}
	return err
}
