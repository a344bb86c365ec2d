package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/mailtest"
	"github.com/akte/akte/service"
)

// deviceLink returns the secret of the newest device link mailed to addr.
func (e *env) deviceLink(addr string) string {
	e.t.Helper()
	m, err := mailtest.Last(e.outbox, addr, "Neues Gerät")
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := m.Link()
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, ok := strings.Cut(l, "/geraet#")
	if !ok {
		e.t.Fatalf("device link %q", l)
	}
	return secret
}

// TestDeviceConfirmation: a device seen for the first time logs in only
// after its owner confirmed it with the mailed link; the link is mailed
// again at most once a minute and voids the one before; it is good for
// DeviceLinkTTL and once; a preview changes nothing; a blocked device
// logs in no more and cannot be confirmed.
func TestDeviceConfirmation(t *testing.T) {
	cfg := testConfig()
	e := newEnv(t, cfg)
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.1"}
	_, a := e.principal("jonas@example.org", "X110411675")
	login := func(device string) error {
		_, err := e.login(a, "192.0.2.1", device, "", e.nextTOTP(a))
		return err
	}
	wantKind(t, "a new device", login("device-0002"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	first := e.deviceLink(a.email)
	wantKind(t, "the new device again", login("device-0002"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	if n := e.mails(a.email, "Neues Gerät"); n != 1 {
		t.Fatalf("%d device links within a minute, want 1", n)
	}
	e.clk.Add(time.Minute)
	wantKind(t, "the new device a minute later", login("device-0002"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	second := e.deviceLink(a.email)
	if n := e.mails(a.email, "Neues Gerät"); n != 2 || second == first {
		t.Fatalf("%d device links after a minute, want a second one", n)
	}
	_, err := e.svc.PreviewDevice(ctx, cl, first)
	wantKind(t, "the voided first link", err, akte.KindNotFound, "device_link_invalid")
	pd, err := e.svc.PreviewDevice(ctx, cl, second)
	if err != nil || pd.Device.ID != "device-0002" || pd.Device.ConfirmedAt != nil || !pd.ExpiresAt.Equal(e.clk.Now().Add(cfg.DeviceLinkTTL)) {
		t.Fatalf("preview: %+v %v", pd, err)
	}
	wantKind(t, "after the preview", login("device-0002"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	if err := e.svc.ConfirmDevice(ctx, cl, second); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "the link again", e.svc.ConfirmDevice(ctx, cl, second), akte.KindUsed, "device_link_used")
	if err := login("device-0002"); err != nil {
		t.Fatalf("the confirmed device: %v", err)
	}
	wantKind(t, "an empty link", e.svc.ConfirmDevice(ctx, cl, ""), akte.KindInvalid, "device_link_incomplete")
	wantKind(t, "a made-up link", e.svc.ConfirmDevice(ctx, cl, "nonsense"), akte.KindNotFound, "device_link_invalid")

	// A link lives DeviceLinkTTL.
	wantKind(t, "a third device", login("device-0003"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	third := e.deviceLink(a.email)
	e.clk.Add(cfg.DeviceLinkTTL)
	_, err = e.svc.PreviewDevice(ctx, cl, third)
	wantKind(t, "preview of an expired link", err, akte.KindExpired, "device_link_expired")
	wantKind(t, "an expired link", e.svc.ConfirmDevice(ctx, cl, third), akte.KindExpired, "device_link_expired")

	// A blocked device: its sessions end, it logs in no more, and a link
	// for it confirms nothing.
	res, err := e.login(a, "192.0.2.1", "device-0002", "", e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(ctx, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, "a new device for the block", login("device-0004"), akte.KindDeviceUnconfirmed, "device_unconfirmed")
	fourth := e.deviceLink(a.email)
	for _, d := range []akte.DeviceID{"device-0004", "device-0002"} {
		if _, err := e.svc.BlockDevice(ctx, p, d); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.svc.Authenticate(ctx, res.Token)
	wantKind(t, "a session of the blocked device", err, akte.KindUnauthenticated, "")
	wantKind(t, "the blocked device", login("device-0002"), akte.KindBlocked, "device_blocked")
	wantKind(t, "the link of a blocked device", e.svc.ConfirmDevice(ctx, cl, fourth), akte.KindBlocked, "device_blocked")

	// The owner's other device renames and blocks only devices that exist.
	res, err = e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	p = &service.Principal{Account: res.Account, Session: res.Session}
	_, err = e.svc.RenameDevice(ctx, p, "device-0009", "Telefon")
	wantKind(t, "renaming a device that is not there", err, akte.KindNotFound, "device_not_found")
	_, err = e.svc.RenameDevice(ctx, p, "device-0002", "\x00")
	wantKind(t, "an unprintable name", err, akte.KindInvalid, "device_name_invalid")
	if d, err := e.svc.RenameDevice(ctx, p, "device-0002", "Altes Telefon"); err != nil || d.Name != "Altes Telefon" {
		t.Fatalf("rename: %+v %v", d, err)
	}
}
