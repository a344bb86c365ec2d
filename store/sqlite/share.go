package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const shareColumns = `id, owner_id, record_id, created_at, created_by, expires_at, revoked_at, locked_at, failures, code, password, proof_hash`

func scanShare(r *row) *akte.Share {
	s := &akte.Share{ID: akte.ShareID(r.text()), Owner: akte.AccountID(r.text()), Record: akte.RecordID(r.text()),
		CreatedAt: r.time(), CreatedBy: akte.AccountID(r.text()), ExpiresAt: r.time()}
	s.RevokedAt, s.LockedAt, s.Failures = r.timePtr(), r.timePtr(), int(r.int64())
	s.Code, s.Password, s.ProofHash = r.int64() != 0, r.int64() != 0, r.blob()
	return s
}

// CreateShare inserts a share with its items.
func (s *Store) CreateShare(ctx context.Context, sh *akte.Share) error {
	const op = "sqlite.CreateShare"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		if _, err := c.exec(`INSERT INTO shares (`+shareColumns+`) VALUES (`+placeholders(12)+`)`,
			sh.ID, sh.Owner, sh.Record, micros(sh.CreatedAt), sh.CreatedBy, micros(sh.ExpiresAt), nullMicros(sh.RevokedAt),
			nullMicros(sh.LockedAt), sh.Failures, boolInt(sh.Code), boolInt(sh.Password), sh.ProofHash); err != nil {
			return err
		}
		for i, it := range sh.Items {
			if _, err := c.exec(`INSERT INTO share_items (share_id, position, item_id, slot) VALUES (?, ?, ?, ?)`, sh.ID, i, it.Item, it.Slot); err != nil {
				return err
			}
		}
		return nil
	}))
}

// shares lists shares with items and views; where is a condition on the
// shares table (alias s) with one parameter.
func (s *Store) shares(ctx context.Context, where string, arg any) ([]*akte.Share, error) {
	var out []*akte.Share
	err := s.read(ctx, func(c *conn) error {
		byID := map[akte.ShareID]*akte.Share{}
		if err := c.query(`SELECT `+qualify("s", shareColumns)+` FROM shares s WHERE `+where+` ORDER BY s.created_at DESC, s.id`, []any{arg}, func(r *row) error {
			sh := scanShare(r)
			byID[sh.ID] = sh
			out = append(out, sh)
			return nil
		}); err != nil || len(out) == 0 {
			return err
		}
		if err := c.query(`SELECT i.share_id, i.item_id, i.slot FROM share_items i JOIN shares s ON s.id = i.share_id
			WHERE `+where+` ORDER BY i.share_id, i.position`, []any{arg}, func(r *row) error {
			id := akte.ShareID(r.text())
			it := akte.ShareItem{Item: akte.ItemID(r.text()), Slot: r.blob()}
			if sh := byID[id]; sh != nil {
				sh.Items = append(sh.Items, it)
			}
			return nil
		}); err != nil {
			return err
		}
		return c.query(`SELECT v.share_id, v.at FROM share_views v JOIN shares s ON s.id = v.share_id
			WHERE `+where+` ORDER BY v.share_id, v.at`, []any{arg}, func(r *row) error {
			id := akte.ShareID(r.text())
			if sh := byID[id]; sh != nil {
				sh.Views = append(sh.Views, r.time())
			}
			return nil
		})
	})
	return out, err
}

// Share returns a share with its items and views.
func (s *Store) Share(ctx context.Context, id akte.ShareID) (*akte.Share, error) {
	const op = "sqlite.Share"
	ss, err := s.shares(ctx, "s.id = ?", id)
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(ss) == 0 {
		return nil, notFound(op)
	}
	return ss[0], nil
}

// Shares lists the shares of an owner's record.
func (s *Store) Shares(ctx context.Context, owner akte.AccountID) ([]*akte.Share, error) {
	ss, err := s.shares(ctx, "s.owner_id = ?", owner)
	return ss, wrap("sqlite.Shares", err)
}

// RevokeShare ends a share and deletes its key slots.
func (s *Store) RevokeShare(ctx context.Context, owner akte.AccountID, id akte.ShareID, at time.Time) error {
	const op = "sqlite.RevokeShare"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE shares SET revoked_at = ? WHERE id = ? AND owner_id = ? AND revoked_at IS NULL`, micros(at), id, owner)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		_, err = c.exec(`UPDATE share_items SET slot = X'' WHERE share_id = ?`, id)
		return err
	}))
}

// ShareFailed counts a wrong proof and locks the share at lockAt.
func (s *Store) ShareFailed(ctx context.Context, id akte.ShareID, lockAt int, at time.Time) (int, bool, error) {
	const op = "sqlite.ShareFailed"
	var n int
	var locked bool
	err := s.tx(ctx, func(c *conn) error {
		k, err := c.exec(`UPDATE shares SET failures = failures + 1 WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if k == 0 {
			return notFound(op)
		}
		if err := c.one(`SELECT failures FROM shares WHERE id = ?`, []any{id}, func(r *row) { n = int(r.int64()) }); err != nil {
			return err
		}
		k, err = c.exec(`UPDATE shares SET locked_at = ? WHERE id = ? AND locked_at IS NULL AND failures >= ?`, micros(at), id, lockAt)
		locked = k > 0
		return err
	})
	return n, locked, wrap(op, err)
}

// AddShareView records an opening of the share.
func (s *Store) AddShareView(ctx context.Context, id akte.ShareID, at time.Time) error {
	return s.update(ctx, "sqlite.AddShareView", `INSERT INTO share_views (share_id, at) VALUES (?, ?)`, id, micros(at))
}
