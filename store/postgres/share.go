package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const shareColumns = `id, owner_id, record_id, created_at, created_by, expires_at, revoked_at, locked_at, failures, code, password, proof_hash`

func scanShare(s scanner) (*akte.Share, error) {
	var sh akte.Share
	if err := s.Scan(&sh.ID, &sh.Owner, &sh.Record, &sh.CreatedAt, &sh.CreatedBy, &sh.ExpiresAt, &sh.RevokedAt, &sh.LockedAt,
		&sh.Failures, &sh.Code, &sh.Password, &sh.ProofHash); err != nil {
		return nil, err
	}
	sh.CreatedAt, sh.ExpiresAt, sh.RevokedAt, sh.LockedAt = sh.CreatedAt.UTC(), sh.ExpiresAt.UTC(), utc(sh.RevokedAt), utc(sh.LockedAt)
	return &sh, nil
}

// CreateShare inserts a share with its items.
func (s *Store) CreateShare(ctx context.Context, sh *akte.Share) error {
	const op = "postgres.CreateShare"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO shares (`+shareColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			sh.ID, sh.Owner, sh.Record, ts(sh.CreatedAt), sh.CreatedBy, ts(sh.ExpiresAt), nullTS(sh.RevokedAt), nullTS(sh.LockedAt),
			sh.Failures, sh.Code, sh.Password, blob(sh.ProofHash)); err != nil {
			return err
		}
		for i, it := range sh.Items {
			if _, err := tx.Exec(ctx, `INSERT INTO share_items (share_id, position, item_id, slot) VALUES ($1, $2, $3, $4)`,
				sh.ID, i, it.Item, blob(it.Slot)); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (s *Store) shares(ctx context.Context, where string, arg any) ([]*akte.Share, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ss, err := list(ctx, s.pool, scanShare, `SELECT `+qualify("s", shareColumns)+` FROM shares s WHERE `+where+` ORDER BY s.created_at DESC, s.id`, arg)
	if err != nil || len(ss) == 0 {
		return ss, err
	}
	byID := map[akte.ShareID]*akte.Share{}
	for _, sh := range ss {
		byID[sh.ID] = sh
	}
	type item struct {
		share akte.ShareID
		it    akte.ShareItem
	}
	its, err := list(ctx, s.pool, func(r scanner) (item, error) {
		var i item
		return i, r.Scan(&i.share, &i.it.Item, &i.it.Slot)
	}, `SELECT i.share_id, i.item_id, i.slot FROM share_items i JOIN shares s ON s.id = i.share_id WHERE `+where+` ORDER BY i.share_id, i.position`, arg)
	if err != nil {
		return nil, err
	}
	for _, i := range its {
		if sh := byID[i.share]; sh != nil {
			sh.Items = append(sh.Items, i.it)
		}
	}
	type view struct {
		share akte.ShareID
		at    time.Time
	}
	vs, err := list(ctx, s.pool, func(r scanner) (view, error) {
		var v view
		return v, r.Scan(&v.share, &v.at)
	}, `SELECT v.share_id, v.at FROM share_views v JOIN shares s ON s.id = v.share_id WHERE `+where+` ORDER BY v.share_id, v.at`, arg)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if sh := byID[v.share]; sh != nil {
			sh.Views = append(sh.Views, v.at.UTC())
		}
	}
	return ss, nil
}

// Share returns a share with its items and views.
func (s *Store) Share(ctx context.Context, id akte.ShareID) (*akte.Share, error) {
	const op = "postgres.Share"
	ss, err := s.shares(ctx, "s.id = $1", id)
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
	ss, err := s.shares(ctx, "s.owner_id = $1", owner)
	return ss, wrap("postgres.Shares", err)
}

// RevokeShare ends a share and deletes its key slots.
func (s *Store) RevokeShare(ctx context.Context, owner akte.AccountID, id akte.ShareID, at time.Time) error {
	const op = "postgres.RevokeShare"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		n, err := affected(tx.Exec(ctx, `UPDATE shares SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL`, ts(at), id, owner))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		_, err = tx.Exec(ctx, `UPDATE share_items SET slot = '\x' WHERE share_id = $1`, id)
		return err
	}))
}

// ShareFailed counts a wrong proof and locks the share at lockAt, in one
// statement (the row lock orders concurrent calls).
func (s *Store) ShareFailed(ctx context.Context, id akte.ShareID, lockAt int, at time.Time) (int, bool, error) {
	const op = "postgres.ShareFailed"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var n int
	var locked bool
	err := s.pool.QueryRow(ctx, `WITH old AS (SELECT id, locked_at FROM shares WHERE id = $1 FOR UPDATE)
		UPDATE shares s SET failures = s.failures + 1,
			locked_at = CASE WHEN s.locked_at IS NULL AND s.failures + 1 >= $2 THEN $3 ELSE s.locked_at END
		FROM old WHERE s.id = old.id
		RETURNING s.failures, old.locked_at IS NULL AND s.locked_at IS NOT NULL`, id, lockAt, ts(at)).Scan(&n, &locked)
	if err == pgx.ErrNoRows {
		return 0, false, notFound(op)
	}
	return n, locked, wrap(op, err)
}

// AddShareView records an opening of the share.
func (s *Store) AddShareView(ctx context.Context, id akte.ShareID, at time.Time) error {
	return s.exec(ctx, "postgres.AddShareView", `INSERT INTO share_views (share_id, at) VALUES ($1, $2)`, id, ts(at))
}
