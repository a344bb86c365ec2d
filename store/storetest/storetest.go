// Package storetest is the conformance suite for akte.Store: every backend
// runs it, so every backend behaves the same.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

// Run runs the suite. newStore must return a new, empty store, independent
// of every other it returned, and close it when the test ends (t.Cleanup);
// the suite may close it earlier itself, so a second Close must be
// harmless. Subtests run in parallel, each on its own store.
func Run(t *testing.T, newStore func(t *testing.T) akte.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s akte.Store)
	}{
		{"NotFound", testNotFound},
		{"Conflict", testConflict},
		{"Unavailable", testUnavailable},

		{"AccountRoundTrip", testAccountRoundTrip},
		{"UpdateAccount", testUpdateAccount},
		{"KVNR", testKVNR},
		{"SetAccountLang", testSetAccountLang},
		{"SetAccountEmail", testSetAccountEmail},
		{"AdvanceTOTP", testAdvanceTOTP},
		{"AdvanceTOTPConcurrent", testAdvanceTOTPConcurrent},
		{"Accounts", testAccounts},
		{"UnconfirmedAccountsBefore", testUnconfirmedAccountsBefore},
		{"DeleteAccount", testDeleteAccount},

		{"DeviceRoundTrip", testDeviceRoundTrip},
		{"UpdateDevice", testUpdateDevice},

		{"Passkeys", testPasskeys},
		{"Terminations", testTerminations},
		{"Reminders", testReminders},
		{"PushSubscriptions", testPushSubscriptions},
		{"Consents", testConsents},
		{"Parties", testParties},
		{"Activations", testActivations},
		{"Usage", testUsage},
		{"PasskeyChallenges", testPasskeyChallenges},

		{"SessionRoundTrip", testSessionRoundTrip},
		{"TouchSession", testTouchSession},
		{"SessionPrincipal", testSessionPrincipal},
		{"DeleteSession", testDeleteSession},
		{"DeleteSessions", testDeleteSessions},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},

		{"TokenRoundTrip", testTokenRoundTrip},
		{"LatestToken", testLatestToken},
		{"UseToken", testUseToken},
		{"UseTokenConcurrent", testUseTokenConcurrent},
		{"CreateTokenReplaces", testCreateTokenReplaces},
		{"DeleteTokensBefore", testDeleteTokensBefore},

		{"TakeAttempts", testTakeAttempt},
		{"TakeAttemptsConcurrent", testTakeAttemptsConcurrent},
		{"TakeAttemptsAllOrNothing", testTakeAttemptsAllOrNothing},
		{"ReleaseAttempts", testReleaseAttempts},
		{"ClearAttempts", testClearAttempts},
		{"DeleteAttemptsBefore", testDeleteAttemptsBefore},

		{"CreateAccountWithRecord", testCreateAccountWithRecord},
		{"Providers", testProviders},
		{"Lease", testLease},
		{"LeaseConcurrent", testLeaseConcurrent},

		{"Events", testEvents},
		{"EventsAfter", testEventsAfter},
		{"ClearEventAddrsBefore", testClearEventAddrsBefore},
		{"AuditSequencing", testAuditSequencing},
		{"AuditSequencingConflict", testAuditSequencingConflict},
		{"AuditCheckpoint", testAuditCheckpoint},
		{"AuditHashesMany", testAuditHashesMany},
		{"AuditWindows", testAuditWindows},
		{"RecordAlarm", testRecordAlarm},
		{"AuditRetention", testAuditRetention},

		{"Record", testRecord},
		{"RotateKeys", testRotateKeys},

		{"Manifest", testManifest},
		{"SwapManifestConcurrent", testSwapManifestConcurrent},
		{"UploadLifecycle", testUploadLifecycle},
		{"Items", testItems},
		{"ChangeItemMeta", testChangeItemMeta},
		{"ItemsPage", testItemsPage},
		{"Quota", testQuota},
		{"Representatives", testRepresentatives},

		{"Grants", testGrants},
		{"Shares", testShares},
		{"CategoryKeyAdd", testCategoryKeyAdd},
		{"Hidings", testHidings},
		{"Block", testBlock},
		{"BlockGrantConcurrent", testBlockGrantConcurrent},

		{"Secret", testSecret},
		{"SecretConcurrent", testSecretConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, newStore(t))
		})
	}
}

// t0 is the suite's reference time. It has nanoseconds (backends keep
// microseconds) and is not in UTC (backends return UTC), so round trips
// check both.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600))

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ptr returns a pointer to a copy of t.
func ptr(t time.Time) *time.Time { return &t }

