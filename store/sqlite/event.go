package sqlite

import (
	"context"
	"slices"
	"time"

	"github.com/akte/akte"
)

const eventColumns = `id, log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
	device_id, client_addr, addr_salt, addr_commit, result, reason, class`

func scanEvent(r *row) *akte.Event {
	return &akte.Event{ID: r.int64(), Log: r.text(), Index: r.int64(), Time: r.time(), AccountID: akte.AccountID(r.text()),
		Operation: r.text(), Code: r.text(), Object: r.text(), ActorID: r.text(), ActorRole: r.text(), ActorName: r.text(),
		DeviceID: akte.DeviceID(r.text()), ClientAddr: r.text(), AddrSalt: r.blob(), AddrCommit: r.blob(),
		Result: r.text(), Cause: r.text(), Class: r.text()}
}

// AddEvents inserts the events, pending, in one transaction and sets their
// IDs.
func (s *Store) AddEvents(ctx context.Context, es []*akte.Event) error {
	if len(es) == 0 {
		return nil
	}
	ids := make([]int64, len(es))
	err := s.tx(ctx, func(c *conn) error {
		for i, e := range es {
			err := c.one(`INSERT INTO events
				(log, idx, time, account_id, operation, code, object, actor_id, actor_role, actor_name,
				 device_id, client_addr, addr_salt, addr_commit, result, reason, class)
				VALUES (?, -1, `+placeholders(15)+`) RETURNING id`,
				[]any{e.Log, micros(e.Time), e.AccountID, e.Operation, e.Code, e.Object, e.ActorID, e.ActorRole, e.ActorName,
					e.DeviceID, e.ClientAddr, e.AddrSalt, e.AddrCommit, e.Result, e.Cause, e.Class},
				func(r *row) { ids[i] = r.int64() })
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrap("sqlite.AddEvents", err)
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

// ClearEventAddrsBefore blanks the client address and its salt of events
// before t and returns how many it changed.
func (s *Store) ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.ClearEventAddrsBefore",
		`UPDATE events SET client_addr = '', addr_salt = X'' WHERE time < ? AND client_addr <> ''`, micros(t))
}

// PendingEvents lists pending events, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE idx < 0 ORDER BY time, id LIMIT ?`, limit)
	return es, wrap("sqlite.PendingEvents", err)
}

const auditLogColumns = `name, size, last_time, checkpoint, checkpoint_size, checkpoint_at`

func scanAuditLog(r *row) *akte.AuditLog {
	l := &akte.AuditLog{Name: r.text(), Size: r.int64(), LastTime: r.time(), Checkpoint: r.blob(), CheckpointSize: r.int64()}
	if at := r.int64(); at != 0 {
		l.CheckpointAt = fromMicros(at)
	}
	return l
}

// AuditLog returns the state of a log.
func (s *Store) AuditLog(ctx context.Context, log string) (*akte.AuditLog, error) {
	var l *akte.AuditLog
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+auditLogColumns+` FROM audit_logs WHERE name = ?`, []any{log}, func(r *row) { l = scanAuditLog(r) })
	})
	return l, wrap("sqlite.AuditLog", err)
}

// AppendLeaves applies a sequencing round in one transaction.
func (s *Store) AppendLeaves(ctx context.Context, as []akte.LogAppend) error {
	const op = "sqlite.AppendLeaves"
	err := s.tx(ctx, func(c *conn) error {
		for _, a := range as {
			size := int64(0)
			err := c.one(`SELECT size FROM audit_logs WHERE name = ?`, []any{a.Log}, func(r *row) { size = r.int64() })
			if err != nil && kindOf(err) != akte.KindNotFound {
				return err
			}
			if size != a.OldSize {
				return akte.E(op, akte.KindConflict, "", nil)
			}
			for i, h := range a.Hashes {
				if _, err := c.exec(`INSERT INTO audit_hashes (log, n, hash) VALUES (?, ?, ?)`, a.Log, a.HashStart+int64(i), h[:]); err != nil {
					return err
				}
			}
			for _, e := range a.Events {
				n, err := c.exec(`UPDATE events SET idx = ?, time = ?, code = ?, class = ?, addr_salt = ?, addr_commit = ?
					WHERE id = ? AND idx < 0 AND log = ?`,
					e.Index, micros(e.Time), e.Code, e.Class, e.AddrSalt, e.AddrCommit, e.ID, a.Log)
				if err != nil {
					return err
				}
				if n != 1 {
					return akte.E(op, akte.KindConflict, "", nil)
				}
			}
			if _, err := c.exec(`INSERT INTO audit_logs (name, size, last_time) VALUES (?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET size = excluded.size, last_time = excluded.last_time`,
				a.Log, a.NewSize, micros(a.LastTime)); err != nil {
				return err
			}
		}
		return nil
	})
	return wrap(op, err)
}

