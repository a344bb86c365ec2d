package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const grantColumns = `id, owner_id, record_id, grantee_id, scope, categories, items, write, created_at, created_by, until, revoked_at`

func scanGrant(s scanner) (*akte.Grant, error) {
	var g akte.Grant
	var cats, items string
	if err := s.Scan(&g.ID, &g.Owner, &g.Record, &g.Grantee, &g.Scope, &cats, &items, &g.Write, &g.CreatedAt, &g.CreatedBy,
		&g.Until, &g.RevokedAt); err != nil {
		return nil, err
	}
	for _, c := range strings.Fields(cats) {
		g.Categories = append(g.Categories, akte.CategoryID(c))
	}
	for _, i := range strings.Fields(items) {
		g.Items = append(g.Items, akte.ItemID(i))
	}
	g.CreatedAt, g.Until, g.RevokedAt = g.CreatedAt.UTC(), utc(g.Until), utc(g.RevokedAt)
	return &g, nil
}

func joinIDs[T ~string](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
}

// keyCreated stores a category key version's time, NULL for one made
// with the record.
func keyCreated(k akte.CategoryKey) *time.Time {
	if k.CreatedAt.IsZero() {
		return nil
	}
	return nullTS(&k.CreatedAt)
}

// lockOwner serializes the grants and blocks of one owner on its account
// row: under READ COMMITTED a grant checking for a block and a block
// ending the running grants would otherwise each miss the other's
// uncommitted row. NO KEY: rows that merely reference the account (its
// sessions, events) are not held up.
func lockOwner(ctx context.Context, tx pgx.Tx, owner akte.AccountID) error {
	_, err := tx.Exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, owner)
	return err
}

// CreateGrant stores a grant with its keys unless the owner blocks the
// grantee.
func (s *Store) CreateGrant(ctx context.Context, g *akte.Grant) error {
	const op = "postgres.CreateGrant"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, g.Owner); err != nil {
			return err
		}
		n, err := affected(tx.Exec(ctx, `INSERT INTO grants (`+grantColumns+`)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
			WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE owner_id = $2 AND grantee_id = $4)`,
			g.ID, g.Owner, g.Record, g.Grantee, g.Scope, joinIDs(g.Categories), joinIDs(g.Items), g.Write,
			ts(g.CreatedAt), g.CreatedBy, nullTS(g.Until), nullTS(g.RevokedAt)))
		if err != nil {
			return err
		}
		if n == 0 {
			return akte.E(op, akte.KindConflict, "grantee blocked", nil)
		}
		for _, k := range g.Keys {
			if _, err := tx.Exec(ctx, `INSERT INTO grant_keys (grant_id, key_id, slot) VALUES ($1, $2, $3)`, g.ID, k.ID, blob(k.Slot)); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (s *Store) grants(ctx context.Context, op, where string, arg any, withKeys bool) ([]*akte.Grant, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	gs, err := list(ctx, s.pool, scanGrant, `SELECT `+grantColumns+` FROM grants g WHERE `+where+` ORDER BY created_at DESC, id`, arg)
	if err != nil || len(gs) == 0 || !withKeys {
		return gs, wrap(op, err)
	}
	byID := map[akte.GrantID]*akte.Grant{}
	for _, g := range gs {
		byID[g.ID] = g
	}
	type key struct {
		grant akte.GrantID
		k     akte.GrantKey
	}
	ks, err := list(ctx, s.pool, func(r scanner) (key, error) {
		var k key
		return k, r.Scan(&k.grant, &k.k.ID, &k.k.Slot)
	}, `SELECT k.grant_id, k.key_id, k.slot FROM grant_keys k JOIN grants g ON g.id = k.grant_id WHERE `+where+` ORDER BY k.grant_id, k.key_id`, arg)
	if err != nil {
		return nil, wrap(op, err)
	}
	for _, k := range ks {
		if g := byID[k.grant]; g != nil {
			g.Keys = append(g.Keys, k.k)
		}
	}
	return gs, nil
}

// Grants lists the grants of an owner's record.
func (s *Store) Grants(ctx context.Context, owner akte.AccountID) ([]*akte.Grant, error) {
	return s.grants(ctx, "postgres.Grants", "g.owner_id = $1", owner, true)
}

// GranteeGrants lists the grants naming grantee.
func (s *Store) GranteeGrants(ctx context.Context, grantee akte.AccountID, withKeys bool) ([]*akte.Grant, error) {
	return s.grants(ctx, "postgres.GranteeGrants", "g.grantee_id = $1", grantee, withKeys)
}

// RevokeGrant ends a grant and deletes its keys.
func (s *Store) RevokeGrant(ctx context.Context, owner akte.AccountID, id akte.GrantID, at time.Time) error {
	const op = "postgres.RevokeGrant"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockOwner(ctx, tx, owner); err != nil {
			return err
		}
		n, err := affected(tx.Exec(ctx, `UPDATE grants SET revoked_at = $1 WHERE id = $2 AND owner_id = $3 AND revoked_at IS NULL`, ts(at), id, owner))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		_, err = tx.Exec(ctx, `DELETE FROM grant_keys WHERE grant_id = $1`, id)
		return err
	}))
}

