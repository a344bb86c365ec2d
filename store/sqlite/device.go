package sqlite

import (
	"context"

	"github.com/akte/akte"
)

const deviceColumns = `account_id, id, name, created_at, confirmed_at, blocked_at, last_seen_at, secret_hash`

func scanDevice(r *row) *akte.Device {
	return &akte.Device{AccountID: akte.AccountID(r.text()), ID: akte.DeviceID(r.text()), Name: r.text(),
		CreatedAt: r.time(), ConfirmedAt: r.timePtr(), BlockedAt: r.timePtr(), LastSeenAt: r.time(), SecretHash: r.blob()}
}

// CreateDevice inserts a device of an existing account.
func (s *Store) CreateDevice(ctx context.Context, d *akte.Device) error {
	_, err := s.changes(ctx, "sqlite.CreateDevice", `INSERT INTO devices (`+deviceColumns+`) VALUES (`+placeholders(8)+`)`,
		d.AccountID, d.ID, d.Name, micros(d.CreatedAt), nullMicros(d.ConfirmedAt), nullMicros(d.BlockedAt),
		micros(d.LastSeenAt), d.SecretHash)
	return err
}

// Device returns one device of an account.
func (s *Store) Device(ctx context.Context, account akte.AccountID, id akte.DeviceID) (*akte.Device, error) {
	var d *akte.Device
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+deviceColumns+` FROM devices WHERE account_id = ? AND id = ?`, []any{account, id},
			func(r *row) { d = scanDevice(r) })
	})
	return d, wrap("sqlite.Device", err)
}

// UpdateDevice overwrites Name, ConfirmedAt, BlockedAt, LastSeenAt and
// SecretHash.
func (s *Store) UpdateDevice(ctx context.Context, d *akte.Device) error {
	return s.update(ctx, "sqlite.UpdateDevice", `UPDATE devices
		SET name = ?, confirmed_at = ?, blocked_at = ?, last_seen_at = ?, secret_hash = ?
		WHERE account_id = ? AND id = ?`,
		d.Name, nullMicros(d.ConfirmedAt), nullMicros(d.BlockedAt), micros(d.LastSeenAt), d.SecretHash,
		d.AccountID, d.ID)
}

// Devices lists an account's devices by creation time.
func (s *Store) Devices(ctx context.Context, account akte.AccountID) ([]*akte.Device, error) {
	ds, err := list(ctx, s, scanDevice,
		`SELECT `+deviceColumns+` FROM devices WHERE account_id = ? ORDER BY created_at, rowid`, account)
	return ds, wrap("sqlite.Devices", err)
}
