package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const reminderColumns = `account_id, tz, morning, noon, evening, night, updated_at, last_sent, via`

func scanReminder(r *row) *akte.Reminder {
	x := &akte.Reminder{AccountID: akte.AccountID(r.text()), TZ: r.text()}
	for i := range x.Times {
		x.Times[i] = int(r.int64())
	}
	x.UpdatedAt, x.LastSent, x.Via = r.time(), r.time(), r.text()
	return x
}

// SetReminder stores the account's reminders, replacing earlier ones.
func (s *Store) SetReminder(ctx context.Context, x *akte.Reminder) error {
	_, err := s.changes(ctx, "sqlite.SetReminder", `INSERT INTO medication_reminders (`+reminderColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET tz = excluded.tz, morning = excluded.morning, noon = excluded.noon, evening = excluded.evening,
		night = excluded.night, updated_at = excluded.updated_at, last_sent = excluded.last_sent, via = excluded.via`,
		x.AccountID, x.TZ, x.Times[0], x.Times[1], x.Times[2], x.Times[3], micros(x.UpdatedAt), micros(x.LastSent), x.Via)
	return err
}

// Reminder returns the account's reminders.
func (s *Store) Reminder(ctx context.Context, account akte.AccountID) (*akte.Reminder, error) {
	var x *akte.Reminder
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+reminderColumns+` FROM medication_reminders WHERE account_id = ?`, []any{account}, func(r *row) { x = scanReminder(r) })
	})
	return x, wrap("sqlite.Reminder", err)
}

// Reminders lists every account's reminders.
func (s *Store) Reminders(ctx context.Context) ([]*akte.Reminder, error) {
	xs, err := list(ctx, s, scanReminder, `SELECT `+reminderColumns+` FROM medication_reminders ORDER BY account_id`)
	return xs, wrap("sqlite.Reminders", err)
}

// DeleteReminder removes the account's reminders.
func (s *Store) DeleteReminder(ctx context.Context, account akte.AccountID) error {
	return s.update(ctx, "sqlite.DeleteReminder", `DELETE FROM medication_reminders WHERE account_id = ?`, account)
}

// MarkReminderSent records the reminder due at at as sent, if none at or
// after it was.
func (s *Store) MarkReminderSent(ctx context.Context, account akte.AccountID, at time.Time) (bool, error) {
	k, err := s.changes(ctx, "sqlite.MarkReminderSent", `UPDATE medication_reminders SET last_sent = ? WHERE account_id = ? AND last_sent < ?`,
		micros(at), account, micros(at))
	return k > 0, err
}
