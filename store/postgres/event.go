package postgres

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const eventColumns = `id, time, account_id, operation, object, actor_id, actor_role, device_id,
	client_addr, result, code`

func scanEvent(s scanner) (*akte.Event, error) {
	var e akte.Event
	err := s.Scan(&e.ID, &e.Time, &e.AccountID, &e.Operation, &e.Object, &e.ActorID, &e.ActorRole, &e.DeviceID,
		&e.ClientAddr, &e.Result, &e.Code)
	if err != nil {
		return nil, err
	}
	e.Time = e.Time.UTC()
	return &e, nil
}

// AddEvent appends an event and sets its ID.
func (s *Store) AddEvent(ctx context.Context, e *akte.Event) error {
	const op = "postgres.AddEvent"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO events
		(time, account_id, operation, object, actor_id, actor_role, device_id, client_addr, result, code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		ts(e.Time), e.AccountID, e.Operation, e.Object, e.ActorID, e.ActorRole, e.DeviceID,
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	es, err := list(ctx, s.pool, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, account, limit)
	if err != nil {
		return nil, wrap("postgres.Events", err)
	}
	return es, nil
}

// EventsAfter lists every event with an ID above after, in ID order, at
// most limit of them.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	es, err := list(ctx, s.pool, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap("postgres.EventsAfter", err)
	}
	return es, nil
}

// ClearEventAddrsBefore blanks the client address of events before t and
// returns how many it changed.
func (s *Store) ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx,
		`UPDATE events SET client_addr = '' WHERE time < $1 AND client_addr <> ''`, ts(t)))
	return n, wrap("postgres.ClearEventAddrsBefore", err)
}
