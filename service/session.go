package service

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/akte/akte"
)

func errSession(op string) error {
	return akte.E(op, akte.KindUnauthenticated, "", nil)
}

// Authenticate turns a bearer token into a Principal. A token is useless
// after logout, expiry (idle or absolute), or a block of its account or
// device, however it was kept.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	const op = "session.authenticate"
	if token == "" || len(token) > 128 {
		return nil, errSession(op)
	}
	// One lookup for the session, its account and its device: every
	// authenticated request passes here.
	ses, a, d, rid, err := s.store.SessionPrincipal(ctx, tokenHash(token))
	if akte.Is(err, akte.KindNotFound) {
		return nil, errSession(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	now := s.nowUTC()
	if !now.Before(ses.ExpiresAt) || !now.Before(ses.LastSeenAt.Add(s.cfg.SessionIdle)) {
		if err := s.store.DeleteSession(ctx, ses.AccountID, ses.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
			s.log.Error("delete expired session", "err", err)
		}
		return nil, errSession(op)
	}
	if a.BlockedAt != nil || d == nil || d.BlockedAt != nil {
		if _, err := s.store.DeleteSessions(ctx, a.ID, ses.DeviceID); err != nil {
			s.log.Error("delete blocked sessions", "err", err)
		}
		return nil, errSession(op)
	}
	// Touch at most every 30 s: the idle timeout is minutes, writes are not free.
	if now.Sub(ses.LastSeenAt) > s.cfg.SessionIdle/30 {
		if ses.LastSeenAt.Format(time.DateOnly) != now.Format(time.DateOnly) {
			s.noteAccess(ctx, a.ID, now)
		}
		ses.LastSeenAt = now
		if err := s.store.TouchSession(ctx, ses.ID, now); err != nil {
			s.log.Error("touch session", "err", err)
		}
	}
	return &Principal{Account: a, Session: ses, RecordID: rid}, nil
}

// Logout ends the caller's session, or all of the caller's sessions.
func (s *Service) Logout(ctx context.Context, p *Principal, all bool) error {
	const op = "session.logout"
	ev := akte.Event{AccountID: p.Account.ID, Operation: op, Object: "session:" + p.Session.ID, ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID}
	if all {
		if _, err := s.store.DeleteSessions(ctx, p.Account.ID, ""); err != nil {
			return internal(op, err)
		}
		ev.Operation, ev.Object = "session.logout_all", "account:"+string(p.Account.ID)
	} else if err := s.store.DeleteSession(ctx, p.Account.ID, p.Session.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
		return internal(op, err)
	}
	s.event(ctx, ev)
	return nil
}

// Sessions lists the caller's active sessions.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]*akte.Session, error) {
	all, err := s.store.Sessions(ctx, p.Account.ID)
	if err != nil {
		return nil, internal("session.list", err)
	}
	now := s.nowUTC()
	var live []*akte.Session
	for _, ses := range all {
		if now.Before(ses.ExpiresAt) && now.Before(ses.LastSeenAt.Add(s.cfg.SessionIdle)) {
			live = append(live, ses)
		}
	}
	return live, s.readEvent(ctx, p, "account.read", "account:"+string(p.Account.ID))
}

// EndSession ends one of the caller's sessions by its public id.
func (s *Service) EndSession(ctx context.Context, p *Principal, id string) error {
	const op = "session.end"
	if err := s.store.DeleteSession(ctx, p.Account.ID, id); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			return akte.R(op, akte.KindNotFound, "session_not_found", nil, "")
		}
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "session:" + id, ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return nil
}

// Events returns the caller's newest events.
func (s *Service) Events(ctx context.Context, p *Principal, limit int) ([]*akte.Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	evs, err := s.store.Events(ctx, p.Account.ID, limit)
	if err != nil {
		return nil, internal("event.list", err)
	}
	return evs, s.readEvent(ctx, p, "audit.read", "record:"+string(p.Account.ID))
}

// SessionKey gives the session's escrowed client key (the server's share
// of the key that seals the CLI's user master key) to a request that
// proves the device key the session was opened with: an Ed25519
// signature over akte.SessionKeyMessage of the session's id and a time
// within akte.SessionKeyMaxSkew of the server's clock. A bearer token
// alone gets nothing, nor does a session opened without a device key (the
// web app's). Each signed time is accepted once: a replayed request is
// refused on every replica (its attempt counter is in the store).
// Failed proofs count on the session's counter like second factors do.
// The rules are in docs/decisions/0019-cli-key-escrow.md.
func (s *Service) SessionKey(ctx context.Context, p *Principal, unixMilli int64, sig []byte) ([]byte, error) {
	const op = "session.key"
	ses := p.Session
	c := counter{"session_key:" + ses.ID, s.loginLimit()}
	if _, err := s.take(ctx, op, c); err != nil {
		return nil, err
	}
	fail := func(err *akte.Error) ([]byte, error) {
		s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "session:" + ses.ID, ActorID: string(p.Account.ID), ActorRole: "patient",
			DeviceID: ses.DeviceID, Result: akte.ResultDenied, Cause: err.Reason})
		return nil, err
	}
	if len(ses.DeviceKey) != ed25519.PublicKeySize {
		return fail(akte.R(op, akte.KindForbidden, "session_key_unbound", nil, ""))
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(ses.DeviceKey, akte.SessionKeyMessage(ses.ID, unixMilli), sig) {
		return fail(akte.R(op, akte.KindForbidden, "session_key_unproven", nil, ""))
	}
	if skew := s.nowUTC().Sub(time.UnixMilli(unixMilli)); skew > akte.SessionKeyMaxSkew || skew < -akte.SessionKeyMaxSkew {
		return fail(akte.R(op, akte.KindForbidden, "session_key_stale", map[string]any{"minutes": int(akte.SessionKeyMaxSkew / time.Minute)}, ""))
	}
	once := counter{fmt.Sprintf("session_key:once:%s:%d", ses.ID, unixMilli), Limit{Max: 1, Window: 2 * akte.SessionKeyMaxSkew}}
	if _, err := s.take(ctx, op, once); akte.Is(err, akte.KindRateLimited) {
		return fail(akte.R(op, akte.KindForbidden, "session_key_replayed", nil, ""))
	} else if err != nil {
		return nil, err
	}
	s.release(ctx, c.key)
	return ses.ClientKey, nil
}