// newAccount returns an account with every field set to a value derived
// from n, so accounts made from different n conflict in nothing.
func newAccount(n int) *akte.Account {
	b := func(what string) []byte { return fmt.Appendf(nil, "%s-%d\x00\xff", what, n) }
	return &akte.Account{
		ID:        akte.AccountID(fmt.Sprintf("acc-%d", n)),
		Email:     fmt.Sprintf("user%d@example.org", n),
		KVNR:      fmt.Sprintf("A%09d", n),
		BirthDate: "1980-02-29",
		Lang:      []string{"de", "en"}[n%2],
		KDF: akte.KDFParams{
			Alg:     "argon2id",
			Salt:    b("salt"),
			Memory:  1<<32 - 1, // the largest value must survive
			Time:    uint32(3 + n),
			Threads: 255,
		},
		LoginHash:    fmt.Sprintf("$argon2id$v=19$m=65536,t=3,p=4$login%d", n),
		RecoveryHash: fmt.Sprintf("$argon2id$v=19$m=65536,t=3,p=4$recovery%d", n),
		Keys: akte.KeyBundle{
			UMKByPassword:   b("umk-by-password"),
			UMKByRecovery:   b("umk-by-recovery"),
			RecoveryByUMK:   b("recovery-by-umk"),
			PublicKey:       b("public-key"),
			PrivateKeyByUMK: b("private-key-by-umk"),
		},
		TOTPSecret:      fmt.Sprintf("JBSWY3DPEHPK3PX%d", n),
		TOTPLastCounter: 1000,
		CreatedAt:       at(time.Duration(n) * time.Minute),
		ConfirmedAt:     ptr(at(time.Duration(n)*time.Minute + time.Second)),
		PasswordChanged: at(time.Duration(n)*time.Minute + 2*time.Second),
	}
}

func newDevice(a akte.AccountID, id akte.DeviceID, created time.Time) *akte.Device {
	return &akte.Device{
		AccountID:   a,
		ID:          id,
		Name:        "Firefox auf Linux " + string(id),
		CreatedAt:   created,
		ConfirmedAt: ptr(created.Add(time.Minute)),
		LastSeenAt:  created.Add(time.Hour),
		SecretHash:  []byte("secret-hash-of-" + string(id) + "\x00\xff"),
	}
}

func newSession(a akte.AccountID, d akte.DeviceID, id string, created time.Time) *akte.Session {
	return &akte.Session{
		ID:         id,
		TokenHash:  []byte("hash-of-" + id + "\x00\xff"),
		AccountID:  a,
		DeviceID:   d,
		CreatedAt:  created,
		LastSeenAt: created.Add(time.Minute),
		ExpiresAt:  created.Add(30 * 24 * time.Hour),
		ClientAddr: "2001:db8::1",
		UserAgent:  "Mozilla/5.0 (" + id + ")",
		ClientKey:  []byte("client-key-" + id + "\x00\xff"),
		DeviceKey:  []byte("device-key-" + id + "\x00\xff"),
	}
}

func newToken(a akte.AccountID, p akte.TokenPurpose, hash string, created time.Time) *akte.Token {
	return &akte.Token{
		Hash:      []byte(hash + "\x00\xff"),
		Purpose:   p,
		AccountID: a,
		CreatedAt: created,
		ExpiresAt: created.Add(time.Hour),
	}
}

func newEvent(a akte.AccountID, op string, tm time.Time) *akte.Event {
	return &akte.Event{
		Time:       tm,
		AccountID:  a,
		Operation:  op,
		Object:     "session:xyz",
		ActorID:    string(a),
		ActorRole:  "patient",
		DeviceID:   "dev-1",
		ClientAddr: "192.0.2.7",
		Result:     akte.ResultDenied,
		Cause:      "wrong_totp",
		Log:        map[bool]string{true: "system", false: "record/" + string(a)}[a == ""],
		Index:      -1,
		ActorName:  "Erika",
		AddrSalt:   bytes.Repeat([]byte{7}, 16),
		AddrCommit: bytes.Repeat([]byte{9}, 32),
	}
}

// Must-helpers.

func mustCreateAccount(t *testing.T, s akte.Store, a *akte.Account) *akte.Account {
	t.Helper()
	if err := s.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatalf("CreateAccount(%s): %v", a.ID, err)
	}
	return a
}

func mustAccount(t *testing.T, s akte.Store, id akte.AccountID) *akte.Account {
	t.Helper()
	a, err := s.Account(t.Context(), id)
	if err != nil {
		t.Fatalf("Account(%s): %v", id, err)
	}
	return a
}

func mustCreateDevice(t *testing.T, s akte.Store, d *akte.Device) *akte.Device {
	t.Helper()
	if err := s.CreateDevice(t.Context(), d); err != nil {
		t.Fatalf("CreateDevice(%s, %s): %v", d.AccountID, d.ID, err)
	}
	return d
}

func mustCreateSession(t *testing.T, s akte.Store, x *akte.Session) *akte.Session {
	t.Helper()
	if err := s.CreateSession(t.Context(), x); err != nil {
		t.Fatalf("CreateSession(%s): %v", x.ID, err)
	}
	return x
}

