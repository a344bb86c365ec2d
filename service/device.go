package service

import (
	"context"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// newDevice records an unconfirmed device and mails its confirmation link.
func (s *Service) newDevice(ctx context.Context, op string, a *akte.Account, id akte.DeviceID, name string) error {
	now := s.nowUTC()
	d := &akte.Device{AccountID: a.ID, ID: id, Name: name, CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateDevice(ctx, d); err != nil && !akte.Is(err, akte.KindConflict) {
		return internal(op, err)
	}
	return s.sendDeviceLink(ctx, op, a, d)
}

// resendDeviceLink mails a new link unless one went out in the last minute.
func (s *Service) resendDeviceLink(ctx context.Context, op string, a *akte.Account, d *akte.Device) error {
	t, err := s.store.LatestToken(ctx, a.ID, akte.TokenDeviceConfirm)
	if err == nil && t.DeviceID == d.ID && s.nowUTC().Sub(t.CreatedAt) < time.Minute {
		return nil
	}
	return s.sendDeviceLink(ctx, op, a, d)
}

// sendDeviceLink mails a new link for the device, which voids the older
// ones; past the recipient's mail limit it sends nothing and answers
// KindRateLimited.
func (s *Service) sendDeviceLink(ctx context.Context, op string, a *akte.Account, d *akte.Device) error {
	if _, err := s.take(ctx, op, s.mailCounter(a.Email)); err != nil {
		return err
	}
	now := s.nowUTC()
	secret := randomToken(32)
	t := &akte.Token{Hash: hashBytes(string(akte.TokenDeviceConfirm), secret), Purpose: akte.TokenDeviceConfirm,
		AccountID: a.ID, DeviceID: d.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.DeviceLinkTTL)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return internal(op, err)
	}
	// The link opens a page of the web app that shows the device and
	// confirms it only on a click (a POST): mail scanners that follow links
	// confirm nothing. The secret is in the fragment, which browsers send
	// neither to the server nor in a Referer, so no access log holds it
	// (docs/decisions/0025-web-router.md: the page's path, the secret's
	// fragment).
	link := strings.TrimRight(s.cfg.BaseURL, "/") + "/geraet#" + secret
	s.send(ctx, a.Email, langOf(a), mail.DeviceLink{Device: d.Name, Time: now.Format("2006-01-02 15:04"), Hours: int(s.cfg.DeviceLinkTTL / time.Hour), Link: link})
	return nil
}

func errDeviceLinkUsed(op string) error {
	return akte.R(op, akte.KindUsed, "device_link_used", nil, "")
}

// PendingDevice is what a device-confirmation link stands for: the device
// and until when the link is valid.
type PendingDevice struct {
	Device    *akte.Device
	ExpiresAt time.Time
}

// deviceLink looks up the link secret. It returns the token and device,
// and, when the link cannot confirm (used, expired, device blocked), the
// error to answer with and the event code. A nil token comes with the
// error alone (no such link, or the store failed).
func (s *Service) deviceLink(ctx context.Context, op, secret string) (*akte.Token, *akte.Device, string, error) {
	if secret == "" || len(secret) > 128 {
		return nil, nil, "", invalid(op, "device_link_incomplete", nil)
	}
	t, err := s.store.Token(ctx, akte.TokenDeviceConfirm, hashBytes(string(akte.TokenDeviceConfirm), secret))
	if akte.Is(err, akte.KindNotFound) {
		return nil, nil, "", akte.R(op, akte.KindNotFound, "device_link_invalid", nil, "")
	}
	if err != nil {
		return nil, nil, "", internal(op, err)
	}
	if t.UsedAt != nil {
		return t, nil, "used", errDeviceLinkUsed(op)
	}
	if !s.nowUTC().Before(t.ExpiresAt) {
		return t, nil, "expired", akte.R(op, akte.KindExpired, "device_link_expired", nil, "")
	}
	d, err := s.store.Device(ctx, t.AccountID, t.DeviceID)
	if err != nil {
		return nil, nil, "", internal(op, err)
	}
	if d.BlockedAt != nil {
		return t, d, "device_blocked", errDeviceBlocked(op)
	}
	return t, d, "", nil
}

// PreviewDevice returns the device a mailed link stands for, so that the
// page the link opens can show it before the person confirms. It changes
// nothing and fails as ConfirmDevice would.
func (s *Service) PreviewDevice(ctx context.Context, cl Client, secret string) (*PendingDevice, error) {
	const op = "device.preview"
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr)); err != nil {
		return nil, err
	}
	t, d, _, err := s.deviceLink(ctx, op, secret)
	if err != nil {
		return nil, err
	}
	return &PendingDevice{Device: d, ExpiresAt: t.ExpiresAt}, nil
}

