package service

import (
	"context"

	"github.com/akte/akte"
)

// Operator names the person running an `akte admin` command; every operator
// action is recorded under "operator:NAME".
type Operator string

func (o Operator) actor() string { return "operator:" + string(o) }

// AccountSummary is what an operator sees of an account: no health data.
type AccountSummary struct {
	ID        akte.AccountID
	Email     string
	Confirmed bool
	Blocked   bool
	CreatedAt string
	Devices   int
}

// AdminAccounts lists every account.
func (s *Service) AdminAccounts(ctx context.Context, op Operator) ([]AccountSummary, error) {
	as, err := s.store.Accounts(ctx)
	if err != nil {
		return nil, internal("admin.accounts", err)
	}
	out := make([]AccountSummary, 0, len(as))
	for _, a := range as {
		ds, err := s.store.Devices(ctx, a.ID)
		if err != nil {
			return nil, internal("admin.accounts", err)
		}
		out = append(out, AccountSummary{ID: a.ID, Email: a.Email, Confirmed: a.Confirmed(), Blocked: a.BlockedAt != nil,
			CreatedAt: a.CreatedAt.Format("2006-01-02T15:04:05Z"), Devices: len(ds)})
	}
	s.event(ctx, akte.Event{Operation: "admin.accounts", ActorID: op.actor(), ActorRole: "operator"})
	return out, nil
}

// adminAccount finds an account by id or e-mail.
func (s *Service) adminAccount(ctx context.Context, op, ref string) (*akte.Account, error) {
	a, err := s.store.Account(ctx, akte.AccountID(ref))
	if akte.Is(err, akte.KindNotFound) {
		if email, eerr := normalizeEmail(op, ref); eerr == nil {
			a, err = s.store.AccountByEmail(ctx, email)
		}
	}
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(op, akte.KindNotFound, "account_not_found", map[string]any{"ref": ref}, "")
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return a, nil
}

// AdminBlockAccount blocks or unblocks an account (the blocking service);
// blocking ends every session at once.
func (s *Service) AdminBlockAccount(ctx context.Context, op Operator, ref string, blocked bool) (*akte.Account, error) {
	name := "admin.account_unblock"
	if blocked {
		name = "admin.account_block"
	}
	a, err := s.adminAccount(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	if blocked {
		now := s.nowUTC()
		a.BlockedAt = &now
	} else {
		a.BlockedAt = nil
	}
	if err := s.updateAccount(ctx, name, a); err != nil {
		return nil, err
	}
	if blocked {
		if _, err := s.store.DeleteSessions(ctx, a.ID, ""); err != nil {
			return nil, internal(name, err)
		}
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: name, Object: "account:" + string(a.ID), ActorID: op.actor(), ActorRole: "operator"})
	return a, nil
}

// AdminBlockDevice blocks or unblocks one device of an account.
func (s *Service) AdminBlockDevice(ctx context.Context, op Operator, ref string, id akte.DeviceID, blocked bool) (*akte.Device, error) {
	name := "admin.device_unblock"
	if blocked {
		name = "admin.device_block"
	}
	a, err := s.adminAccount(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	d, err := s.setDeviceBlocked(ctx, name, a.ID, id, blocked)
	if err != nil {
		return nil, err
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: name, Object: "device:" + string(id), ActorID: op.actor(), ActorRole: "operator", DeviceID: id})
	return d, nil
}

// AdminDevices lists an account's devices.
func (s *Service) AdminDevices(ctx context.Context, op Operator, ref string) ([]*akte.Device, error) {
	a, err := s.adminAccount(ctx, "admin.devices", ref)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.Devices(ctx, a.ID)
	if err != nil {
		return nil, internal("admin.devices", err)
	}
	s.event(ctx, akte.Event{AccountID: a.ID, Operation: "admin.devices", Object: "account:" + string(a.ID), ActorID: op.actor(), ActorRole: "operator"})
	return ds, nil
}

// AdminReleaseKVNR releases a KVNR held by a confirmed account, after the
// operator has checked the identity of the person who claims it (docs/
// decisions/0015-attempt-limits.md): the holding account keeps everything
// but the KVNR, and the claimant's account can be confirmed with it. The
// release is recorded on the holding account.
func (s *Service) AdminReleaseKVNR(ctx context.Context, op Operator, kvnr string) (*akte.Account, error) {
	const name = "admin.kvnr_release"
	kvnr, err := validateKVNR(name, kvnr)
	if err != nil {
		return nil, err
	}
	id, err := s.store.ReleaseKVNR(ctx, kvnr)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(name, akte.KindNotFound, "kvnr_not_held", nil, "")
	}
	if err != nil {
		return nil, internal(name, err)
	}
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return nil, internal(name, err)
	}
	s.event(ctx, akte.Event{AccountID: id, Operation: name, Object: "account:" + string(id), ActorID: op.actor(), ActorRole: "operator", Cause: kvnr})
	return a, nil
}
