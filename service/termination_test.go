package service_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
)

// TestTermination: notice keeps everything for the grace period and can be
// taken back; the reminders go a week and a day before, once each; then
// the jobs delete the items, blobs, keys, sessions and the account, and
// nothing of it is left in the database file or the blob directory, while
// another account stays.
func TestTermination(t *testing.T) {
	e := newEnv(t, uploadConfig())
	ctx := t.Context()
	p, a := e.principal("kuendigung@example.org", "X110411675")
	e.document(p, "kkkkkkkkkkkkkkkk")
	other, _ := e.principal("bleibt@example.org", "K220635158")
	e.document(other, "bbbbbbbbbbbbbbbb")

	n, err := e.svc.Terminate(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.DeleteAt.Sub(n.RequestedAt); got != 28*24*time.Hour {
		t.Errorf("grace %v, want 28 days", got)
	}
	if again, _ := e.svc.Terminate(ctx, p); !again.DeleteAt.Equal(n.DeleteAt) {
		t.Errorf("a second notice moved the date: %v", again.DeleteAt)
	}
	if e.mails(a.email, "Kündigung ist eingegangen") != 1 {
		t.Error("no mail at the notice")
	}
	// Taken back, given again.
	if err := e.svc.KeepAccount(ctx, p); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "keep without notice", e.svc.KeepAccount(ctx, p), akte.KindNotFound, "termination_none")
	if _, err := e.svc.Terminate(ctx, p); err != nil {
		t.Fatal(err)
	}
	jobs := func() {
		t.Helper()
		for range 2 { // twice: each reminder goes once
			if err := e.svc.RunJobs(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.clk.Add(20 * 24 * time.Hour)
	jobs()
	if e.mails(a.email, "gelöscht") != 0 {
		t.Error("a reminder before its day")
	}
	e.clk.Add(24 * time.Hour) // 7 days before
	jobs()
	e.clk.Add(6 * 24 * time.Hour) // 1 day before
	jobs()
	if got := e.mails(a.email, "Tag(en) gelöscht"); got != 2 {
		t.Errorf("%d reminders, want 2", got)
	}
	if _, err := e.store.Account(ctx, a.id); err != nil {
		t.Fatalf("deleted before the end of the grace: %v", err)
	}
	if keys, _ := e.blobs.List(ctx, ""); len(keys) != 6 {
		t.Errorf("%d blobs during the grace, want 6", len(keys))
	}

	e.clk.Add(24 * time.Hour)
	jobs()
	if _, err := e.store.Account(ctx, a.id); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("account after the grace: %v", err)
	}
	if its, _ := e.store.Items(ctx, a.id, ""); len(its) != 0 {
		t.Errorf("%d items left", len(its))
	}
	keys, _ := e.blobs.List(ctx, "")
	for _, k := range keys {
		if strings.Contains(k, string(a.id)) || strings.Contains(k, "kkkkkkkkkkkkkkkk") {
			t.Errorf("blob left: %s", k)
		}
	}
	if len(keys) != 3 {
		t.Errorf("%d blobs left, want the other account's 3", len(keys))
	}
	// The other account is intact; the deleted one's record, address and
	// secrets are nowhere in the database file (the protocol keeps ids and
	// that the account was deleted, by counts).
	if _, err := e.store.Account(ctx, other.Account.ID); err != nil {
		t.Errorf("the other account: %v", err)
	}
	e.svc.RunJobs(ctx)
	db, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(e.path + "-wal")
	for _, secret := range [][]byte{[]byte(p.RecordID), []byte(p.Account.TOTPSecret), []byte(p.Account.LoginHash), []byte(a.email)} {
		if len(secret) > 0 && (strings.Contains(string(db), string(secret)) || strings.Contains(string(wal), string(secret))) {
			t.Errorf("the database still holds %.20q", secret)
		}
	}
}
