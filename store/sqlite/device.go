package sqlite

import (
	"context"
	"database/sql"

	"github.com/akte/akte"
)

const deviceColumns = `account_id, id, name, created_at, confirmed_at, blocked_at, last_seen_at, secret_hash`

// deviceRow is a device and the destinations of its scan.
type deviceRow struct {
	d                  akte.Device
	created, lastSeen  int64
	confirmed, blocked sql.NullInt64
}

func (r *deviceRow) dest() []any {
	d := &r.d
	return []any{&d.AccountID, &d.ID, &d.Name, &r.created, &r.confirmed, &r.blocked, &r.lastSeen, &d.SecretHash}
}

func (r *deviceRow) done() *akte.Device {
	r.d.CreatedAt = fromMicros(r.created)
	r.d.ConfirmedAt = ptrMicros(r.confirmed)
	r.d.BlockedAt = ptrMicros(r.blocked)
	r.d.LastSeenAt = fromMicros(r.lastSeen)
	return &r.d
}

func scanDevice(s scanner) (*akte.Device, error) {
	var r deviceRow
	if err := s.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.done(), nil
}

// CreateDevice inserts a device of an existing account.
func (s *Store) CreateDevice(ctx context.Context, d *akte.Device) error {
	const op = "sqlite.CreateDevice"
	_, err := s.db.ExecContext(ctx, `INSERT INTO devices (`+deviceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		d.AccountID, d.ID, d.Name, micros(d.CreatedAt), nullMicros(d.ConfirmedAt), nullMicros(d.BlockedAt),
		micros(d.LastSeenAt), blob(d.SecretHash))
	switch kindOf(err) {
	case akte.KindConflict:
		return akte.E(op, akte.KindConflict, "", err)
	case akte.KindNotFound:
		return akte.E(op, akte.KindNotFound, "", err)
	}
	return wrap(op, err)
}

// Device returns one device of an account.
func (s *Store) Device(ctx context.Context, account akte.AccountID, id akte.DeviceID) (*akte.Device, error) {
	d, err := scanDevice(s.queryRow(ctx,
		`SELECT `+deviceColumns+` FROM devices WHERE account_id = ? AND id = ?`, account, id))
	if err != nil {
		return nil, wrap("sqlite.Device", err)
	}
	return d, nil
}

// UpdateDevice overwrites Name, ConfirmedAt, BlockedAt, LastSeenAt and
// SecretHash.
func (s *Store) UpdateDevice(ctx context.Context, d *akte.Device) error {
	const op = "sqlite.UpdateDevice"
	n, err := affected(s.db.ExecContext(ctx, `UPDATE devices
		SET name = ?, confirmed_at = ?, blocked_at = ?, last_seen_at = ?, secret_hash = ?
		WHERE account_id = ? AND id = ?`,
		d.Name, nullMicros(d.ConfirmedAt), nullMicros(d.BlockedAt), micros(d.LastSeenAt), blob(d.SecretHash),
		d.AccountID, d.ID))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// Devices lists an account's devices by creation time.
func (s *Store) Devices(ctx context.Context, account akte.AccountID) ([]*akte.Device, error) {
	ds, err := list(ctx, s.db, scanDevice,
		`SELECT `+deviceColumns+` FROM devices WHERE account_id = ? ORDER BY created_at, rowid`, account)
	return ds, wrap("sqlite.Devices", err)
}
