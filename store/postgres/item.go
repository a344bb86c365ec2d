package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const itemColumns = `id, account_id, category, key_version, kind, replaces, size, chunk_size, state,
	created_at, updated_at, created_by, meta_sealed, key_slot, meta_version`

func scanItem(s scanner) (*akte.Item, error) {
	var it akte.Item
	err := s.Scan(&it.ID, &it.AccountID, &it.Category, &it.KeyVersion, &it.Kind, &it.Replaces, &it.Size, &it.ChunkSize, &it.State,
		&it.CreatedAt, &it.UpdatedAt, &it.CreatedBy, &it.MetaSealed, &it.KeySlot, &it.MetaVersion)
	if err != nil {
		return nil, err
	}
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return &it, nil
}

// CreateUpload inserts an uploading item if the quota allows. To check the
// quota it first locks the account's row, so concurrent uploads of one
// account take turns between reading the sum and inserting, while uploads
// of other accounts go on.
func (s *Store) CreateUpload(ctx context.Context, it *akte.Item, limit int64) error {
	const op = "postgres.CreateUpload"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if limit >= 0 {
			// NO KEY UPDATE does not block inserts that reference the
			// account (sessions, tokens), only other holders of this lock.
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, it.AccountID).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return notFound(op)
			}
			if err != nil {
				return err
			}
			var used int64
			if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(size), 0) FROM items WHERE account_id = $1`,
				it.AccountID).Scan(&used); err != nil {
				return err
			}
			if used+it.Size > limit {
				return akte.E(op, akte.KindQuota, "", nil)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO items (`+itemColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			it.ID, it.AccountID, it.Category, it.KeyVersion, it.Kind, it.Replaces, it.Size, it.ChunkSize, akte.StateUploading,
			ts(it.CreatedAt), ts(it.UpdatedAt), it.CreatedBy, blob(it.MetaSealed), blob(it.KeySlot), it.MetaVersion)
		return err
	})
	if isUnique(err, "items_pkey") {
		return akte.E(op, akte.KindConflict, "", err)
	}
	if err != nil {
		return wrap(op, err)
	}
	it.State = akte.StateUploading
	return nil
}

// Item returns an item in any state.
func (s *Store) Item(ctx context.Context, id akte.ItemID) (*akte.Item, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	it, err := scanItem(s.pool.QueryRow(ctx, `SELECT `+itemColumns+` FROM items WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("postgres.Item", err)
	}
	return it, nil
}

// Items lists the complete items of an account.
func (s *Store) Items(ctx context.Context, account akte.AccountID, category akte.CategoryID) ([]*akte.Item, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	q := `SELECT ` + itemColumns + ` FROM items WHERE account_id = $1 AND state = $2`
	args := []any{account, akte.StateComplete}
	if category != "" {
		q += ` AND category = $3`
		args = append(args, category)
	}
	its, err := list(ctx, s.pool, scanItem, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, wrap("postgres.Items", err)
	}
	return its, nil
}

// ItemsPage lists a page of an account's complete items after a cursor,
// walking the index items_account_page (or items_category_page) from the
// cursor, so a page costs the same at any depth and any record size. A
// connection of the pool is held while the caller's loop runs.
func (s *Store) ItemsPage(ctx context.Context, account akte.AccountID, category akte.CategoryID, after akte.ItemCursor, limit int) iter.Seq2[*akte.Item, error] {
	const op = "postgres.ItemsPage"
	return func(yield func(*akte.Item, error) bool) {
		if limit <= 0 {
			yield(nil, akte.E(op, akte.KindInvalid, "", nil))
			return
		}
		ctx, cancel := s.ctx(ctx)
		defer cancel()
		q := `SELECT ` + itemColumns + ` FROM items WHERE account_id = $1 AND state = $2`
		args := []any{account, akte.StateComplete}
		if category != "" {
			args = append(args, category)
			q += fmt.Sprintf(` AND category = $%d`, len(args))
		}
		if after != (akte.ItemCursor{}) {
			args = append(args, ts(after.CreatedAt), after.ID)
			q += fmt.Sprintf(` AND (created_at, id) > ($%d, $%d)`, len(args)-1, len(args))
		}
		args = append(args, limit)
		rows, err := s.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY created_at, id LIMIT $%d`, len(args)), args...)
		if err != nil {
			yield(nil, wrap(op, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				yield(nil, wrap(op, err))
				return
			}
			if !yield(it, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, wrap(op, err))
		}
	}
}

