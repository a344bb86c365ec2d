package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/akte/akte"
)

const itemColumns = `id, account_id, category, key_version, kind, replaces, size, chunk_size, state,
	created_at, updated_at, created_by, meta_sealed, key_slot`

// itemRow holds an item and the plain-typed destinations of its scan in one
// allocation: database/sql converts into the named types (akte.ItemID, ...)
// and into uint32 by reflection, which showed in the listing's profile, and
// separate locals would each escape to the heap.
type itemRow struct {
	it                                           akte.Item
	id, account, category, kind, replaces, state string
	keyVersion, created, updated                 int64
}

func scanItem(s scanner) (*akte.Item, error) {
	r := new(itemRow)
	it := &r.it
	err := s.Scan(&r.id, &r.account, &r.category, &r.keyVersion, &r.kind, &r.replaces, &it.Size, &it.ChunkSize, &r.state,
		&r.created, &r.updated, &it.CreatedBy, &it.MetaSealed, &it.KeySlot)
	if err != nil {
		return nil, err
	}
	it.ID, it.AccountID, it.Category = akte.ItemID(r.id), akte.AccountID(r.account), akte.CategoryID(r.category)
	it.Kind, it.Replaces, it.State = akte.ItemKind(r.kind), akte.ItemID(r.replaces), akte.ItemState(r.state)
	it.KeyVersion = uint32(r.keyVersion)
	it.CreatedAt, it.UpdatedAt = fromMicros(r.created), fromMicros(r.updated)
	return it, nil
}

// itemPageColumns are itemColumns without account_id and state, which a
// listing knows from its query: two text columns fewer to read per row.
const itemPageColumns = `id, category, key_version, kind, replaces, size, chunk_size,
	created_at, updated_at, created_by, meta_sealed, key_slot`

// lendItemPage reads the current row of itemPageColumns into it, whose
// strings and slices then point into SQLite's memory: valid until the next
// row. A page is encoded from there without a copy or an allocation.
func lendItemPage(s *rowScanner, it *akte.Item) error {
	if n := s.columns(); n != 12 {
		return fmt.Errorf("sqlite: page row has %d columns", n)
	}
	it.ID, it.Category, it.KeyVersion = akte.ItemID(s.lend(0)), akte.CategoryID(s.lend(1)), uint32(s.int64(2))
	it.Kind, it.Replaces = akte.ItemKind(s.lend(3)), akte.ItemID(s.lend(4))
	it.Size, it.ChunkSize = s.int64(5), s.int64(6)
	it.CreatedAt, it.UpdatedAt = fromMicros(s.int64(7)), fromMicros(s.int64(8))
	it.CreatedBy, it.MetaSealed, it.KeySlot = s.lend(9), s.raw(10), s.raw(11)
	return nil
}

// CreateUpload inserts an uploading item if the quota allows. The
// transaction begins IMMEDIATE (see Open), so the sum it reads cannot
// change before the insert.
func (s *Store) CreateUpload(ctx context.Context, it *akte.Item, limit int64) error {
	const op = "sqlite.CreateUpload"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if limit >= 0 {
			var used int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM items WHERE account_id = ?`, it.AccountID).Scan(&used); err != nil {
				return err
			}
			if used+it.Size > limit {
				return akte.E(op, akte.KindQuota, "", nil)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO items (`+itemColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, it.AccountID, it.Category, it.KeyVersion, it.Kind, it.Replaces, it.Size, it.ChunkSize, akte.StateUploading,
			micros(it.CreatedAt), micros(it.UpdatedAt), it.CreatedBy, blob(it.MetaSealed), blob(it.KeySlot))
		return err
	})
	if isUnique(err, "items.id") {
		return akte.E(op, akte.KindConflict, "", err)
	}
	if err == nil {
		it.State = akte.StateUploading
	}
	return wrap(op, err)
}

