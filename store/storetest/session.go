package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/akte/akte"
)

func testSessionRoundTrip(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))

	// Created out of order; listed by creation time.
	x2 := newSession(a.ID, "dev-1", "sess-2", at(2*time.Hour))
	x1 := newSession(a.ID, "dev-1", "sess-1", at(1*time.Hour))
	x3 := newSession(a.ID, "", "sess-3", at(3*time.Hour)) // no device
	// A session opened without a device key (the web app's) keeps none.
	x3.ClientAddr, x3.UserAgent, x3.DeviceKey = "", "", nil
	y := newSession(b.ID, "dev-1", "sess-b", at(30*time.Minute))
	for _, x := range []*akte.Session{x2, x1, x3, y} {
		mustCreateSession(t, s, x)
	}

	for _, want := range []*akte.Session{x1, x2, x3, y} {
		got, err := s.SessionByTokenHash(ctx, want.TokenHash)
		if err != nil {
			t.Errorf("SessionByTokenHash(%s): %v", want.ID, err)
			continue
		}
		wantEqual(t, "SessionByTokenHash("+want.ID+")", got, want)
	}
	xs, err := s.Sessions(ctx, a.ID)
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	wantEqual(t, "Sessions", xs, []*akte.Session{x1, x2, x3})
	if ids := mustSessionIDs(t, s, "acc-unknown"); len(ids) != 0 {
		t.Errorf("Sessions(unknown account) = %v, want none", ids)
	}
}

func testTouchSession(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	x := mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-1", at(time.Hour)))
	other := mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-2", at(time.Hour)))

	seen := at(5 * time.Hour)
	if err := s.TouchSession(ctx, x.ID, seen); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	want := *x
	want.LastSeenAt = seen
	got, err := s.SessionByTokenHash(ctx, x.TokenHash)
	if err != nil {
		t.Fatalf("SessionByTokenHash: %v", err)
	}
	wantEqual(t, "Session after touch", got, &want)
	got, err = s.SessionByTokenHash(ctx, other.TokenHash)
	if err != nil {
		t.Fatalf("SessionByTokenHash: %v", err)
	}
	wantEqual(t, "other Session", got, other)
}