// ConfirmDevice confirms the device a mailed link stands for.
func (s *Service) ConfirmDevice(ctx context.Context, cl Client, secret string) error {
	const op = "device.confirm"
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr)); err != nil {
		return err
	}
	t, d, code, err := s.deviceLink(ctx, op, secret)
	if t == nil {
		return err
	}
	ev := akte.Event{AccountID: t.AccountID, Operation: op, Object: "device:" + string(t.DeviceID), ActorID: string(t.AccountID), ActorRole: "patient", DeviceID: t.DeviceID, ClientAddr: cl.Addr}
	fail := func(code string, err error) error {
		ev.Result, ev.Cause = akte.ResultDenied, code
		s.event(ctx, ev)
		return err
	}
	if err != nil {
		return fail(code, err)
	}
	if err := s.store.UseToken(ctx, t.Hash, s.nowUTC()); err != nil {
		if akte.Is(err, akte.KindConflict) {
			return fail("used", errDeviceLinkUsed(op))
		}
		return internal(op, err)
	}
	now := s.nowUTC()
	d.ConfirmedAt = &now
	if err := s.store.UpdateDevice(ctx, d); err != nil {
		return internal(op, err)
	}
	s.event(ctx, ev)
	return nil
}

// Devices lists the caller's devices.
func (s *Service) Devices(ctx context.Context, p *Principal) ([]*akte.Device, error) {
	ds, err := s.store.Devices(ctx, p.Account.ID)
	if err != nil {
		return nil, internal("device.list", err)
	}
	return ds, s.readEvent(ctx, p, "account.read", "account:"+string(p.Account.ID))
}

// RenameDevice renames one of the caller's devices.
func (s *Service) RenameDevice(ctx context.Context, p *Principal, id akte.DeviceID, name string) (*akte.Device, error) {
	const op = "device.rename"
	if err := validateDeviceName(op, name); err != nil {
		return nil, err
	}
	d, err := s.device(ctx, op, p.Account.ID, id)
	if err != nil {
		return nil, err
	}
	d.Name = name
	if err := s.store.UpdateDevice(ctx, d); err != nil {
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "device:" + string(id), ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return d, nil
}

func (s *Service) device(ctx context.Context, op string, account akte.AccountID, id akte.DeviceID) (*akte.Device, error) {
	d, err := s.store.Device(ctx, account, id)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(op, akte.KindNotFound, "device_not_found", nil, "")
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return d, nil
}

// BlockDevice blocks one of the caller's devices (a lost phone, say): its
// sessions end at once and it cannot log in again until an operator
// unblocks it.
func (s *Service) BlockDevice(ctx context.Context, p *Principal, id akte.DeviceID) (*akte.Device, error) {
	d, err := s.setDeviceBlocked(ctx, "device.block", p.Account.ID, id, true)
	if err != nil {
		return nil, err
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: "device.block", Object: "device:" + string(id), ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return d, nil
}

func (s *Service) setDeviceBlocked(ctx context.Context, op string, account akte.AccountID, id akte.DeviceID, blocked bool) (*akte.Device, error) {
	d, err := s.device(ctx, op, account, id)
	if err != nil {
		return nil, err
	}
	if blocked {
		now := s.nowUTC()
		d.BlockedAt = &now
	} else {
		d.BlockedAt = nil
	}
	if err := s.store.UpdateDevice(ctx, d); err != nil {
		return nil, internal(op, err)
	}
	if blocked {
		if _, err := s.store.DeleteSessions(ctx, account, id); err != nil {
			return nil, internal(op, err)
		}
	}
	return d, nil
}
