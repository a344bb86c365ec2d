package service

import (
	"context"

	"github.com/akte/akte"
)

// The restriction of processing (Art. 18 GDPR, issue 16 item 6, decision
// 0044): while the patient restricts it, the record is the patient's alone
// — representatives, providers and apps are refused everything (decide in
// policy.go, restrictedDecide), and the services stop (the clients read
// the state and compute nothing) — until the patient lifts it. The data
// stays as it is.

// Restrict switches the caller's restriction on or off and returns it
// (nil when off). Only a patient with a record restricts.
func (s *Service) Restrict(ctx context.Context, p *Principal, on bool) (*akte.Restriction, error) {
	op := "record.restrict"
	if !on {
		op = "record.unrestrict"
	}
	if p.RecordID == "" {
		return nil, akte.R(op, akte.KindNotFound, "record_not_found", nil, "")
	}
	var err error
	if on {
		err = s.store.SetRestriction(ctx, &akte.Restriction{AccountID: p.Account.ID, Since: s.nowUTC()})
	} else {
		err = s.store.DeleteRestriction(ctx, p.Account.ID)
		if akte.Is(err, akte.KindNotFound) {
			return nil, nil // not restricted: lifting it again changes nothing
		}
	}
	if err != nil {
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "record:" + string(p.RecordID), ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	if !on {
		return nil, nil
	}
	return s.RestrictionOf(ctx, p)
}

// RestrictionOf returns the caller's restriction, nil if there is none.
func (s *Service) RestrictionOf(ctx context.Context, p *Principal) (*akte.Restriction, error) {
	r, err := s.store.Restriction(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("record.read", err)
	}
	return r, nil
}

// restricted reports whether the owner restricted processing of the
// record.
func (s *Service) restricted(ctx context.Context, owner akte.AccountID) (bool, error) {
	if owner == "" {
		return false, nil
	}
	_, err := s.store.Restriction(ctx, owner)
	if akte.Is(err, akte.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}