// Item returns an item in any state.
func (s *Store) Item(ctx context.Context, id akte.ItemID) (*akte.Item, error) {
	it, err := scanItem(s.queryRow(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`, id))
	if err != nil {
		return nil, wrap("sqlite.Item", err)
	}
	return it, nil
}

// Items lists the complete items of an account.
func (s *Store) Items(ctx context.Context, account akte.AccountID, category akte.CategoryID) ([]*akte.Item, error) {
	q := `SELECT ` + itemColumns + ` FROM items WHERE account_id = ? AND state = ?`
	args := []any{account, akte.StateComplete}
	if category != "" {
		q += ` AND category = ?`
		args = append(args, category)
	}
	its, err := list(ctx, s.db, scanItem, q+` ORDER BY created_at, id`, args...)
	return its, wrap("sqlite.Items", err)
}

// ItemsPage lists a page of an account's complete items after a cursor.
// The row-value comparison walks the index items_account_page
// (account_id, state, created_at, id) or items_category_page from the
// cursor, so a page costs the same at any depth and any record size.
func (s *Store) ItemsPage(ctx context.Context, account akte.AccountID, category akte.CategoryID, after akte.ItemCursor, limit int, fn func(*akte.Item) error) error {
	const op = "sqlite.ItemsPage"
	if limit <= 0 {
		return akte.E(op, akte.KindInvalid, "", nil)
	}
	q := `SELECT ` + itemPageColumns + ` FROM items WHERE account_id = ? AND state = ?`
	args := []any{account, akte.StateComplete}
	if category != "" {
		q += ` AND category = ?`
		args = append(args, category)
	}
	if after != (akte.ItemCursor{}) {
		q += ` AND (created_at, id) > (?, ?)`
		args = append(args, micros(after.CreatedAt), after.ID)
	}
	args = append(args, limit)
	it := &akte.Item{AccountID: account, State: akte.StateComplete}
	var fnErr error
	err := s.rd.query(ctx, q+` ORDER BY created_at, id LIMIT ?`, args, func(r *rowScanner) error {
		if err := lendItemPage(r, it); err != nil {
			return err
		}
		if fnErr = fn(it); fnErr != nil {
			return errStop
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return wrap(op, err)
}

// Uploads lists uploading items last updated before t.
func (s *Store) Uploads(ctx context.Context, account akte.AccountID, before time.Time) ([]*akte.Item, error) {
	q := `SELECT ` + itemColumns + ` FROM items WHERE state = ? AND updated_at < ?`
	args := []any{akte.StateUploading, micros(before)}
	if account != "" {
		q += ` AND account_id = ?`
		args = append(args, account)
	}
	its, err := list(ctx, s.db, scanItem, q+` ORDER BY updated_at, id`, args...)
	return its, wrap("sqlite.Uploads", err)
}

// AddChunk records a stored chunk of an uploading item.
func (s *Store) AddChunk(ctx context.Context, id akte.ItemID, n int, at time.Time) error {
	const op = "sqlite.AddChunk"
	return wrap(op, s.tx(ctx, func(tx *sql.Tx) error {
		k, err := affected(tx.ExecContext(ctx, `UPDATE items SET updated_at = ? WHERE id = ? AND state = ?`, micros(at), id, akte.StateUploading))
		if err != nil {
			return err
		}
		if k == 0 {
			return notFound(op)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO item_chunks (item_id, n) VALUES (?, ?) ON CONFLICT (item_id, n) DO NOTHING`, id, n)
		return err
	}))
}

// Chunks returns the recorded chunk indexes of an item.
func (s *Store) Chunks(ctx context.Context, id akte.ItemID) ([]int, error) {
	ns, err := list(ctx, s.db, func(s scanner) (n int, err error) {
		err = s.Scan(&n)
		return n, err
	}, `SELECT n FROM item_chunks WHERE item_id = ? ORDER BY n`, id)
	return ns, wrap("sqlite.Chunks", err)
}

// CompleteUpload marks an uploading item complete.
func (s *Store) CompleteUpload(ctx context.Context, id akte.ItemID, at time.Time) error {
	const op = "sqlite.CompleteUpload"
	n, err := affected(s.db.ExecContext(ctx, `UPDATE items SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		akte.StateComplete, micros(at), id, akte.StateUploading))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// DeleteItem removes an item; its chunk records go by ON DELETE CASCADE.
func (s *Store) DeleteItem(ctx context.Context, id akte.ItemID) error {
	const op = "sqlite.DeleteItem"
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id))
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
	err = s.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN state = ? THEN size ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = ? THEN size ELSE 0 END), 0)
		FROM items WHERE account_id = ?`, akte.StateComplete, akte.StateUploading, account).Scan(&complete, &uploading)
	return complete, uploading, wrap("sqlite.Usage", err)
}
