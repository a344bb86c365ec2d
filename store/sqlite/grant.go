package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/akte/akte"
)

const grantColumns = `id, owner_id, record_id, grantee_id, scope, categories, items, write, created_at, created_by, until, revoked_at`

func scanGrant(r *row) *akte.Grant {
	g := &akte.Grant{ID: akte.GrantID(r.text()), Owner: akte.AccountID(r.text()), Record: akte.RecordID(r.text()),
		Grantee: akte.AccountID(r.text()), Scope: akte.GrantScope(r.text())}
	for _, c := range strings.Fields(r.text()) {
		g.Categories = append(g.Categories, akte.CategoryID(c))
	}
	for _, i := range strings.Fields(r.text()) {
		g.Items = append(g.Items, akte.ItemID(i))
	}
	g.Write, g.CreatedAt, g.CreatedBy = r.int64() != 0, r.time(), akte.AccountID(r.text())
	g.Until, g.RevokedAt = r.timePtr(), r.timePtr()
	return g
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
func keyCreated(k akte.CategoryKey) any {
	if k.CreatedAt.IsZero() {
		return nil
	}
	return micros(k.CreatedAt)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateGrant stores a grant with its keys unless the owner blocks the
// grantee.
func (s *Store) CreateGrant(ctx context.Context, g *akte.Grant) error {
	const op = "sqlite.CreateGrant"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`INSERT INTO grants (`+grantColumns+`)
			SELECT `+placeholders(12)+` WHERE NOT EXISTS (SELECT 1 FROM blocks WHERE owner_id = ? AND grantee_id = ?)`,
			g.ID, g.Owner, g.Record, g.Grantee, g.Scope, joinIDs(g.Categories), joinIDs(g.Items), boolInt(g.Write),
			micros(g.CreatedAt), g.CreatedBy, nullMicros(g.Until), nullMicros(g.RevokedAt), g.Owner, g.Grantee)
		if err != nil {
			return err
		}
		if n == 0 {
			return akte.E(op, akte.KindConflict, "grantee blocked", nil)
		}
		return insertGrantKeys(c, g.ID, g.Keys)
	}))
}

func insertGrantKeys(c *conn, id akte.GrantID, keys []akte.GrantKey) error {
	for _, k := range keys {
		if _, err := c.exec(`INSERT INTO grant_keys (grant_id, key_id, slot) VALUES (?, ?, ?)`, id, k.ID, k.Slot); err != nil {
			return err
		}
	}
	return nil
}

// grants lists grants with their keys: where is a condition on the
// grants table (alias g) with one parameter.
func (s *Store) grants(ctx context.Context, op, where string, arg any, withKeys bool) ([]*akte.Grant, error) {
	var out []*akte.Grant
	err := s.read(ctx, func(c *conn) error {
		byID := map[akte.GrantID]*akte.Grant{}
		if err := c.query(`SELECT `+grantColumns+` FROM grants g WHERE `+where+` ORDER BY created_at DESC, id`, []any{arg}, func(r *row) error {
			g := scanGrant(r)
			byID[g.ID] = g
			out = append(out, g)
			return nil
		}); err != nil {
			return err
		}
		if len(out) == 0 || !withKeys {
			return nil
		}
		return c.query(`SELECT k.grant_id, k.key_id, k.slot FROM grant_keys k JOIN grants g ON g.id = k.grant_id
			WHERE `+where+` ORDER BY k.grant_id, k.key_id`, []any{arg}, func(r *row) error {
			id := akte.GrantID(r.text())
			k := akte.GrantKey{ID: r.text(), Slot: r.blob()}
			if g := byID[id]; g != nil {
				g.Keys = append(g.Keys, k)
			}
			return nil
		})
	})
	return out, wrap(op, err)
}

// Grants lists the grants of an owner's record.
func (s *Store) Grants(ctx context.Context, owner akte.AccountID) ([]*akte.Grant, error) {
	return s.grants(ctx, "sqlite.Grants", "g.owner_id = ?", owner, true)
}

// GranteeGrants lists the grants naming grantee.
func (s *Store) GranteeGrants(ctx context.Context, grantee akte.AccountID, withKeys bool) ([]*akte.Grant, error) {
	return s.grants(ctx, "sqlite.GranteeGrants", "g.grantee_id = ?", grantee, withKeys)
}

