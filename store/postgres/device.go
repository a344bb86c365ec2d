package postgres

import (
	"context"

	"github.com/akte/akte"
)

const deviceColumns = `account_id, id, name, created_at, confirmed_at, blocked_at, last_seen_at, secret_hash`

func deviceDest(d *akte.Device) []any {
	return []any{&d.AccountID, &d.ID, &d.Name, &d.CreatedAt, &d.ConfirmedAt, &d.BlockedAt, &d.LastSeenAt, &d.SecretHash}
}

func deviceDone(d *akte.Device) *akte.Device {
	d.CreatedAt = d.CreatedAt.UTC()
	d.ConfirmedAt = utc(d.ConfirmedAt)
	d.BlockedAt = utc(d.BlockedAt)
	d.LastSeenAt = d.LastSeenAt.UTC()
	return d
}

func scanDevice(s scanner) (*akte.Device, error) {
	var d akte.Device
	if err := s.Scan(deviceDest(&d)...); err != nil {
		return nil, err
	}
	return deviceDone(&d), nil
}

// CreateDevice inserts a device of an existing account.
func (s *Store) CreateDevice(ctx context.Context, d *akte.Device) error {
	const op = "postgres.CreateDevice"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO devices (`+deviceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		d.AccountID, d.ID, d.Name, ts(d.CreatedAt), nullTS(d.ConfirmedAt), nullTS(d.BlockedAt),
		ts(d.LastSeenAt), blob(d.SecretHash))
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	d, err := scanDevice(s.pool.QueryRow(ctx,
		`SELECT `+deviceColumns+` FROM devices WHERE account_id = $1 AND id = $2`, account, id))
	if err != nil {
		return nil, wrap("postgres.Device", err)
	}
	return d, nil
}

// UpdateDevice overwrites Name, ConfirmedAt, BlockedAt, LastSeenAt and
// SecretHash.
func (s *Store) UpdateDevice(ctx context.Context, d *akte.Device) error {
	const op = "postgres.UpdateDevice"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE devices
		SET name = $1, confirmed_at = $2, blocked_at = $3, last_seen_at = $4, secret_hash = $5
		WHERE account_id = $6 AND id = $7`,
		d.Name, nullTS(d.ConfirmedAt), nullTS(d.BlockedAt), ts(d.LastSeenAt), blob(d.SecretHash),
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ds, err := list(ctx, s.pool, scanDevice,
		`SELECT `+deviceColumns+` FROM devices WHERE account_id = $1 ORDER BY created_at, seq`, account)
	if err != nil {
		return nil, wrap("postgres.Devices", err)
	}
	return ds, nil
}
