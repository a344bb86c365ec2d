package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const sessionColumns = `id, token_hash, account_id, device_id, created_at, last_seen_at, expires_at,
	client_addr, user_agent, client_key, device_key`

func scanSession(r *row) *akte.Session {
	return &akte.Session{ID: r.text(), TokenHash: r.blob(), AccountID: akte.AccountID(r.text()), DeviceID: akte.DeviceID(r.text()),
		CreatedAt: r.time(), LastSeenAt: r.time(), ExpiresAt: r.time(), ClientAddr: r.text(), UserAgent: r.text(), ClientKey: r.blob(), DeviceKey: r.blob()}
}

// CreateSession inserts a session of an existing account.
func (s *Store) CreateSession(ctx context.Context, x *akte.Session) error {
	_, err := s.changes(ctx, "sqlite.CreateSession", `INSERT INTO sessions (`+sessionColumns+`) VALUES (`+placeholders(11)+`)`,
		x.ID, x.TokenHash, x.AccountID, x.DeviceID,
		micros(x.CreatedAt), micros(x.LastSeenAt), micros(x.ExpiresAt),
		x.ClientAddr, x.UserAgent, x.ClientKey, x.DeviceKey)
	return err
}

// SessionByTokenHash returns the session whose token hashes to h.
func (s *Store) SessionByTokenHash(ctx context.Context, h []byte) (*akte.Session, error) {
	var x *akte.Session
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, []any{h}, func(r *row) { x = scanSession(r) })
	})
	return x, wrap("sqlite.SessionByTokenHash", err)
}

// sessionPrincipalQuery reads a session with its account and device. The
// inner join on devices finds the session of every authenticated request;
// a session without a device row falls back to separate lookups.
var sessionPrincipalQuery = `SELECT ` + qualify("s", sessionColumns) + `, ` + qualify("a", accountColumns) + `, ` + qualify("d", deviceColumns) + `, COALESCE(r.id, '')
	FROM sessions s
	JOIN accounts a ON a.id = s.account_id
	JOIN devices d ON d.account_id = s.account_id AND d.id = s.device_id
	LEFT JOIN records r ON r.account_id = s.account_id
	WHERE s.token_hash = ?`

// SessionPrincipal returns the session whose token hashes to h with its
// account, device (nil if the session's device does not exist) and
// record id.
func (s *Store) SessionPrincipal(ctx context.Context, h []byte) (*akte.Session, *akte.Account, *akte.Device, akte.RecordID, error) {
	const op = "sqlite.SessionPrincipal"
	var (
		x   *akte.Session
		a   *akte.Account
		d   *akte.Device
		rid akte.RecordID
	)
	err := s.read(ctx, func(c *conn) error {
		return c.one(sessionPrincipalQuery, []any{h}, func(r *row) {
			x, a, d = scanSession(r), scanAccount(r), scanDevice(r)
			rid = akte.RecordID(r.text())
		})
	})
	if err == nil {
		return x, a, d, rid, nil
	}
	if kindOf(err) != akte.KindNotFound {
		return nil, nil, nil, "", wrap(op, err)
	}
	// No session, or one without its device (or, against the foreign
	// key, without its account).
	x, err = s.SessionByTokenHash(ctx, h)
	if err != nil {
		return nil, nil, nil, "", wrap(op, err)
	}
	a, err = s.Account(ctx, x.AccountID)
	if err != nil {
		return nil, nil, nil, "", akte.E(op, akte.KindInternal, "", err)
	}
	rec, err := s.Record(ctx, x.AccountID)
	switch {
	case err == nil:
		rid = rec.ID
	case !akte.Is(err, akte.KindNotFound):
		return nil, nil, nil, "", wrap(op, err)
	}
	d, err = s.Device(ctx, x.AccountID, x.DeviceID)
	if akte.Is(err, akte.KindNotFound) {
		return x, a, nil, rid, nil
	}
	if err != nil {
		return nil, nil, nil, "", wrap(op, err)
	}
	return x, a, d, rid, nil
}

// TouchSession sets LastSeenAt of the session.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	return s.update(ctx, "sqlite.TouchSession",
		`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, micros(at), id)
}

// DeleteSession removes one session of an account.
func (s *Store) DeleteSession(ctx context.Context, account akte.AccountID, id string) error {
	return s.update(ctx, "sqlite.DeleteSession",
		`DELETE FROM sessions WHERE account_id = ? AND id = ?`, account, id)
}

// DeleteSessions removes an account's sessions, or only those of device if
// it is not empty.
func (s *Store) DeleteSessions(ctx context.Context, account akte.AccountID, device akte.DeviceID) (int, error) {
	const op = "sqlite.DeleteSessions"
	if device == "" {
		return s.changes(ctx, op, `DELETE FROM sessions WHERE account_id = ?`, account)
	}
	return s.changes(ctx, op, `DELETE FROM sessions WHERE account_id = ? AND device_id = ?`, account, device)
}

// Sessions lists an account's sessions by creation time.
func (s *Store) Sessions(ctx context.Context, account akte.AccountID) ([]*akte.Session, error) {
	xs, err := list(ctx, s, scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE account_id = ? ORDER BY created_at, rowid`, account)
	return xs, wrap("sqlite.Sessions", err)
}

// DeleteExpiredSessions removes sessions that expired before t or were last
// seen before idleBefore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteExpiredSessions",
		`DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, micros(t), micros(idleBefore))
}
