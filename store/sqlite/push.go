package sqlite

import (
	"context"

	"github.com/akte/akte"
)

const pushColumns = `account_id, id, device_id, endpoint, p256dh, auth, created_at`

func scanPush(r *row) *akte.PushSubscription {
	return &akte.PushSubscription{AccountID: akte.AccountID(r.text()), ID: r.text(), DeviceID: akte.DeviceID(r.text()), Endpoint: r.text(),
		P256DH: r.blob(), Auth: r.blob(), CreatedAt: r.time()}
}

// AddPushSubscription stores a subscription, replacing the keys of the
// account's same endpoint, else if the account holds fewer than max.
func (s *Store) AddPushSubscription(ctx context.Context, p *akte.PushSubscription, max int) (*akte.PushSubscription, error) {
	const op = "sqlite.AddPushSubscription"
	var out *akte.PushSubscription
	err := s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE push_subscriptions SET device_id = ?, p256dh = ?, auth = ? WHERE account_id = ? AND endpoint = ?`,
			p.DeviceID, p.P256DH, p.Auth, p.AccountID, p.Endpoint)
		if err != nil {
			return err
		}
		if n == 0 {
			var count int64
			if err := c.one(`SELECT count(*) FROM push_subscriptions WHERE account_id = ?`, []any{p.AccountID}, func(r *row) { count = r.int64() }); err != nil {
				return err
			}
			if count >= int64(max) {
				return akte.E(op, akte.KindConflict, "", nil)
			}
			if _, err := c.exec(`INSERT INTO push_subscriptions (`+pushColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				p.AccountID, p.ID, p.DeviceID, p.Endpoint, p.P256DH, p.Auth, micros(p.CreatedAt)); err != nil {
				return err
			}
		}
		return c.one(`SELECT `+pushColumns+` FROM push_subscriptions WHERE account_id = ? AND endpoint = ?`, []any{p.AccountID, p.Endpoint},
			func(r *row) { out = scanPush(r) })
	})
	return out, wrap(op, err)
}

// PushSubscriptions lists an account's subscriptions by creation time.
func (s *Store) PushSubscriptions(ctx context.Context, account akte.AccountID) ([]*akte.PushSubscription, error) {
	xs, err := list(ctx, s, scanPush, `SELECT `+pushColumns+` FROM push_subscriptions WHERE account_id = ? ORDER BY created_at, id`, account)
	return xs, wrap("sqlite.PushSubscriptions", err)
}

// DeletePushSubscription removes one subscription of the account.
func (s *Store) DeletePushSubscription(ctx context.Context, account akte.AccountID, id string) error {
	return s.update(ctx, "sqlite.DeletePushSubscription", `DELETE FROM push_subscriptions WHERE account_id = ? AND id = ?`, account, id)
}
