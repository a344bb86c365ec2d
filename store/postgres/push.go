package postgres

import (
	"context"

	"github.com/akte/akte"
	"github.com/jackc/pgx/v5"
)

const pushColumns = `account_id, id, device_id, endpoint, p256dh, auth, created_at`

func scanPush(s scanner) (*akte.PushSubscription, error) {
	var p akte.PushSubscription
	if err := s.Scan(&p.AccountID, &p.ID, &p.DeviceID, &p.Endpoint, &p.P256DH, &p.Auth, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// AddPushSubscription stores a subscription, replacing the keys of the
// account's same endpoint, else if the account holds fewer than max. The
// account's row is locked so that concurrent calls, from any replica,
// count one after the other.
func (s *Store) AddPushSubscription(ctx context.Context, p *akte.PushSubscription, max int) (*akte.PushSubscription, error) {
	const op = "postgres.AddPushSubscription"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var out *akte.PushSubscription
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, p.AccountID).Scan(&one); err != nil {
			return err
		}
		n, err := affected(tx.Exec(ctx, `UPDATE push_subscriptions SET device_id = $1, p256dh = $2, auth = $3 WHERE account_id = $4 AND endpoint = $5`,
			p.DeviceID, blob(p.P256DH), blob(p.Auth), p.AccountID, p.Endpoint))
		if err != nil {
			return err
		}
		if n == 0 {
			var count int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM push_subscriptions WHERE account_id = $1`, p.AccountID).Scan(&count); err != nil {
				return err
			}
			if count >= max {
				return akte.E(op, akte.KindConflict, "", nil)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO push_subscriptions (`+pushColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				p.AccountID, p.ID, p.DeviceID, p.Endpoint, blob(p.P256DH), blob(p.Auth), ts(p.CreatedAt)); err != nil {
				return err
			}
		}
		out, err = scanPush(tx.QueryRow(ctx, `SELECT `+pushColumns+` FROM push_subscriptions WHERE account_id = $1 AND endpoint = $2`, p.AccountID, p.Endpoint))
		return err
	})
	return out, wrap(op, err)
}

// PushSubscriptions lists an account's subscriptions by creation time.
func (s *Store) PushSubscriptions(ctx context.Context, account akte.AccountID) ([]*akte.PushSubscription, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	xs, err := list(ctx, s.pool, scanPush, `SELECT `+pushColumns+` FROM push_subscriptions WHERE account_id = $1 ORDER BY created_at, id`, account)
	return xs, wrap("postgres.PushSubscriptions", err)
}

// DeletePushSubscription removes one subscription of the account.
func (s *Store) DeletePushSubscription(ctx context.Context, account akte.AccountID, id string) error {
	return s.exec(ctx, "postgres.DeletePushSubscription", `DELETE FROM push_subscriptions WHERE account_id = $1 AND id = $2`, account, id)
}
