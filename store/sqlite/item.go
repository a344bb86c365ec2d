package sqlite

import (
	"context"
	"iter"
	"time"

	"github.com/akte/akte"
)

// listColumns are the columns of a listed item: a listing of one
// account's complete items knows account_id and state from its query.
const listColumns = `id, category, key_version, kind, replaces, size, chunk_size,
	created_at, updated_at, created_by, meta_sealed, key_slot, meta_version`

const itemColumns = listColumns + `, account_id, state`

func scanItem(r *row) *akte.Item { return new(itemScanner).scan(r) }

// itemScanner reads items with few allocations, which were most of the
// store's cost of a listing (a row took nine: the item, six texts, two
// blobs; and the garbage collector's work grew with them). A text equal
// to the one in the row before is not copied again (account, category,
// kind, creator). Items that stay valid for good are allocated in blocks
// and their blobs copied into a shared buffer: a block or buffer is never
// reused, only replaced when full. A lending scanner (ItemsPage) reuses
// one item and its blobs' buffer for every row.
type itemScanner struct {
	// account is set when the scanner lists that account's complete
	// items: the rows hold listColumns, else itemColumns.
	account akte.AccountID
	lend    bool
	items   []akte.Item // the current block; it never grows beyond its capacity
	blobs   []byte      // likewise, unless lending
	prev    [4]string   // the repeating texts of the row before
	buf     []byte
}

const (
	itemBlock = 32
	blobBlock = 16 << 10
)

func (s *itemScanner) scan(r *row) *akte.Item {
	switch {
	case s.lend:
		s.items, s.blobs = s.items[:0], s.blobs[:0]
		if cap(s.items) == 0 {
			s.items = make([]akte.Item, 0, 1)
		}
	case len(s.items) == cap(s.items):
		s.items = make([]akte.Item, 0, itemBlock)
	}
	s.items = s.items[:len(s.items)+1]
	it := &s.items[len(s.items)-1]
	*it = akte.Item{ID: akte.ItemID(r.text()), Category: akte.CategoryID(s.text(r, 0)), KeyVersion: uint32(r.int64()),
		Kind: akte.ItemKind(s.text(r, 1)), Replaces: akte.ItemID(r.text()), Size: r.int64(), ChunkSize: r.int64(),
		CreatedAt: r.time(), UpdatedAt: r.time(), CreatedBy: s.text(r, 2), MetaSealed: s.blob(r), KeySlot: s.blob(r), MetaVersion: r.int64()}
	if s.account != "" {
		it.AccountID, it.State = s.account, akte.StateComplete
	} else {
		it.AccountID, it.State = akte.AccountID(s.text(r, 3)), akte.ItemState(r.text())
	}
	return it
}

// text reads a text column that often repeats from row to row; k names
// the column among those.
func (s *itemScanner) text(r *row, k int) string {
	s.buf = r.bytes(s.buf[:0])
	if string(s.buf) != s.prev[k] {
		s.prev[k] = string(s.buf)
	}
	return s.prev[k]
}

// blob reads a blob column into the shared buffer; nil if it is empty.
func (s *itemScanner) blob(r *row) []byte {
	if n := r.len(); !s.lend && cap(s.blobs)-len(s.blobs) < n {
		s.blobs = make([]byte, 0, max(n, blobBlock))
	}
	start := len(s.blobs)
	s.blobs = r.bytes(s.blobs)
	if len(s.blobs) == start {
		return nil
	}
	return s.blobs[start:len(s.blobs):len(s.blobs)]
}

// CreateUpload inserts an uploading item if the quota allows. The
// transaction begins IMMEDIATE, so the sum it reads cannot change before
// the insert.
func (s *Store) CreateUpload(ctx context.Context, it *akte.Item, limit int64) error {
	const op = "sqlite.CreateUpload"
	err := s.tx(ctx, func(c *conn) error {
		if limit >= 0 {
			var used int64
			err := c.one(`SELECT COALESCE(SUM(size), 0) FROM items WHERE account_id = ?`, []any{it.AccountID},
				func(r *row) { used = r.int64() })
			if err != nil {
				return err
			}
			if used+it.Size > limit {
				return akte.E(op, akte.KindQuota, "", nil)
			}
		}
		_, err := c.exec(`INSERT INTO items (`+itemColumns+`) VALUES (`+placeholders(15)+`)`,
			it.ID, it.Category, it.KeyVersion, it.Kind, it.Replaces, it.Size, it.ChunkSize,
			micros(it.CreatedAt), micros(it.UpdatedAt), it.CreatedBy, it.MetaSealed, it.KeySlot, it.MetaVersion, it.AccountID, akte.StateUploading)
		return err
	})
	if err == nil {
		it.State = akte.StateUploading
	}
	return wrap(op, err)
}

// Item returns an item in any state.
func (s *Store) Item(ctx context.Context, id akte.ItemID) (*akte.Item, error) {
	var it *akte.Item
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+itemColumns+` FROM items WHERE id = ?`, []any{id}, func(r *row) { it = scanItem(r) })
	})
	return it, wrap("sqlite.Item", err)
}

// Items lists the complete items of an account.
func (s *Store) Items(ctx context.Context, account akte.AccountID, category akte.CategoryID) ([]*akte.Item, error) {
	q, args := itemsQuery(account, category, akte.ItemCursor{})
	its, err := list(ctx, s, (&itemScanner{account: account}).scan, q+` ORDER BY created_at, id`, args...)
	return its, wrap("sqlite.Items", err)
}

