package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const eventColumns = `id, time, account_id, operation, object, actor_id, actor_role, device_id,
	client_addr, result, code`

func scanEvent(s scanner) (*akte.Event, error) {
	var (
		e  akte.Event
		at int64
	)
	err := s.Scan(&e.ID, &at, &e.AccountID, &e.Operation, &e.Object, &e.ActorID, &e.ActorRole, &e.DeviceID,
		&e.ClientAddr, &e.Result, &e.Code)
	if err != nil {
		return nil, err
	}
	e.Time = fromMicros(at)
	return &e, nil
}

// AddEvent appends an event and sets its ID.
func (s *Store) AddEvent(ctx context.Context, e *akte.Event) error {
	const op = "sqlite.AddEvent"
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO events
		(time, account_id, operation, object, actor_id, actor_role, device_id, client_addr, result, code)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		micros(e.Time), e.AccountID, e.Operation, e.Object, e.ActorID, e.ActorRole, e.DeviceID,
		e.ClientAddr, e.Result, e.Code).Scan(&id)
	if err != nil {
		return wrap(op, err)
	}
	e.ID = id
	return nil
}

// Events lists an account's events, newest (highest ID) first, at most
// limit of them.
func (s *Store) Events(ctx context.Context, account akte.AccountID, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s.db, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE account_id = ? ORDER BY id DESC LIMIT ?`, account, limit)
	return es, wrap("sqlite.Events", err)
}

// EventsAfter lists every event with an ID above after, in ID order, at
// most limit of them.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s.db, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	return es, wrap("sqlite.EventsAfter", err)
}

// ClearEventAddrsBefore blanks the client address of events before t and
// returns how many it changed.
func (s *Store) ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx,
		`UPDATE events SET client_addr = '' WHERE time < ? AND client_addr <> ''`, micros(t)))
	return n, wrap("sqlite.ClearEventAddrsBefore", err)
}
