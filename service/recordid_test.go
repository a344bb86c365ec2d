package service_test

import (
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestRecordIDTaken: record ids are the client's choice and unique; a
// registration naming a taken one is refused with record_id_taken and
// leaves nothing behind, and the address can be registered again.
func TestRecordIDTaken(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	first := registerRequest("anna@example.org", "A123456780")
	if _, err := e.svc.Register(ctx, service.Client{Addr: "192.0.2.1"}, first); err != nil {
		t.Fatal(err)
	}
	second := registerRequest("berta@example.org", "X110411675")
	second.Record.ID = first.Record.ID
	_, err := e.svc.Register(ctx, service.Client{Addr: "192.0.2.1"}, second)
	wantKind(t, "a taken record id", err, akte.KindConflict, "record_id_taken")
	if _, err := e.store.AccountByEmail(ctx, "berta@example.org"); !akte.Is(err, akte.KindNotFound) {
		t.Fatalf("the refused registration left an account: %v", err)
	}
	second.Record = freshRecord()
	if _, err := e.svc.Register(ctx, service.Client{Addr: "192.0.2.1"}, second); err != nil {
		t.Fatal(err)
	}
}