// itemsQuery selects listColumns of an account's complete items, of one
// category or all, after a cursor.
func itemsQuery(account akte.AccountID, category akte.CategoryID, after akte.ItemCursor) (string, []any) {
	q := `SELECT ` + listColumns + ` FROM items WHERE account_id = ? AND state = ?`
	args := []any{account, akte.StateComplete}
	if category != "" {
		q += ` AND category = ?`
		args = append(args, category)
	}
	if after != (akte.ItemCursor{}) {
		q += ` AND (created_at, id) > (?, ?)`
		args = append(args, micros(after.CreatedAt), after.ID)
	}
	return q, args
}

// ItemsPage lists a page of an account's complete items after a cursor.
// The row-value comparison walks the index items_account_page
// (account_id, state, created_at, id) or items_category_page from the
// cursor, so a page costs the same at any depth and any record size. A
// read connection is held while the caller's loop runs, and every row is
// read into the same item.
func (s *Store) ItemsPage(ctx context.Context, account akte.AccountID, category akte.CategoryID, after akte.ItemCursor, limit int) iter.Seq2[*akte.Item, error] {
	const op = "sqlite.ItemsPage"
	return func(yield func(*akte.Item, error) bool) {
		if limit <= 0 {
			yield(nil, akte.E(op, akte.KindInvalid, "", nil))
			return
		}
		q, args := itemsQuery(account, category, after)
		sc := itemScanner{account: account, lend: true}
		err := s.read(ctx, func(c *conn) error {
			return c.query(q+` ORDER BY created_at, id LIMIT ?`, append(args, limit), func(r *row) error {
				if !yield(sc.scan(r), nil) {
					return errStop
				}
				return nil
			})
		})
		if err != nil {
			yield(nil, wrap(op, err))
		}
	}
}

// Uploads lists uploading items last updated before t.
func (s *Store) Uploads(ctx context.Context, account akte.AccountID, before time.Time) ([]*akte.Item, error) {
	q := `SELECT ` + itemColumns + ` FROM items WHERE state = ? AND updated_at < ?`
	args := []any{akte.StateUploading, micros(before)}
	if account != "" {
		q += ` AND account_id = ?`
		args = append(args, account)
	}
	its, err := list(ctx, s, new(itemScanner).scan, q+` ORDER BY updated_at, id`, args...)
	return its, wrap("sqlite.Uploads", err)
}

// AddChunk records a stored chunk of an uploading item.
func (s *Store) AddChunk(ctx context.Context, id akte.ItemID, n int, at time.Time) error {
	const op = "sqlite.AddChunk"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		k, err := c.exec(`UPDATE items SET updated_at = ? WHERE id = ? AND state = ?`, micros(at), id, akte.StateUploading)
		if err != nil {
			return err
		}
		if k == 0 {
			return notFound(op)
		}
		_, err = c.exec(`INSERT INTO item_chunks (item_id, n) VALUES (?, ?) ON CONFLICT (item_id, n) DO NOTHING`, id, n)
		return err
	}))
}

// Chunks returns the recorded chunk indexes of an item.
func (s *Store) Chunks(ctx context.Context, id akte.ItemID) ([]int, error) {
	ns, err := list(ctx, s, func(r *row) int { return int(r.int64()) },
		`SELECT n FROM item_chunks WHERE item_id = ? ORDER BY n`, id)
	return ns, wrap("sqlite.Chunks", err)
}

// CompleteUpload marks an uploading item complete.
func (s *Store) CompleteUpload(ctx context.Context, id akte.ItemID, at time.Time) error {
	return s.update(ctx, "sqlite.CompleteUpload",
		`UPDATE items SET state = ?, updated_at = ? WHERE id = ? AND state = ?`,
		akte.StateComplete, micros(at), id, akte.StateUploading)
}

// ChangeItemMeta replaces a complete item's description if its version is
// still expect; a miss reads the row to tell a missing item from another
// version.
func (s *Store) ChangeItemMeta(ctx context.Context, it *akte.Item, expect int64) error {
	const op = "sqlite.ChangeItemMeta"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE items SET meta_sealed = ?, category = ?, key_version = ?, key_slot = ?, meta_version = ?
			WHERE id = ? AND state = ? AND meta_version = ?`,
			it.MetaSealed, it.Category, it.KeyVersion, it.KeySlot, expect+1, it.ID, akte.StateComplete, expect)
		if err != nil || n == 1 {
			return err
		}
		// No row is KindNotFound (errNoRows).
		if err := c.one(`SELECT 1 FROM items WHERE id = ? AND state = ?`, []any{it.ID, akte.StateComplete}, func(*row) {}); err != nil {
			return err
		}
		return akte.E(op, akte.KindConflict, "", nil)
	}))
}

// DeleteItem removes an item; its chunk records go by ON DELETE CASCADE.
func (s *Store) DeleteItem(ctx context.Context, id akte.ItemID) error {
	return s.update(ctx, "sqlite.DeleteItem", `DELETE FROM items WHERE id = ?`, id)
}

// Usage sums the sizes of an account's items by state.
func (s *Store) Usage(ctx context.Context, account akte.AccountID) (complete, uploading int64, err error) {
	err = s.read(ctx, func(c *conn) error {
		return c.one(`SELECT
			COALESCE(SUM(CASE WHEN state = ? THEN size ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = ? THEN size ELSE 0 END), 0)
			FROM items WHERE account_id = ?`, []any{akte.StateComplete, akte.StateUploading, account},
			func(r *row) { complete, uploading = r.int64(), r.int64() })
	})
	return complete, uploading, wrap("sqlite.Usage", err)
}