// RevokeGrant ends a grant and deletes its keys.
func (s *Store) RevokeGrant(ctx context.Context, owner akte.AccountID, id akte.GrantID, at time.Time) error {
	const op = "sqlite.RevokeGrant"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE grants SET revoked_at = ? WHERE id = ? AND owner_id = ? AND revoked_at IS NULL`, micros(at), id, owner)
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(op)
		}
		_, err = c.exec(`DELETE FROM grant_keys WHERE grant_id = ?`, id)
		return err
	}))
}

// AddCategoryKey adds the next version of a category key and its slots
// for running grants.
func (s *Store) AddCategoryKey(ctx context.Context, owner akte.AccountID, k akte.CategoryKey, keys map[akte.GrantID]akte.GrantKey) error {
	const op = "sqlite.AddCategoryKey"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		var newest int64
		if err := c.one(`SELECT coalesce(max(version), 0) FROM category_keys WHERE account_id = ? AND category = ?`,
			[]any{owner, k.Category}, func(r *row) { newest = r.int64() }); err != nil {
			return err
		}
		if int64(k.Version) != newest+1 {
			return akte.E(op, akte.KindConflict, "not the next version", nil)
		}
		if _, err := c.exec(`INSERT INTO category_keys (account_id, category, version, key_by_rmk, created_at) VALUES (?, ?, ?, ?, ?)`,
			owner, k.Category, k.Version, k.KeyByRMK, keyCreated(k)); err != nil {
			return err
		}
		for id, gk := range keys {
			// Only into a grant of this owner that is not revoked.
			if _, err := c.exec(`INSERT INTO grant_keys (grant_id, key_id, slot)
				SELECT id, ?, ? FROM grants WHERE id = ? AND owner_id = ? AND revoked_at IS NULL`, gk.ID, gk.Slot, id, owner); err != nil {
				return err
			}
		}
		return nil
	}))
}

// SetHidden hides or shows one item or category from a grantee.
func (s *Store) SetHidden(ctx context.Context, h akte.Hiding, hidden bool) error {
	q := `DELETE FROM hidings WHERE owner_id = ? AND grantee_id = ? AND category = ? AND item_id = ?`
	if hidden {
		q = `INSERT INTO hidings (owner_id, grantee_id, category, item_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`
	}
	_, err := s.changes(ctx, "sqlite.SetHidden", q, h.Owner, h.Grantee, h.Category, h.Item)
	return err
}

// Hidings lists what the owner hides.
func (s *Store) Hidings(ctx context.Context, owner akte.AccountID) ([]akte.Hiding, error) {
	hs, err := list(ctx, s, func(r *row) akte.Hiding {
		return akte.Hiding{Owner: owner, Grantee: akte.AccountID(r.text()), Category: akte.CategoryID(r.text()), Item: akte.ItemID(r.text())}
	}, `SELECT grantee_id, category, item_id FROM hidings WHERE owner_id = ? ORDER BY grantee_id, category, item_id`, owner)
	return hs, wrap("sqlite.Hidings", err)
}

// Block blocks a grantee and ends its grants of the owner's record.
func (s *Store) Block(ctx context.Context, owner, grantee akte.AccountID, at time.Time) ([]akte.GrantID, error) {
	const op = "sqlite.Block"
	var ended []akte.GrantID
	err := s.tx(ctx, func(c *conn) error {
		if _, err := c.exec(`INSERT INTO blocks (owner_id, grantee_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			owner, grantee, micros(at)); err != nil {
			return err
		}
		if err := c.query(`UPDATE grants SET revoked_at = ? WHERE owner_id = ? AND grantee_id = ? AND revoked_at IS NULL RETURNING id`,
			[]any{micros(at), owner, grantee}, func(r *row) error {
				ended = append(ended, akte.GrantID(r.text()))
				return nil
			}); err != nil {
			return err
		}
		_, err := c.exec(`DELETE FROM grant_keys WHERE grant_id IN (SELECT id FROM grants WHERE owner_id = ? AND grantee_id = ?)`, owner, grantee)
		return err
	})
	return ended, wrap(op, err)
}

// Unblock removes a block.
func (s *Store) Unblock(ctx context.Context, owner, grantee akte.AccountID) error {
	return s.update(ctx, "sqlite.Unblock", `DELETE FROM blocks WHERE owner_id = ? AND grantee_id = ?`, owner, grantee)
}

// Blocked lists the accounts the owner blocks.
func (s *Store) Blocked(ctx context.Context, owner akte.AccountID) ([]akte.AccountID, error) {
	ids, err := list(ctx, s, func(r *row) akte.AccountID { return akte.AccountID(r.text()) },
		`SELECT grantee_id FROM blocks WHERE owner_id = ? ORDER BY created_at, grantee_id`, owner)
	return ids, wrap("sqlite.Blocked", err)
}