// Uploads lists uploading items last updated before t.
func (s *Store) Uploads(ctx context.Context, account akte.AccountID, before time.Time) ([]*akte.Item, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	q := `SELECT ` + itemColumns + ` FROM items WHERE state = $1 AND updated_at < $2`
	args := []any{akte.StateUploading, ts(before)}
	if account != "" {
		q += ` AND account_id = $3`
		args = append(args, account)
	}
	its, err := list(ctx, s.pool, scanItem, q+` ORDER BY updated_at, id`, args...)
	if err != nil {
		return nil, wrap("postgres.Uploads", err)
	}
	return its, nil
}

// AddChunk records a stored chunk of an uploading item.
func (s *Store) AddChunk(ctx context.Context, id akte.ItemID, n int, at time.Time) error {
	const op = "postgres.AddChunk"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		k, err := affected(tx.Exec(ctx, `UPDATE items SET updated_at = $1 WHERE id = $2 AND state = $3`,
			ts(at), id, akte.StateUploading))
		if err != nil {
			return err
		}
		if k == 0 {
			return notFound(op)
		}
		_, err = tx.Exec(ctx, `INSERT INTO item_chunks (item_id, n) VALUES ($1, $2)
			ON CONFLICT (item_id, n) DO NOTHING`, id, n)
		return err
	}))
}

// Chunks returns the recorded chunk indexes of an item.
func (s *Store) Chunks(ctx context.Context, id akte.ItemID) ([]int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ns, err := list(ctx, s.pool, func(s scanner) (n int, err error) {
		err = s.Scan(&n)
		return n, err
	}, `SELECT n FROM item_chunks WHERE item_id = $1 ORDER BY n`, id)
	if err != nil {
		return nil, wrap("postgres.Chunks", err)
	}
	return ns, nil
}

// CompleteUpload marks an uploading item complete.
func (s *Store) CompleteUpload(ctx context.Context, id akte.ItemID, at time.Time) error {
	const op = "postgres.CompleteUpload"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE items SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4`,
		akte.StateComplete, ts(at), id, akte.StateUploading))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// ChangeItemMeta replaces a complete item's description if its version is
// still expect, in one statement; a miss reads the row to tell a missing
// item from another version.
func (s *Store) ChangeItemMeta(ctx context.Context, it *akte.Item, expect int64) error {
	const op = "postgres.ChangeItemMeta"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE items SET meta_sealed = $1, category = $2, key_version = $3, key_slot = $4, meta_version = $5
		WHERE id = $6 AND state = $7 AND meta_version = $8`,
		blob(it.MetaSealed), it.Category, it.KeyVersion, blob(it.KeySlot), expect+1, it.ID, akte.StateComplete, expect))
	if err != nil || n == 1 {
		return wrap(op, err)
	}
	var one int
	err = s.pool.QueryRow(ctx, `SELECT 1 FROM items WHERE id = $1 AND state = $2`, it.ID, akte.StateComplete).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(op)
	}
	if err != nil {
		return wrap(op, err)
	}
	return akte.E(op, akte.KindConflict, "", nil)
}

// DeleteItem removes an item; its chunk records go by ON DELETE CASCADE.
func (s *Store) DeleteItem(ctx context.Context, id akte.ItemID) error {
	const op = "postgres.DeleteItem"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM items WHERE id = $1`, id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// Usage sums the sizes of an account's items by state.
func (s *Store) Usage(ctx context.Context, account akte.AccountID) (complete, uploading int64, err error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err = s.pool.QueryRow(ctx, `SELECT
		COALESCE(SUM(size) FILTER (WHERE state = $1), 0)::bigint,
		COALESCE(SUM(size) FILTER (WHERE state = $2), 0)::bigint
		FROM items WHERE account_id = $3`, akte.StateComplete, akte.StateUploading, account).Scan(&complete, &uploading)
	if err != nil {
		return 0, 0, wrap("postgres.Usage", err)
	}
	return complete, uploading, nil
}
