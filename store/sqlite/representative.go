package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const representativeColumns = `id, owner_id, record_id, email, kvnr, wait_days, account_id, created_at, accepted_at,
	public_key, rmk_slot, requested_at, opens_at, reminded_at, opened_at, refused_at`

func scanRepresentative(r *row) *akte.Representative {
	return &akte.Representative{ID: r.text(), Owner: akte.AccountID(r.text()), Record: akte.RecordID(r.text()), Email: r.text(), KVNR: r.text(),
		WaitDays: int(r.int64()), Account: akte.AccountID(r.text()), CreatedAt: r.time(), AcceptedAt: r.timePtr(),
		PublicKey: r.blob(), RMKSlot: r.blob(), RequestedAt: r.timePtr(), OpensAt: r.timePtr(), RemindedAt: r.timePtr(),
		OpenedAt: r.timePtr(), RefusedAt: r.timePtr()}
}

func nullText(s akte.AccountID) any {
	if s == "" {
		return nil
	}
	return string(s)
}

// CreateRepresentative inserts a representative if the record has fewer
// than max; SQLite runs one writer at a time, so the count and the insert
// in one transaction cannot interleave with another's.
func (s *Store) CreateRepresentative(ctx context.Context, r *akte.Representative, max int) error {
	const op = "sqlite.CreateRepresentative"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		var n int64
		if err := c.one(`SELECT count(*) FROM representatives WHERE owner_id = ?`, []any{r.Owner}, func(rw *row) { n = rw.int64() }); err != nil {
			return err
		}
		if n >= int64(max) {
			return akte.E(op, akte.KindQuota, "", nil)
		}
		added, err := c.exec(`INSERT INTO representatives (id, owner_id, record_id, email, kvnr, wait_days, created_at)
			SELECT ?, account_id, id, ?, ?, ?, ? FROM records WHERE account_id = ? AND id = ?`,
			r.ID, r.Email, r.KVNR, r.WaitDays, micros(r.CreatedAt), r.Owner, r.Record)
		if err != nil {
			return err
		}
		if added == 0 {
			return notFound(op)
		}
		return nil
	}))
}

// Representatives lists the representatives of the owner's record.
func (s *Store) Representatives(ctx context.Context, owner akte.AccountID) ([]*akte.Representative, error) {
	rs, err := list(ctx, s, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives WHERE owner_id = ? ORDER BY created_at, rowid`, owner)
	return rs, wrap("sqlite.Representatives", err)
}

// Representation returns the account's representative entry in a record.
func (s *Store) Representation(ctx context.Context, record akte.RecordID, account akte.AccountID, email string) (*akte.Representative, error) {
	var out *akte.Representative
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+representativeColumns+` FROM representatives
			WHERE record_id = ? AND (account_id = ? OR (account_id IS NULL AND email = ?))
			ORDER BY account_id IS NULL LIMIT 1`, []any{record, account, email}, func(r *row) { out = scanRepresentative(r) })
	})
	return out, wrap("sqlite.Representation", err)
}

// Representations lists the account's representative entries.
func (s *Store) Representations(ctx context.Context, account akte.AccountID, email string) ([]*akte.Representative, error) {
	rs, err := list(ctx, s, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives
		WHERE account_id = ? OR (account_id IS NULL AND email = ?) ORDER BY created_at, rowid`, account, email)
	return rs, wrap("sqlite.Representations", err)
}

// UpdateRepresentative writes the changeable fields of a representative.
func (s *Store) UpdateRepresentative(ctx context.Context, r *akte.Representative, requested *time.Time) error {
	return s.update(ctx, "sqlite.UpdateRepresentative", `UPDATE representatives SET account_id = ?, accepted_at = ?, public_key = ?, rmk_slot = ?,
		requested_at = ?, opens_at = ?, reminded_at = ?, opened_at = ?, refused_at = ? WHERE owner_id = ? AND id = ? AND requested_at IS ?`,
		nullText(r.Account), nullMicros(r.AcceptedAt), r.PublicKey, r.RMKSlot, nullMicros(r.RequestedAt), nullMicros(r.OpensAt),
		nullMicros(r.RemindedAt), nullMicros(r.OpenedAt), nullMicros(r.RefusedAt), r.Owner, r.ID, nullMicros(requested))
}

// DeleteRepresentative removes a representative of a record.
func (s *Store) DeleteRepresentative(ctx context.Context, owner akte.AccountID, id string) error {
	return s.update(ctx, "sqlite.DeleteRepresentative", `DELETE FROM representatives WHERE owner_id = ? AND id = ?`, owner, id)
}

// EmergenciesDue lists the emergency requests that open before before
// and are not recorded as opened.
func (s *Store) EmergenciesDue(ctx context.Context, before time.Time) ([]*akte.Representative, error) {
	rs, err := list(ctx, s, scanRepresentative,
		`SELECT `+representativeColumns+` FROM representatives
		WHERE opens_at IS NOT NULL AND opens_at < ? AND opened_at IS NULL ORDER BY opens_at, rowid`, micros(before))
	return rs, wrap("sqlite.EmergenciesDue", err)
}