// AuditHashes returns stored hashes of a log.
func (s *Store) AuditHashes(ctx context.Context, log string, indexes []int64) ([][32]byte, error) {
	const op = "sqlite.AuditHashes"
	out := make([][32]byte, len(indexes))
	if len(indexes) > 64 {
		// Many hashes (a page's leaves): one scan over their span reads
		// about twice the rows but runs far faster than a lookup each.
		lo, hi := slices.Min(indexes), slices.Max(indexes)
		got := make(map[int64][32]byte, hi-lo+1)
		err := s.read(ctx, func(c *conn) error {
			return c.query(`SELECT n, hash FROM audit_hashes WHERE log = ? AND n BETWEEN ? AND ?`, []any{log, lo, hi}, func(r *row) error {
				n := r.int64()
				var h [32]byte
				if copy(h[:], r.bytes(nil)) != 32 {
					return akte.E(op, akte.KindInternal, "", nil)
				}
				got[n] = h
				return nil
			})
		})
		if err != nil {
			return nil, wrap(op, err)
		}
		for i, n := range indexes {
			h, ok := got[n]
			if !ok {
				return nil, notFound(op)
			}
			out[i] = h
		}
		return out, nil
	}
	err := s.read(ctx, func(c *conn) error {
		for i, n := range indexes {
			var got int
			err := c.one(`SELECT hash FROM audit_hashes WHERE log = ? AND n = ?`, []any{log, n}, func(r *row) {
				got = copy(out[i][:], r.bytes(nil))
			})
			if err != nil {
				return err
			}
			if got != 32 {
				return akte.E(op, akte.KindInternal, "", nil)
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// SaveCheckpoint stores a log's newest checkpoint.
func (s *Store) SaveCheckpoint(ctx context.Context, log string, size int64, signed []byte, at time.Time) error {
	const op = "sqlite.SaveCheckpoint"
	err := s.tx(ctx, func(c *conn) error {
		stored := int64(0)
		if err := c.one(`SELECT checkpoint_size FROM audit_logs WHERE name = ?`, []any{log}, func(r *row) { stored = r.int64() }); err != nil {
			return err
		}
		if size < stored {
			return akte.E(op, akte.KindConflict, "", nil)
		}
		_, err := c.exec(`UPDATE audit_logs SET checkpoint = ?, checkpoint_size = ?, checkpoint_at = ? WHERE name = ?`,
			signed, size, micros(at), log)
		return err
	})
	return wrap(op, err)
}

// LogsToCheckpoint lists the logs whose checkpoint is behind and old enough.
func (s *Store) LogsToCheckpoint(ctx context.Context, olderThan time.Time) ([]string, error) {
	names, err := list(ctx, s, func(r *row) string { return r.text() },
		`SELECT name FROM audit_logs WHERE size > checkpoint_size AND checkpoint_at <= ? ORDER BY name`, micros(olderThan))
	return names, wrap("sqlite.LogsToCheckpoint", err)
}

// LogEvents lists sequenced events of a log by index.
func (s *Store) LogEvents(ctx context.Context, log string, from, to int64, limit int) ([]*akte.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	es, err := list(ctx, s, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE log = ? AND idx >= ? AND idx < ? ORDER BY idx LIMIT ?`, log, max(from, 0), to, limit)
	return es, wrap("sqlite.LogEvents", err)
}

// EventsSince lists the sequenced events of a log logged at or after t.
func (s *Store) EventsSince(ctx context.Context, log string, t time.Time) ([]*akte.Event, error) {
	es, err := list(ctx, s, scanEvent,
		`SELECT `+eventColumns+` FROM events WHERE log = ? AND idx >= 0 AND time >= ? ORDER BY idx`, log, micros(t))
	return es, wrap("sqlite.EventsSince", err)
}

// CountEvents counts a log's successful events of an operation since a time.
func (s *Store) CountEvents(ctx context.Context, log, operation string, since time.Time) (int, error) {
	var n int
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT count(*) FROM events WHERE log = ? AND idx >= 0 AND time >= ? AND operation = ? AND result = 'ok'`,
			[]any{log, micros(since), operation}, func(r *row) { n = int(r.int64()) })
	})
	return n, wrap("sqlite.CountEvents", err)
}

// RecordAlarm notes an alarm's key; false if it was noted before.
func (s *Store) RecordAlarm(ctx context.Context, key string, at time.Time) (bool, error) {
	n, err := s.changes(ctx, "sqlite.RecordAlarm",
		`INSERT INTO audit_alarms (key, raised_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, micros(at))
	return n == 1, err
}

// DeleteProtocolEvents deletes expired protocol entries but the newest of each log.
func (s *Store) DeleteProtocolEvents(ctx context.Context, before time.Time, keepNewest int64) (int, error) {
	return s.changes(ctx, "sqlite.DeleteProtocolEvents",
		`DELETE FROM events WHERE idx >= 0 AND class = 'protocol' AND time < ?
			AND idx < (SELECT l.size FROM audit_logs l WHERE l.name = events.log) - ?`, micros(before), keepNewest)
}

// DeleteSystemEvents deletes expired events of a class.
func (s *Store) DeleteSystemEvents(ctx context.Context, class string, before time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteSystemEvents",
		`DELETE FROM events WHERE idx >= 0 AND class = ? AND time < ?`, class, micros(before))
}
