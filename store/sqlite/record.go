package sqlite

import (
	"context"
	"strings"

	"zombiezen.com/go/sqlite"

	"github.com/akte/akte"
)

// CreateRecord inserts the record of an account with its category keys.
func (s *Store) CreateRecord(ctx context.Context, r *akte.Record) error {
	return wrap("sqlite.CreateRecord", s.tx(ctx, func(c *conn) error { return insertRecord(c, r) }))
}

func insertRecord(c *conn, r *akte.Record) error {
	_, err := c.exec(`INSERT INTO records
		(account_id, id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.AccountID, r.ID, r.RMKByUMK, r.PublicKey, r.PrivateKeyByRMK, r.Quota, micros(r.CreatedAt))
	if err != nil {
		return recordIDTaken("sqlite.CreateRecord", err)
	}
	return insertCategoryKeys(c, r)
}

func insertCategoryKeys(c *conn, r *akte.Record) error {
	for _, k := range r.CategoryKeys {
		if _, err := c.exec(`INSERT INTO category_keys (account_id, category, version, key_by_rmk, created_at)
			VALUES (?, ?, ?, ?, ?)`, r.AccountID, k.Category, k.Version, k.KeyByRMK, keyCreated(k)); err != nil {
			return err
		}
	}
	return nil
}

// Record returns the record of an account.
func (s *Store) Record(ctx context.Context, account akte.AccountID) (*akte.Record, error) {
	var rec *akte.Record
	err := s.read(ctx, func(c *conn) error {
		err := c.one(`SELECT id, rmk_by_umk, public_key, private_key_by_rmk, quota, created_at
			FROM records WHERE account_id = ?`, []any{account}, func(r *row) {
			rec = &akte.Record{AccountID: account, ID: akte.RecordID(r.text()), RMKByUMK: r.blob(), PublicKey: r.blob(),
				PrivateKeyByRMK: r.blob(), Quota: r.int64(), CreatedAt: r.time()}
		})
		if err != nil {
			return err
		}
		return c.query(`SELECT category, version, key_by_rmk, created_at FROM category_keys WHERE account_id = ? ORDER BY category, version`,
			[]any{account}, func(r *row) error {
				k := akte.CategoryKey{Category: akte.CategoryID(r.text()), Version: uint32(r.int64()), KeyByRMK: r.blob()}
				if t := r.timePtr(); t != nil {
					k.CreatedAt = *t
				}
				rec.CategoryKeys = append(rec.CategoryKeys, k)
				return nil
			})
	})
	if err != nil {
		return nil, wrap("sqlite.Record", err)
	}
	return rec, nil
}

// ReplaceRecordKeys overwrites the keys of the account's record.
func (s *Store) ReplaceRecordKeys(ctx context.Context, r *akte.Record) error {
	const op = "sqlite.ReplaceRecordKeys"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE records SET id = ?, rmk_by_umk = ?, public_key = ?, private_key_by_rmk = ?, manifest = X''
			WHERE account_id = ?`, r.ID, r.RMKByUMK, r.PublicKey, r.PrivateKeyByRMK, r.AccountID)
		if err != nil {
			return recordIDTaken(op, err)
		}
		if n == 0 {
			return notFound(op)
		}
		if _, err := c.exec(`DELETE FROM category_keys WHERE account_id = ?`, r.AccountID); err != nil {
			return err
		}
		// The representatives' slots hold the old record master key.
		if _, err := c.exec(`DELETE FROM representatives WHERE owner_id = ?`, r.AccountID); err != nil {
			return err
		}
		return insertCategoryKeys(c, r)
	}))
}

// SetQuota sets the record's quota.
func (s *Store) SetQuota(ctx context.Context, account akte.AccountID, quota int64) error {
	return s.update(ctx, "sqlite.SetQuota",
		`UPDATE records SET quota = ? WHERE account_id = ?`, quota, account)
}

// RotateKeys replaces the account's key bundle and recovery hash and the
// record's slot under the user master key in one transaction, if the
// account's password slot is still old.
func (s *Store) RotateKeys(ctx context.Context, id akte.AccountID, old []byte, k akte.KeyBundle, recoveryHash string, rmkByUMK []byte) error {
	const op = "sqlite.RotateKeys"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE records SET rmk_by_umk = ? WHERE account_id = ?`, rmkByUMK, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		n, err = c.exec(`UPDATE accounts SET recovery_hash = ?,
			umk_by_password = ?, umk_by_recovery = ?, recovery_by_umk = ?, public_key = ?, private_key_by_umk = ?, rev = rev + 1
			WHERE id = ? AND umk_by_password = ?`,
			recoveryHash, k.UMKByPassword, k.UMKByRecovery, k.RecoveryByUMK, k.PublicKey, k.PrivateKeyByUMK, id, old)
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
func (s *Store) Manifest(ctx context.Context, account akte.AccountID) (counter int64, blob []byte, err error) {
	err = s.read(ctx, func(c *conn) error {
		return c.one(`SELECT manifest_counter, manifest FROM records WHERE account_id = ?`, []any{account}, func(r *row) {
			counter, blob = r.int64(), r.blob()
		})
	})
	return counter, blob, wrap("sqlite.Manifest", err)
}

// SwapManifest stores the manifest if its counter is expect.
func (s *Store) SwapManifest(ctx context.Context, account akte.AccountID, expect, next int64, blob []byte) error {
	const op = "sqlite.SwapManifest"
	if blob == nil {
		blob = []byte{}
	}
	var n int
	err := s.write(ctx, func(c *conn) (err error) {
		n, err = c.exec(`UPDATE records SET manifest = ?, manifest_counter = ?
			WHERE account_id = ? AND manifest_counter = ?`, blob, next, account, expect)
		return err
	})
	if err != nil || n == 1 {
		return wrap(op, err)
	}
	return s.manifestMiss(ctx, op, account)
}

// manifestMiss tells why a swap changed nothing: no record, or another
// counter.
func (s *Store) manifestMiss(ctx context.Context, op string, account akte.AccountID) error {
	if _, _, err := s.Manifest(ctx, account); err != nil {
		return err
	}
	return akte.E(op, akte.KindConflict, "", nil)
}

// recordIDTaken turns a clash on the unique record id (records_id) into
// KindConflict with reason record_id_taken; other errors pass.
func recordIDTaken(op string, err error) error {
	if sqlite.ErrCode(err) == sqlite.ResultConstraintUnique && strings.Contains(err.Error(), "records.id") {
		return akte.R(op, akte.KindConflict, "record_id_taken", nil, "")
	}
	return err
}