func mustSessionIDs(t *testing.T, s akte.Store, a akte.AccountID) []string {
	t.Helper()
	xs, err := s.Sessions(t.Context(), a)
	if err != nil {
		t.Fatalf("Sessions(%s): %v", a, err)
	}
	ids := []string{}
	for _, x := range xs {
		ids = append(ids, x.ID)
	}
	return ids
}

func mustCreateToken(t *testing.T, s akte.Store, k *akte.Token) *akte.Token {
	t.Helper()
	if err := s.CreateToken(t.Context(), k); err != nil {
		t.Fatalf("CreateToken(%q): %v", k.Hash, err)
	}
	return k
}

func mustToken(t *testing.T, s akte.Store, p akte.TokenPurpose, hash []byte) *akte.Token {
	t.Helper()
	k, err := s.Token(t.Context(), p, hash)
	if err != nil {
		t.Fatalf("Token(%s, %q): %v", p, hash, err)
	}
	return k
}

func mustAddEvent(t *testing.T, s akte.Store, e *akte.Event) *akte.Event {
	t.Helper()
	if err := s.AddEvents(t.Context(), []*akte.Event{e}); err != nil {
		t.Fatalf("AddEvents(%s): %v", e.Operation, err)
	}
	return e
}

func mustEvents(t *testing.T, s akte.Store, a akte.AccountID, limit int) []*akte.Event {
	t.Helper()
	es, err := s.Events(t.Context(), a, limit)
	if err != nil {
		t.Fatalf("Events(%s, %d): %v", a, limit, err)
	}
	return es
}

// wantCount checks the count a bulk method returned.
func wantCount(t *testing.T, what string, n int, err error, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if n != want {
		t.Errorf("%s = %d, want %d", what, n, want)
	}
}

// wantKind checks that err is an *akte.Error of the kind.
func wantKind(t *testing.T, what string, err error, kind akte.Kind) {
	t.Helper()
	var e *akte.Error
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %s", what, kind)
	case !errors.As(err, &e):
		t.Errorf("%s: error %v is %T, want *akte.Error", what, err, err)
	case akte.KindOf(err) != kind:
		t.Errorf("%s: kind %s (%v), want %s", what, akte.KindOf(err), err, kind)
	}
}

// wantEqual reports every field in which got differs from want. Times are
// compared at microsecond precision and must come back in UTC; a nil
// *time.Time must stay nil and a non-nil one non-nil; byte slices must
// have the same content.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	for _, d := range diff("", reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Errorf("%s%s", what, d)
	}
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

func diff(path string, got, want reflect.Value) []string {
	switch {
	case got.Type() != want.Type():
		return []string{fmt.Sprintf("%s: type %s, want %s", path, got.Type(), want.Type())}
	case got.Type() == timeType:
		g, w := got.Interface().(time.Time), want.Interface().(time.Time).Truncate(time.Microsecond)
		if !g.Equal(w) {
			return []string{fmt.Sprintf("%s = %s, want %s", path, g.Format(time.RFC3339Nano), w.UTC().Format(time.RFC3339Nano))}
		}
		if g.Location() != time.UTC {
			return []string{fmt.Sprintf("%s = %s, want it in UTC", path, g)}
		}
	case got.Type() == bytesType:
		if g, w := got.Bytes(), want.Bytes(); !bytes.Equal(g, w) {
			return []string{fmt.Sprintf("%s = %q, want %q", path, g, w)}
		}
	case got.Kind() == reflect.Pointer:
		switch {
		case got.IsNil() && want.IsNil():
		case got.IsNil():
			return []string{fmt.Sprintf("%s = nil, want non-nil", path)}
		case want.IsNil():
			return []string{fmt.Sprintf("%s is set, want nil", path)}
		default:
			return diff(path, got.Elem(), want.Elem())
		}
	case got.Kind() == reflect.Slice:
		if got.Len() != want.Len() {
			return []string{fmt.Sprintf("%s: %d elements, want %d", path, got.Len(), want.Len())}
		}
		var ds []string
		for i := range got.Len() {
			ds = append(ds, diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))...)
		}
		return ds
	case got.Kind() == reflect.Struct:
		var ds []string
		for i := range got.NumField() {
			ds = append(ds, diff(path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))...)
		}
		return ds
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return []string{fmt.Sprintf("%s = %#v, want %#v", path, got.Interface(), want.Interface())}
		}
	}
	return nil
}

// race starts n goroutines that run fn(i) at the same moment and returns
// the errors they returned, in order of i.
func race(n int, fn func(i int) error) []error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// sorted returns a sorted copy of s.
func sorted[S ~[]E, E ~string](s S) S {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// wantReason is wantKind that also expects the error's reason code.
func wantReason(t *testing.T, what string, err error, kind akte.Kind, reason string) {
	t.Helper()
	wantKind(t, what, err, kind)
	if r, _ := akte.ReasonOf(err); err != nil && r != reason {
		t.Errorf("%s: reason %q (%v), want %q", what, r, err, reason)
	}
}
