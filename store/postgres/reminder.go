package postgres

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const reminderColumns = `account_id, tz, morning, noon, evening, night, updated_at, last_sent, via`

func scanReminder(s scanner) (*akte.Reminder, error) {
	var x akte.Reminder
	if err := s.Scan(&x.AccountID, &x.TZ, &x.Times[0], &x.Times[1], &x.Times[2], &x.Times[3], &x.UpdatedAt, &x.LastSent, &x.Via); err != nil {
		return nil, err
	}
	x.UpdatedAt, x.LastSent = x.UpdatedAt.UTC(), x.LastSent.UTC()
	return &x, nil
}

// SetReminder stores the account's reminders, replacing earlier ones.
func (s *Store) SetReminder(ctx context.Context, x *akte.Reminder) error {
	return s.exec(ctx, "postgres.SetReminder", `INSERT INTO medication_reminders (`+reminderColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (account_id) DO UPDATE SET tz = excluded.tz, morning = excluded.morning, noon = excluded.noon, evening = excluded.evening,
		night = excluded.night, updated_at = excluded.updated_at, last_sent = excluded.last_sent, via = excluded.via`,
		x.AccountID, x.TZ, x.Times[0], x.Times[1], x.Times[2], x.Times[3], ts(x.UpdatedAt), ts(x.LastSent), x.Via)
}

// Reminder returns the account's reminders.
func (s *Store) Reminder(ctx context.Context, account akte.AccountID) (*akte.Reminder, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	x, err := scanReminder(s.pool.QueryRow(ctx, `SELECT `+reminderColumns+` FROM medication_reminders WHERE account_id = $1`, account))
	if err != nil {
		return nil, wrap("postgres.Reminder", err)
	}
	return x, nil
}

// Reminders lists every account's reminders.
func (s *Store) Reminders(ctx context.Context) ([]*akte.Reminder, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	xs, err := list(ctx, s.pool, scanReminder, `SELECT `+reminderColumns+` FROM medication_reminders ORDER BY account_id`)
	return xs, wrap("postgres.Reminders", err)
}

// DeleteReminder removes the account's reminders.
func (s *Store) DeleteReminder(ctx context.Context, account akte.AccountID) error {
	return s.exec(ctx, "postgres.DeleteReminder", `DELETE FROM medication_reminders WHERE account_id = $1`, account)
}

// MarkReminderSent records the reminder due at at as sent, if none at or
// after it was.
func (s *Store) MarkReminderSent(ctx context.Context, account akte.AccountID, at time.Time) (bool, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	k, err := affected(s.pool.Exec(ctx, `UPDATE medication_reminders SET last_sent = $1 WHERE account_id = $2 AND last_sent < $1`, ts(at), account))
	return k > 0, wrap("postgres.MarkReminderSent", err)
}
