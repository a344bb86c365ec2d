package storetest

import (
	"testing"
	"time"

	"github.com/akte/akte"
)

// testReminders: reminders are set, replaced, listed, marked sent once per
// instant, deleted, and gone with their account.
func testReminders(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	ra := &akte.Reminder{AccountID: a.ID, TZ: "Europe/Berlin", Times: [4]int{480, -1, 1140, -1}, UpdatedAt: at(time.Hour), LastSent: at(0), Via: akte.ReminderMail}
	rb := &akte.Reminder{AccountID: b.ID, TZ: "UTC", Times: [4]int{-1, 720, -1, 1320}, UpdatedAt: at(2 * time.Hour), LastSent: at(0), Via: akte.ReminderBoth}
	for _, x := range []*akte.Reminder{ra, rb} {
		if err := s.SetReminder(ctx, x); err != nil {
			t.Fatalf("SetReminder(%s): %v", x.AccountID, err)
		}
	}
	wantKind(t, "SetReminder(no account)", s.SetReminder(ctx, &akte.Reminder{AccountID: "acc-unknown", TZ: "UTC", UpdatedAt: at(0), LastSent: at(0)}), akte.KindNotFound)
	ra.Times[1], ra.Via = 735, akte.ReminderPush
	if err := s.SetReminder(ctx, ra); err != nil {
		t.Fatal(err)
	}
	got, err := s.Reminder(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Reminder", got, ra)
	all, err := s.Reminders(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("Reminders = %v, %v", all, err)
	}
	for i, want := range []bool{true, false} {
		if sent, err := s.MarkReminderSent(ctx, a.ID, at(3*time.Hour)); err != nil || sent != want {
			t.Errorf("MarkReminderSent #%d = %v, %v; want %v", i, sent, err, want)
		}
	}
	if sent, _ := s.MarkReminderSent(ctx, a.ID, at(2*time.Hour)); sent {
		t.Error("MarkReminderSent of an earlier instant sent")
	}
	if err := s.DeleteReminder(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteReminder(again)", s.DeleteReminder(ctx, a.ID), akte.KindNotFound)
	_, err = s.Reminder(ctx, a.ID)
	wantKind(t, "Reminder(deleted)", err, akte.KindNotFound)
	if err := s.DeleteAccount(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Reminders(ctx); len(got) != 0 {
		t.Errorf("reminders after the account's deletion: %v", got)
	}
}
