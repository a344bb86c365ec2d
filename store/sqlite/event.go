package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const eventColumns = `id, time, account_id, operation, object, actor_id, actor_role, device_id,
	client_addr, result, code`

func scanEvent(r *row) *akte.Event {
	return &akte.Event{ID: r.int64(), Time: r.time(), AccountID: akte.AccountID(r.text()), Operation: r.text(), Object: r.text(),
		ActorID: r.text(), ActorRole: r.text(), DeviceID: akte.DeviceID(r.text()), ClientAddr: r.text(), Result: r.text(), Code: r.text()}
}

// AddEvent appends an event and sets its ID.
func (s *Store) AddEvent(ctx context.Context, e *akte.Event) error {
	err := s.write(ctx, func(c *conn) error {
		return c.one(`INSERT INTO events
			(time, account_id, operation, object, actor_id, actor_role, device_id, client_addr, result, code)
			VALUES (`+placeholders(10)+`) RETURNING id`,
			[]any{micros(e.Time), e.AccountID, e.Operation, e.Object, e.ActorID, e.ActorRole, e.DeviceID,
				e.ClientAddr, e.Result, e.Code},
			func(r *row) { e.ID = r.int64() })
	})
	return wrap("sqlite.AddEvent", err)
}

// Events lists an account's events, newest (highest ID) first, at most
// limit of them.
func (s *Store) Events(ctx context.Context, account akte.AccountID, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE account_id = ? ORDER BY id DESC LIMIT ?`, account, limit)
	return es, wrap("sqlite.Events", err)
}

// EventsAfter lists every event with an ID above after, in ID order, at
// most limit of them.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	return es, wrap("sqlite.EventsAfter", err)
}

// ClearEventAddrsBefore blanks the client address of events before t and
// returns how many it changed.
func (s *Store) ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.ClearEventAddrsBefore",
		`UPDATE events SET client_addr = '' WHERE time < ? AND client_addr <> ''`, micros(t))
}
