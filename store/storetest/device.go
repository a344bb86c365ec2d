package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

func testDeviceRoundTrip(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))

	// Created out of order; listed by creation time.
	d3 := newDevice(a.ID, "dev-3", at(3*time.Hour))
	d3.BlockedAt = ptr(at(4 * time.Hour))
	d1 := newDevice(a.ID, "dev-1", at(1*time.Hour))
	d1.ConfirmedAt = nil
	d2 := newDevice(a.ID, "dev-2", at(2*time.Hour))
	d2.ConfirmedAt, d2.BlockedAt = nil, ptr(at(5*time.Hour))
	// The same device id under another account is another device.
	b1 := newDevice(b.ID, "dev-1", at(30*time.Minute))
	b1.Name = "iPhone"
	for _, d := range []*akte.Device{d3, d1, d2, b1} {
		mustCreateDevice(t, s, d)
	}

	for _, want := range []*akte.Device{d1, d2, d3, b1} {
		got, err := s.Device(ctx, want.AccountID, want.ID)
		if err != nil {
			t.Errorf("Device(%s, %s): %v", want.AccountID, want.ID, err)
			continue
		}
		wantEqual(t, "Device("+string(want.AccountID)+", "+string(want.ID)+")", got, want)
	}

	ds, err := s.Devices(ctx, a.ID)
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	wantEqual(t, "Devices", ds, []*akte.Device{d1, d2, d3})
	ds, err = s.Devices(ctx, "acc-unknown")
	if err != nil || len(ds) != 0 {
		t.Errorf("Devices(unknown account) = %d, %v; want none, nil", len(ds), err)
	}
}

func testUpdateDevice(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	d := newDevice(a.ID, "dev-1", at(time.Hour))
	d.ConfirmedAt = nil
	mustCreateDevice(t, s, d)
	other := mustCreateDevice(t, s, newDevice(a.ID, "dev-2", at(time.Hour)))

	upd := *d
	upd.Name = "umbenannt"
	upd.ConfirmedAt = ptr(at(2 * time.Hour))
	upd.BlockedAt = ptr(at(3 * time.Hour))
	upd.LastSeenAt = at(4 * time.Hour)
	upd.CreatedAt = at(5 * time.Hour) // not one of the fields UpdateDevice writes
	if err := s.UpdateDevice(ctx, &upd); err != nil {
		t.Fatalf("UpdateDevice: %v", err)
	}
	want := upd
	want.CreatedAt = d.CreatedAt
	got, err := s.Device(ctx, a.ID, d.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	wantEqual(t, "Device after update", got, &want)

	// And back to nil.
	upd.ConfirmedAt, upd.BlockedAt = nil, nil
	if err := s.UpdateDevice(ctx, &upd); err != nil {
		t.Fatalf("UpdateDevice: %v", err)
	}
	want.ConfirmedAt, want.BlockedAt = nil, nil
	got, err = s.Device(ctx, a.ID, d.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	wantEqual(t, "Device after second update", got, &want)

	got, err = s.Device(ctx, a.ID, other.ID)
	if err != nil {
		t.Fatalf("Device: %v", err)
	}
	wantEqual(t, "other Device", got, other)
}