func testDeleteSession(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	x := mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-1", at(time.Hour)))
	mustCreateSession(t, s, newSession(a.ID, "dev-1", "sess-2", at(2*time.Hour)))

	// Another account cannot name this session.
	wantKind(t, "DeleteSession(other account)", s.DeleteSession(ctx, b.ID, x.ID), akte.KindNotFound)
	if ids := mustSessionIDs(t, s, a.ID); !slices.Equal(ids, []string{"sess-1", "sess-2"}) {
		t.Fatalf("Sessions after refused delete = %v", ids)
	}

	if err := s.DeleteSession(ctx, a.ID, x.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err := s.SessionByTokenHash(ctx, x.TokenHash)
	wantKind(t, "SessionByTokenHash(deleted)", err, akte.KindNotFound)
	if ids := mustSessionIDs(t, s, a.ID); !slices.Equal(ids, []string{"sess-2"}) {
		t.Errorf("Sessions after delete = %v, want [sess-2]", ids)
	}
	wantKind(t, "DeleteSession again", s.DeleteSession(ctx, a.ID, x.ID), akte.KindNotFound)
}

func testDeleteSessions(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	for i, x := range []struct {
		account akte.AccountID
		device  akte.DeviceID
		id      string
	}{
		{a.ID, "dev-1", "a1"},
		{a.ID, "dev-1", "a2"},
		{a.ID, "dev-2", "a3"},
		{a.ID, "", "a4"},
		{b.ID, "dev-1", "b1"}, // same device id, other account
	} {
		mustCreateSession(t, s, newSession(x.account, x.device, x.id, at(time.Duration(i)*time.Hour)))
	}

	steps := []struct {
		device akte.DeviceID
		n      int
		left   []string
	}{
		{"dev-1", 2, []string{"a3", "a4"}},
		{"dev-1", 0, []string{"a3", "a4"}},
		{"dev-unknown", 0, []string{"a3", "a4"}},
		{"", 2, []string{}},
		{"", 0, []string{}},
	}
	for _, st := range steps {
		n, err := s.DeleteSessions(ctx, a.ID, st.device)
		wantCount(t, "DeleteSessions("+string(st.device)+")", n, err, st.n)
		if ids := mustSessionIDs(t, s, a.ID); !slices.Equal(ids, st.left) {
			t.Errorf("after DeleteSessions(%q): Sessions = %v, want %v", st.device, ids, st.left)
		}
	}
	if ids := mustSessionIDs(t, s, b.ID); !slices.Equal(ids, []string{"b1"}) {
		t.Errorf("other account's Sessions = %v, want [b1]", ids)
	}
}

func testDeleteExpiredSessions(t *testing.T, s akte.Store) {
	a := mustCreateAccount(t, s, newAccount(1))
	now := at(100 * time.Hour)
	idleBefore := now.Add(-time.Hour)
	sessions := []struct {
		id        string
		expiresAt time.Time
		lastSeen  time.Time
		gone      bool
	}{
		{"fresh", now.Add(time.Hour), now, false},
		{"expired", now.Add(-time.Microsecond), now, true},
		{"expires-now", now, now, false}, // not before now
		{"idle", now.Add(time.Hour), idleBefore.Add(-time.Microsecond), true},
		{"idle-limit", now.Add(time.Hour), idleBefore, false},
		{"both", now.Add(-time.Hour), idleBefore.Add(-time.Hour), true},
	}
	var left []string
	for i, x := range sessions {
		sess := newSession(a.ID, "dev-1", x.id, at(time.Duration(i)*time.Minute))
		sess.ExpiresAt, sess.LastSeenAt = x.expiresAt, x.lastSeen
		mustCreateSession(t, s, sess)
		if !x.gone {
			left = append(left, x.id)
		}
	}
	n, err := s.DeleteExpiredSessions(t.Context(), now, idleBefore)
	wantCount(t, "DeleteExpiredSessions", n, err, len(sessions)-len(left))
	if ids := mustSessionIDs(t, s, a.ID); !slices.Equal(ids, left) {
		t.Errorf("Sessions after DeleteExpiredSessions = %v, want %v", ids, left)
	}
}

// testSessionPrincipal checks the one-lookup authentication read: the same
// session, account and device as the separate lookups, a nil device when
// the session names none or a missing one, blocked devices and accounts as
// they are, and KindNotFound for an unknown hash.
func testSessionPrincipal(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	blockedAcc := newAccount(2)
	blockedAcc.BlockedAt = ptr(at(time.Hour))
	b := mustCreateAccount(t, s, blockedAcc)
	d1 := mustCreateDevice(t, s, newDevice(a.ID, "dev-1", at(time.Minute)))
	blockedDev := newDevice(a.ID, "dev-2", at(2*time.Minute))
	blockedDev.BlockedAt = ptr(at(3 * time.Minute))
	d2 := mustCreateDevice(t, s, blockedDev)
	// Another account's device of the same id must not be joined.
	bd := mustCreateDevice(t, s, newDevice(b.ID, "dev-b", at(time.Minute)))
	mustCreateDevice(t, s, newDevice(b.ID, "dev-9", at(time.Minute)))
	// a has a record, b none.
	if err := s.CreateRecord(ctx, newRecord(a.ID)); err != nil {
		t.Fatalf("CreateRecord: %v", err)
	}
	arec := newRecord(a.ID).ID

	tests := []struct {
		x       *akte.Session
		account *akte.Account
		device  *akte.Device
		record  akte.RecordID
	}{
		{newSession(a.ID, "dev-1", "sess-1", at(time.Hour)), a, d1, arec},
		{newSession(a.ID, "dev-2", "sess-2", at(time.Hour)), a, d2, arec},
		{newSession(a.ID, "", "sess-3", at(time.Hour)), a, nil, arec},
		{newSession(a.ID, "dev-9", "sess-4", at(time.Hour)), a, nil, arec}, // dev-9 is b's
		{newSession(b.ID, "dev-b", "sess-5", at(time.Hour)), b, bd, ""},
		{newSession(b.ID, "dev-gone", "sess-6", at(time.Hour)), b, nil, ""},
	}
	for _, tt := range tests {
		mustCreateSession(t, s, tt.x)
	}
	for _, tt := range tests {
		x, acc, d, rid, err := s.SessionPrincipal(ctx, tt.x.TokenHash)
		if err != nil {
			t.Errorf("SessionPrincipal(%s): %v", tt.x.ID, err)
			continue
		}
		if rid != tt.record {
			t.Errorf("SessionPrincipal(%s) record = %q, want %q", tt.x.ID, rid, tt.record)
		}
		wantEqual(t, "SessionPrincipal("+tt.x.ID+") session", x, tt.x)
		wantEqual(t, "SessionPrincipal("+tt.x.ID+") account", acc, tt.account)
		if tt.device == nil {
			if d != nil {
				t.Errorf("SessionPrincipal(%s) device = %+v, want nil", tt.x.ID, d)
			}
		} else {
			wantEqual(t, "SessionPrincipal("+tt.x.ID+") device", d, tt.device)
		}
	}
	_, _, _, _, err := s.SessionPrincipal(ctx, []byte("no such hash"))
	wantKind(t, "SessionPrincipal(unknown hash)", err, akte.KindNotFound)

	// A touch is seen by the next lookup.
	if err := s.TouchSession(ctx, "sess-1", at(5*time.Hour)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	x, _, _, _, err := s.SessionPrincipal(ctx, tests[0].x.TokenHash)
	if err != nil {
		t.Fatalf("SessionPrincipal after touch: %v", err)
	}
	want := *tests[0].x
	want.LastSeenAt = at(5 * time.Hour)
	wantEqual(t, "SessionPrincipal after touch", x, &want)
}
