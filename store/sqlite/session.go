package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const sessionColumns = `id, token_hash, account_id, device_id, created_at, last_seen_at, expires_at,
	client_addr, user_agent, client_key`

// sessionRow is a session and the destinations of its scan.
type sessionRow struct {
	x                          akte.Session
	created, lastSeen, expires int64
}

func (r *sessionRow) dest() []any {
	x := &r.x
	return []any{&x.ID, &x.TokenHash, &x.AccountID, &x.DeviceID, &r.created, &r.lastSeen, &r.expires,
		&x.ClientAddr, &x.UserAgent, &x.ClientKey}
}

func (r *sessionRow) done() *akte.Session {
	r.x.CreatedAt = fromMicros(r.created)
	r.x.LastSeenAt = fromMicros(r.lastSeen)
	r.x.ExpiresAt = fromMicros(r.expires)
	return &r.x
}

func scanSession(s scanner) (*akte.Session, error) {
	var r sessionRow
	if err := s.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.done(), nil
}

// CreateSession inserts a session of an existing account.
func (s *Store) CreateSession(ctx context.Context, x *akte.Session) error {
	const op = "sqlite.CreateSession"
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, blob(x.TokenHash), x.AccountID, x.DeviceID,
		micros(x.CreatedAt), micros(x.LastSeenAt), micros(x.ExpiresAt),
		x.ClientAddr, x.UserAgent, blob(x.ClientKey))
	switch kindOf(err) {
	case akte.KindConflict:
		return akte.E(op, akte.KindConflict, "", err)
	case akte.KindNotFound:
		return akte.E(op, akte.KindNotFound, "", err)
	}
	return wrap(op, err)
}

// SessionByTokenHash returns the session whose token hashes to h.
func (s *Store) SessionByTokenHash(ctx context.Context, h []byte) (*akte.Session, error) {
	x, err := scanSession(s.queryRow(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, blob(h)))
	if err != nil {
		return nil, wrap("sqlite.SessionByTokenHash", err)
	}
	return x, nil
}

// sessionPrincipalQuery reads a session with its account and device. The
// inner join on devices finds the session of every authenticated request;
// a session without a device row falls back to separate lookups.
var sessionPrincipalQuery = `SELECT ` + qualify("s", sessionColumns) + `, ` + qualify("a", accountColumns) + `, ` + qualify("d", deviceColumns) + `
	FROM sessions s
	JOIN accounts a ON a.id = s.account_id
	JOIN devices d ON d.account_id = s.account_id AND d.id = s.device_id
	WHERE s.token_hash = ?`

// SessionPrincipal returns the session whose token hashes to h with its
// account and device (nil if the session's device does not exist).
func (s *Store) SessionPrincipal(ctx context.Context, h []byte) (*akte.Session, *akte.Account, *akte.Device, error) {
	const op = "sqlite.SessionPrincipal"
	var (
		sr sessionRow
		ar accountRow
		dr deviceRow
	)
	dest := append(append(sr.dest(), ar.dest()...), dr.dest()...)
	err := s.queryRow(ctx, sessionPrincipalQuery, blob(h)).Scan(dest...)
	if err == nil {
		return sr.done(), ar.done(), dr.done(), nil
	}
	if kindOf(err) != akte.KindNotFound {
		return nil, nil, nil, wrap(op, err)
	}
	// No session, or one without its device (or, against the foreign
	// key, without its account).
	x, err := s.SessionByTokenHash(ctx, h)
	if err != nil {
		return nil, nil, nil, wrap(op, err)
	}
	a, err := s.Account(ctx, x.AccountID)
	if err != nil {
		return nil, nil, nil, akte.E(op, akte.KindInternal, "", err)
	}
	d, err := s.Device(ctx, x.AccountID, x.DeviceID)
	if akte.Is(err, akte.KindNotFound) {
		return x, a, nil, nil
	}
	if err != nil {
		return nil, nil, nil, wrap(op, err)
	}
	return x, a, d, nil
}

// TouchSession sets LastSeenAt of the session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "sqlite.TouchSession"
	n, err := affected(s.db.ExecContext(ctx,
		`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(at), id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// DeleteSession removes one session of an account.
func (s *Store) DeleteSession(ctx context.Context, account akte.AccountID, id string) error {
	const op = "sqlite.DeleteSession"
	n, err := affected(s.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE account_id = ? AND id = ?`, account, id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// DeleteSessions removes an account's sessions, or only those of device if
// it is not empty.
func (s *Store) DeleteSessions(ctx context.Context, account akte.AccountID, device akte.DeviceID) (int, error) {
	var (
		n   int
		err error
	)
	if device == "" {
		n, err = affected(s.db.ExecContext(ctx,
			`DELETE FROM sessions WHERE account_id = ?`, account))
	} else {
		n, err = affected(s.db.ExecContext(ctx,
			`DELETE FROM sessions WHERE account_id = ? AND device_id = ?`, account, device))
	}
	return n, wrap("sqlite.DeleteSessions", err)
}

// Sessions lists an account's sessions by creation time.
func (s *Store) Sessions(ctx context.Context, account akte.AccountID) ([]*akte.Session, error) {
	xs, err := list(ctx, s.db, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE account_id = ? ORDER BY created_at, rowid`, account)
	return xs, wrap("sqlite.Sessions", err)
}

// DeleteExpiredSessions removes sessions that expired before t or were last
// seen before idleBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error) {
	n, err := affected(s.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, micros(t), micros(idleBefore)))
	return n, wrap("sqlite.DeleteExpiredSessions", err)
}
