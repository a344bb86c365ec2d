package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const eventColumns = `id, log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
	device_id, client_addr, addr_salt, addr_commit, result, reason, class`

func scanEvent(s scanner) (*akte.Event, error) {
	var e akte.Event
	err := s.Scan(&e.ID, &e.Log, &e.Index, &e.Time, &e.AccountID, &e.Operation, &e.Code, &e.Object, &e.ActorID, &e.ActorRole,
		&e.ActorName, &e.DeviceID, &e.ClientAddr, &e.AddrSalt, &e.AddrCommit, &e.Result, &e.Cause, &e.Class)
	if err != nil {
		return nil, err
	}
	e.Time = e.Time.UTC()
	if len(e.AddrSalt) == 0 {
		e.AddrSalt = nil
	}
	if len(e.AddrCommit) == 0 {
		e.AddrCommit = nil
	}
	return &e, nil
}

// AddEvents inserts the events, pending, in one transaction and sets their
// IDs.
func (s *Store) AddEvents(ctx context.Context, es []*akte.Event) error {
	const op = "postgres.AddEvents"
	if len(es) == 0 {
		return nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ids := make([]int64, len(es))
	err := s.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, e := range es {
			b.Queue(`INSERT INTO events
				(log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
				 device_id, client_addr, addr_salt, addr_commit, result, reason, class)
				VALUES ($1, -1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
				e.Log, ts(e.Time), e.AccountID, e.Operation, e.Code, e.Object, e.ActorID, e.ActorRole, e.ActorName,
				e.DeviceID, e.ClientAddr, blob(e.AddrSalt), blob(e.AddrCommit), e.Result, e.Cause, e.Class)
		}
		br := tx.SendBatch(ctx, b)
		for i := range es {
			if err := br.QueryRow().Scan(&ids[i]); err != nil {
				br.Close()
				return err
			}
		}
		return br.Close()
	})
	if err != nil {
		return wrap(op, err)
	}
	for i, e := range es {
		e.ID, e.Index = ids[i], -1
	}
	return nil
}

// Events lists an account's events, newest (highest ID) first, at most
// limit of them.
func (s *Store) Events(ctx context.Context, account akte.AccountID, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.events(ctx, "postgres.Events",
		`SELECT `+eventColumns+` FROM events WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, account, limit)
}

func (s *Store) events(ctx context.Context, op, query string, args ...any) ([]*akte.Event, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	es, err := list(ctx, s.pool, scanEvent, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	return es, nil
}

// EventsAfter lists every event with an ID above after, in ID order, at
// most limit of them.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.events(ctx, "postgres.EventsAfter",
		`SELECT `+eventColumns+` FROM events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}

// ClearEventAddrsBefore blanks the client address and its salt of events
// before t and returns how many it changed.
func (s *Store) ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "postgres.ClearEventAddrsBefore",
		`UPDATE events SET client_addr = '', addr_salt = ''::bytea WHERE time < $1 AND client_addr <> ''`, ts(t))
}

func (s *Store) changes(ctx context.Context, op, query string, args ...any) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, query, args...))
	return n, wrap(op, err)
}

// PendingEvents lists pending events, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.events(ctx, "postgres.PendingEvents",
		`SELECT `+eventColumns+` FROM events WHERE idx < 0 ORDER BY time, id LIMIT $1`, limit)
}

// AuditLog returns the state of a log.
func (s *Store) AuditLog(ctx context.Context, log string) (*akte.AuditLog, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	l := &akte.AuditLog{}
	var at *time.Time
	err := s.pool.QueryRow(ctx, `SELECT name, size, last_time, checkpoint, checkpoint_size, checkpoint_at FROM audit_logs WHERE name = $1`, log).
		Scan(&l.Name, &l.Size, &l.LastTime, &l.Checkpoint, &l.CheckpointSize, &at)
	if err != nil {
		return nil, wrap("postgres.AuditLog", err)
	}
	l.LastTime = l.LastTime.UTC()
	if at != nil {
		l.CheckpointAt = at.UTC()
	}
	if len(l.Checkpoint) == 0 {
		l.Checkpoint = nil
	}
	return l, nil
}

// AppendLeaves applies a sequencing round in one transaction.
func (s *Store) AppendLeaves(ctx context.Context, as []akte.LogAppend) error {
	const op = "postgres.AppendLeaves"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	errConflict := akte.E(op, akte.KindConflict, "", nil)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		for _, a := range as {
			var size int64
			err := tx.QueryRow(ctx, `SELECT size FROM audit_logs WHERE name = $1 FOR UPDATE`, a.Log).Scan(&size)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if size != a.OldSize {
				return errConflict
			}
			ns := make([]int64, len(a.Hashes))
			hs := make([][]byte, len(a.Hashes))
			for i := range a.Hashes {
				ns[i], hs[i] = a.HashStart+int64(i), a.Hashes[i][:]
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_hashes (log, n, hash) SELECT $1, n, h FROM unnest($2::bigint[], $3::bytea[]) AS t(n, h)`,
				a.Log, ns, hs); err != nil {
				return err
			}
			b := &pgx.Batch{}
			for _, e := range a.Events {
				b.Queue(`UPDATE events SET idx = $1, time = $2, code = $3, class = $4, addr_salt = $5, addr_commit = $6
					WHERE id = $7 AND idx < 0 AND log = $8`,
					e.Index, ts(e.Time), e.Code, e.Class, blob(e.AddrSalt), blob(e.AddrCommit), e.ID, a.Log)
			}
			br := tx.SendBatch(ctx, b)
			for range a.Events {
				n, err := affected(br.Exec())
				if err == nil && n != 1 {
					err = errConflict
				}
				if err != nil {
					br.Close()
					return err
				}
			}
			if err := br.Close(); err != nil {
				return err
			}
			// A new log's row is inserted by the first sequencer; a second
			// one meets the unique key and fails as a conflict.
			if _, err := tx.Exec(ctx, `INSERT INTO audit_logs (name, size, last_time) VALUES ($1, $2, $3)
				ON CONFLICT (name) DO UPDATE SET size = excluded.size, last_time = excluded.last_time`,
				a.Log, a.NewSize, ts(a.LastTime)); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap(op, err)
}

// AuditHashes returns stored hashes of a log.
func (s *Store) AuditHashes(ctx context.Context, log string, indexes []int64) ([][32]byte, error) {
	const op = "postgres.AuditHashes"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT n, hash FROM audit_hashes WHERE log = $1 AND n = ANY($2)`, log, indexes)
	if err != nil {
		return nil, wrap(op, err)
	}
	got := make(map[int64][32]byte, len(indexes))
	for rows.Next() {
		var n int64
		var h []byte
		if err := rows.Scan(&n, &h); err != nil {
			rows.Close()
			return nil, wrap(op, err)
		}
		got[n] = [32]byte(h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	out := make([][32]byte, len(indexes))
	for i, n := range indexes {
		h, ok := got[n]
		if !ok {
			return nil, notFound(op)
		}
		out[i] = h
	}
	return out, nil
}

// SaveCheckpoint stores a log's newest checkpoint.
func (s *Store) SaveCheckpoint(ctx context.Context, log string, size int64, signed []byte, at time.Time) error {
	const op = "postgres.SaveCheckpoint"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var stored int64
		if err := tx.QueryRow(ctx, `SELECT checkpoint_size FROM audit_logs WHERE name = $1 FOR UPDATE`, log).Scan(&stored); err != nil {
			return err
		}
		if size < stored {
			return akte.E(op, akte.KindConflict, "", nil)
		}
		_, err := tx.Exec(ctx, `UPDATE audit_logs SET checkpoint = $1, checkpoint_size = $2, checkpoint_at = $3 WHERE name = $4`,
			blob(signed), size, ts(at), log)
		return err
	})
	return wrap(op, err)
}

// LogsToCheckpoint lists the logs whose checkpoint is behind and old enough.
func (s *Store) LogsToCheckpoint(ctx context.Context, olderThan time.Time) ([]string, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	names, err := list(ctx, s.pool, func(r scanner) (string, error) {
		var n string
		return n, r.Scan(&n)
	}, `SELECT name FROM audit_logs WHERE size > checkpoint_size AND (checkpoint_at IS NULL OR checkpoint_at <= $1) ORDER BY name`, ts(olderThan))
	return names, wrap("postgres.LogsToCheckpoint", err)
}

// LogEvents lists sequenced events of a log by index.
func (s *Store) LogEvents(ctx context.Context, log string, from, to int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	return s.events(ctx, "postgres.LogEvents",
		`SELECT `+eventColumns+` FROM events WHERE log = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT $4`, log, max(from, 0), to, limit)
}

// EventsSince lists the sequenced events of a log logged at or after t.
func (s *Store) EventsSince(ctx context.Context, log string, t time.Time) ([]*akte.Event, error) {
	return s.events(ctx, "postgres.EventsSince",
		`SELECT `+eventColumns+` FROM events WHERE log = $1 AND idx >= 0 AND time >= $2 ORDER BY idx`, log, ts(t))
}

// CountEvents counts a log's successful events of an operation since a time.
func (s *Store) CountEvents(ctx context.Context, log, operation string, since time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE log = $1 AND idx >= 0 AND time >= $2 AND operation = $3 AND result = 'ok'`,
		log, ts(since), operation).Scan(&n)
	return n, wrap("postgres.CountEvents", err)
}

// RecordAlarm notes an alarm's key; false if it was noted before.
func (s *Store) RecordAlarm(ctx context.Context, key string, at time.Time) (bool, error) {
	n, err := s.changes(ctx, "postgres.RecordAlarm",
		`INSERT INTO audit_alarms (key, raised_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, ts(at))
	return n == 1, err
}

// DeleteProtocolEvents deletes expired protocol entries but the newest of each log.
func (s *Store) DeleteProtocolEvents(ctx context.Context, before time.Time, keepNewest int64) (int, error) {
	return s.changes(ctx, "postgres.DeleteProtocolEvents",
		`DELETE FROM events e USING audit_logs l WHERE l.name = e.log AND e.idx >= 0 AND e.class = 'protocol'
			AND e.time < $1 AND e.idx < l.size - $2`, ts(before), keepNewest)
}

// DeleteSystemEvents deletes expired events of a class.
func (s *Store) DeleteSystemEvents(ctx context.Context, class string, before time.Time) (int, error) {
	return s.changes(ctx, "postgres.DeleteSystemEvents",
		`DELETE FROM events WHERE idx >= 0 AND class = $1 AND time < $2`, class, ts(before))
}
