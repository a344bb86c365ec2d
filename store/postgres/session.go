package postgres

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const sessionColumns = `id, token_hash, account_id, device_id, created_at, last_seen_at, expires_at,
	client_addr, user_agent, client_key, device_key`

func sessionDest(x *akte.Session) []any {
	return []any{&x.ID, &x.TokenHash, &x.AccountID, &x.DeviceID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt,
		&x.ClientAddr, &x.UserAgent, &x.ClientKey, &x.DeviceKey}
}

func sessionDone(x *akte.Session) *akte.Session {
	x.CreatedAt = x.CreatedAt.UTC()
	x.LastSeenAt = x.LastSeenAt.UTC()
	x.ExpiresAt = x.ExpiresAt.UTC()
	return x
}

func scanSession(s scanner) (*akte.Session, error) {
	var x akte.Session
	if err := s.Scan(sessionDest(&x)...); err != nil {
		return nil, err
	}
	return sessionDone(&x), nil
}

// CreateSession inserts a session of an existing account.
func (s *Store) CreateSession(ctx context.Context, x *akte.Session) error {
	const op = "postgres.CreateSession"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (`+sessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		x.ID, blob(x.TokenHash), x.AccountID, x.DeviceID,
		ts(x.CreatedAt), ts(x.LastSeenAt), ts(x.ExpiresAt),
		x.ClientAddr, x.UserAgent, blob(x.ClientKey), blob(x.DeviceKey))
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	x, err := scanSession(s.pool.QueryRow(ctx,
		`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1`, blob(h)))
	if err != nil {
		return nil, wrap("postgres.SessionByTokenHash", err)
	}
	return x, nil
}

// sessionPrincipalQuery reads a session with its account and device. The
// inner join on devices finds the session of every authenticated request;
// a session without a device row falls back to separate lookups.
var sessionPrincipalQuery = `SELECT ` + qualify("s", sessionColumns) + `, ` + qualify("a", accountColumns) + `, ` + qualify("d", deviceColumns) + `, COALESCE(r.id, '')
	FROM sessions s
	JOIN accounts a ON a.id = s.account_id
	JOIN devices d ON d.account_id = s.account_id AND d.id = s.device_id
	LEFT JOIN records r ON r.account_id = s.account_id
	WHERE s.token_hash = $1`

// SessionPrincipal returns the session whose token hashes to h with its
// account, device (nil if the session's device does not exist) and
// record id.
func (s *Store) SessionPrincipal(ctx context.Context, h []byte) (*akte.Session, *akte.Account, *akte.Device, akte.RecordID, error) {
	const op = "postgres.SessionPrincipal"
	var (
		x   akte.Session
		a   akte.Account
		d   akte.Device
		rid string
	)
	qctx, cancel := s.ctx(ctx)
	err := s.pool.QueryRow(qctx, sessionPrincipalQuery, blob(h)).
		Scan(append(append(append(sessionDest(&x), accountDest(&a)...), deviceDest(&d)...), &rid)...)
	cancel()
	if err == nil {
		return sessionDone(&x), accountDone(&a), deviceDone(&d), akte.RecordID(rid), nil
	}
	if kindOf(err) != akte.KindNotFound {
		return nil, nil, nil, "", wrap(op, err)
	}
	// No session, or one without its device (or, against the foreign
	// key, without its account).
	xp, err := s.SessionByTokenHash(ctx, h)
	if err != nil {
		return nil, nil, nil, "", wrap(op, err)
	}
	ap, err := s.Account(ctx, xp.AccountID)
	if err != nil {
		return nil, nil, nil, "", akte.E(op, akte.KindInternal, "", err)
	}
	var recID akte.RecordID
	rec, err := s.Record(ctx, xp.AccountID)
	switch {
	case err == nil:
		recID = rec.ID
	case !akte.Is(err, akte.KindNotFound):
		return nil, nil, nil, "", wrap(op, err)
	}
	dp, err := s.Device(ctx, xp.AccountID, xp.DeviceID)
	if akte.Is(err, akte.KindNotFound) {
		return xp, ap, nil, recID, nil
	}
	if err != nil {
		return nil, nil, nil, "", wrap(op, err)
	}
	return xp, ap, dp, recID, nil
}

// TouchSession sets LastSeenAt of the session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "postgres.TouchSession"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx,
		`UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, ts(at), id))
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
	const op = "postgres.DeleteSession"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx,
		`DELETE FROM sessions WHERE account_id = $1 AND id = $2`, account, id))
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var (
		n   int
		err error
	)
	if device == "" {
		n, err = affected(s.pool.Exec(ctx,
			`DELETE FROM sessions WHERE account_id = $1`, account))
	} else {
		n, err = affected(s.pool.Exec(ctx,
			`DELETE FROM sessions WHERE account_id = $1 AND device_id = $2`, account, device))
	}
	return n, wrap("postgres.DeleteSessions", err)
}

// Sessions lists an account's sessions by creation time.
func (s *Store) Sessions(ctx context.Context, account akte.AccountID) ([]*akte.Session, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	xs, err := list(ctx, s.pool, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE account_id = $1 ORDER BY created_at, seq`, account)
	if err != nil {
		return nil, wrap("postgres.Sessions", err)
	}
	return xs, nil
}

// DeleteExpiredSessions removes sessions that expired before t or were last
// seen before idleBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx,
		`DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`, ts(t), ts(idleBefore)))
	return n, wrap("postgres.DeleteExpiredSessions", err)
}
