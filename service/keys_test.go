package service_test

import (
	"bytes"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/service"
)

// TestRotateKeys: the password and a fresh TOTP code prove the owner as
// for a password change; a refused rotation changes nothing; a rotation
// replaces the key bundle, the recovery hash and the record's slot, ends
// the other sessions and is recorded, and afterwards the old recovery key
// no longer starts a recovery while the new one does. A rotation from
// keys that changed in between is refused whole.
func TestRotateKeys(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.5"}
	p, a := e.principal("kim@example.org", "X110411675")
	other, err := e.login(a, "192.0.2.1", "device-0001", a.deviceSecret, e.nextTOTP(a))
	if err != nil {
		t.Fatal(err)
	}
	a.deviceSecret = other.DeviceSecret
	m := material()
	rt, err := core.RotateUMK(m.UMK, m.Keys, *m.Record, m.PasswordKey)
	if err != nil {
		t.Fatal(err)
	}
	k := service.KeyRotation{RecoveryVerifier: rt.RecoveryVerifier, Keys: rt.Keys, RMKByUMK: rt.RMKByUMK}
	unchanged := func(what string) {
		t.Helper()
		stored, err := e.store.Account(ctx, a.id)
		if err != nil || !bytes.Equal(stored.Keys.UMKByPassword, m.Keys.UMKByPassword) || !bytes.Equal(stored.Keys.UMKByRecovery, m.Keys.UMKByRecovery) {
			t.Errorf("%s: keys changed (%v)", what, err)
		}
		rec, err := e.store.Record(ctx, a.id)
		if err != nil || !bytes.Equal(rec.RMKByUMK, m.Record.RMKByUMK) {
			t.Errorf("%s: record slot changed (%v)", what, err)
		}
	}
	wantKind(t, "a wrong password", e.svc.RotateKeys(ctx, p, make([]byte, 32), e.nextTOTP(a), k), akte.KindUnauthenticated, "old_password_wrong")
	wantKind(t, "a wrong code", e.svc.RotateKeys(ctx, p, m.LoginSecret, e.wrongTOTP(a, 0), k), akte.KindUnauthenticated, "totp_wrong")
	swapped := k
	swapped.Keys.PublicKey = bytes.Repeat([]byte{1}, len(k.Keys.PublicKey))
	wantKind(t, "another public key", e.svc.RotateKeys(ctx, p, m.LoginSecret, e.nextTOTP(a), swapped), akte.KindInvalid, "public_key_changed")
	noSlot := k
	noSlot.RMKByUMK = nil
	wantKind(t, "no record slot", e.svc.RotateKeys(ctx, p, m.LoginSecret, e.nextTOTP(a), noSlot), akte.KindInvalid, "field_missing_or_too_large")
	unchanged("after refused rotations")
	if f := e.failures(a.id, "account.keys_rotate"); f["wrong_password"] != 1 || f["wrong_totp"] != 1 {
		t.Errorf("failed events = %v", f)
	}

	if err := e.svc.RotateKeys(ctx, p, m.LoginSecret, e.nextTOTP(a), k); err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Account(ctx, a.id)
	if err != nil || !bytes.Equal(stored.Keys.UMKByPassword, rt.Keys.UMKByPassword) || !bytes.Equal(stored.Keys.RecoveryByUMK, rt.Keys.RecoveryByUMK) {
		t.Fatalf("keys after the rotation: %v", err)
	}
	if rec, err := e.store.Record(ctx, a.id); err != nil || !bytes.Equal(rec.RMKByUMK, rt.RMKByUMK) {
		t.Fatalf("record slot after the rotation: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, other.Token); !akte.Is(err, akte.KindUnauthenticated) {
		t.Errorf("the other session after the rotation: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, a.token); err != nil {
		t.Errorf("this session after the rotation: %v", err)
	}
	evs, _ := e.store.Events(ctx, a.id, 100)
	found := false
	for _, ev := range evs {
		found = found || ev.Operation == "account.keys_rotate" && ev.Result == akte.ResultOK && ev.DeviceID == p.Session.DeviceID
	}
	if !found {
		t.Error("no event of the rotation")
	}

	// The same principal still holds the old keys: a second rotation from
	// them is refused and writes nothing.
	rt2, err := core.RotateUMK(m.UMK, m.Keys, *m.Record, m.PasswordKey)
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, "a rotation from stale keys", e.svc.RotateKeys(ctx, p, m.LoginSecret, e.nextTOTP(a),
		service.KeyRotation{RecoveryVerifier: rt2.RecoveryVerifier, Keys: rt2.Keys, RMKByUMK: rt2.RMKByUMK}), akte.KindConflict, "keys_changed")
	if rec, err := e.store.Record(ctx, a.id); err != nil || !bytes.Equal(rec.RMKByUMK, rt.RMKByUMK) {
		t.Fatalf("record slot after a stale rotation: %v", err)
	}

	_, err = e.svc.RecoverStart(ctx, cl, a.email, m.RecoveryVerifier, e.nextTOTP(a))
	wantKind(t, "the old recovery key", err, akte.KindUnauthenticated, "recovery_failed")
	g, err := e.svc.RecoverStart(ctx, cl, a.email, rt.RecoveryVerifier, e.nextTOTP(a))
	if err != nil || !bytes.Equal(g.UMKByRecovery, rt.Keys.UMKByRecovery) {
		t.Fatalf("the new recovery key: %v", err)
	}
}