// AddCategoryKey adds the next version of a category key and its slots
// for running grants.
func (s *Store) AddCategoryKey(ctx context.Context, owner akte.AccountID, k akte.CategoryKey, keys map[akte.GrantID]akte.GrantKey) error {
	const op = "postgres.AddCategoryKey"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap(op, s.tx(ctx, func(tx pgx.Tx) error {
		// Serialized with the owner's other additions, grants, revocations
		// and blocks.
		if err := lockOwner(ctx, tx, owner); err != nil {
			return err
		}
		var newest int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM category_keys WHERE account_id = $1 AND category = $2`,
			owner, k.Category).Scan(&newest); err != nil {
			return err
		}
		if int64(k.Version) != newest+1 {
			return akte.E(op, akte.KindConflict, "not the next version", nil)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO category_keys (account_id, category, version, key_by_rmk, created_at) VALUES ($1, $2, $3, $4, $5)`,
			owner, k.Category, int64(k.Version), blob(k.KeyByRMK), keyCreated(k)); err != nil {
			return err
		}
		for id, gk := range keys {
			if _, err := tx.Exec(ctx, `INSERT INTO grant_keys (grant_id, key_id, slot)
				SELECT id, $1, $2 FROM grants WHERE id = $3 AND owner_id = $4 AND revoked_at IS NULL`, gk.ID, blob(gk.Slot), id, owner); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SetHidden hides or shows one item or category from a grantee.
func (s *Store) SetHidden(ctx context.Context, h akte.Hiding, hidden bool) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	q := `DELETE FROM hidings WHERE owner_id = $1 AND grantee_id = $2 AND category = $3 AND item_id = $4`
	if hidden {
		q = `INSERT INTO hidings (owner_id, grantee_id, category, item_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`
	}
	_, err := s.pool.Exec(ctx, q, h.Owner, h.Grantee, string(h.Category), string(h.Item))
	return wrap("postgres.SetHidden", err)
}

// Hidings lists what the owner hides.
func (s *Store) Hidings(ctx context.Context, owner akte.AccountID) ([]akte.Hiding, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	hs, err := list(ctx, s.pool, func(r scanner) (akte.Hiding, error) {
		h := akte.Hiding{Owner: owner}
		return h, r.Scan(&h.Grantee, &h.Category, &h.Item)
	}, `SELECT grantee_id, category, item_id FROM hidings WHERE owner_id = $1 ORDER BY grantee_id, category, item_id`, owner)
	return hs, wrap("postgres.Hidings", err)
}

// Block blocks a grantee and ends its grants of the owner's record.
func (s *Store) Block(ctx context.Context, owner, grantee akte.AccountID, at time.Time) ([]akte.GrantID, error) {
	const op = "postgres.Block"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var ended []akte.GrantID
	err := s.tx(ctx, func(tx pgx.Tx) error {
		ended = nil
		if err := lockOwner(ctx, tx, owner); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO blocks (owner_id, grantee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			owner, grantee, ts(at)); err != nil {
			return err
		}
		ids, err := list(ctx, tx, func(r scanner) (akte.GrantID, error) {
			var id akte.GrantID
			return id, r.Scan(&id)
		}, `UPDATE grants SET revoked_at = $1 WHERE owner_id = $2 AND grantee_id = $3 AND revoked_at IS NULL RETURNING id`, ts(at), owner, grantee)
		if err != nil {
			return err
		}
		ended = ids
		_, err = tx.Exec(ctx, `DELETE FROM grant_keys WHERE grant_id IN (SELECT id FROM grants WHERE owner_id = $1 AND grantee_id = $2)`, owner, grantee)
		return err
	})
	return ended, wrap(op, err)
}

// Unblock removes a block.
func (s *Store) Unblock(ctx context.Context, owner, grantee akte.AccountID) error {
	return s.exec(ctx, "postgres.Unblock", `DELETE FROM blocks WHERE owner_id = $1 AND grantee_id = $2`, owner, grantee)
}

// Blocked lists the accounts the owner blocks.
func (s *Store) Blocked(ctx context.Context, owner akte.AccountID) ([]akte.AccountID, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ids, err := list(ctx, s.pool, func(r scanner) (akte.AccountID, error) {
		var id akte.AccountID
		return id, r.Scan(&id)
	}, `SELECT grantee_id FROM blocks WHERE owner_id = $1 ORDER BY created_at, grantee_id`, owner)
	return ids, wrap("postgres.Blocked", err)
}
