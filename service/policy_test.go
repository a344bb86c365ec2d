package service_test

import (
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestPolicyTable: every role has a cell for every action; the owner may
// do everything but accept a naming and request emergency access, a stranger, the operator and a share recipient nothing, and all are told
// the record does not exist; a role with standing is told it may not.
func TestPolicyTable(t *testing.T) {
	for _, r := range service.Roles() {
		for _, a := range service.Actions() {
			allow, kind, reason := service.Decide(r.Role, a.Action)
			switch cell := service.Cell(r.Role, a.Action); {
			case r.Role == service.RoleOwner && (a.Action == service.ActRepresentativeAccept || a.Action == service.ActEmergencyRequest):
				// What only a named person does.
				if cell != service.Deny {
					t.Errorf("owner, %s: %s", a.Action, cell)
				}
			case r.Role == service.RoleOwner:
				if cell != service.Allow || !allow {
					t.Errorf("owner, %s: %s", a.Action, cell)
				}
			case r.Role == service.RoleStranger || r.Role == service.RoleOperator || r.Role == service.RoleShareRecipient:
				if cell != service.Deny || allow || kind != akte.KindNotFound || reason != "record_not_found" {
					t.Errorf("%s, %s: %s, %v %s", r.Role, a.Action, cell, kind, reason)
				}
			case cell == service.Deny:
				if allow || kind != akte.KindForbidden || reason != "action_not_permitted" {
					t.Errorf("%s, %s: %v %s", r.Role, a.Action, kind, reason)
				}
			}
		}
	}
	if allow, _, _ := service.Decide("no such role", service.ActItemList); allow {
		t.Error("an unknown role is allowed")
	}
}

// TestStrangerRecord: another's record and one that does not exist get
// the same answer from every record-scoped method; the owner's record
// answers its owner.
func TestStrangerRecord(t *testing.T) {
	e := newEnv(t, uploadConfig())
	ctx := t.Context()
	p, _ := e.principal("owner@example.org", "X110411675")
	q, _ := e.principal("stranger@example.org", "A123456780")
	// The helpers register every record under one id; the stranger's own
	// is another (as real clients' random ids are).
	q.RecordID = "strangersrecord0"
	const id = "ssssssssssssssss"
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload(id, 150)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Upload(ctx, p, p.RecordID, id); err != nil {
		t.Fatalf("the owner's upload: %v", err)
	}
	for _, rid := range []akte.RecordID{p.RecordID, "nosuchrecord0000", ""} {
		_, err := e.svc.Record(ctx, q, rid)
		wantKind(t, "record", err, akte.KindNotFound, "record_not_found")
		_, err = e.svc.Items(ctx, q, rid, "")
		wantKind(t, "items", err, akte.KindNotFound, "record_not_found")
		_, err = e.svc.Upload(ctx, q, rid, id)
		wantKind(t, "upload status", err, akte.KindNotFound, "record_not_found")
		_, err = e.svc.CreateUpload(ctx, q, rid, upload("tttttttttttttttt", 150))
		wantKind(t, "upload", err, akte.KindNotFound, "record_not_found")
		err = e.svc.DeleteItem(ctx, q, rid, id)
		wantKind(t, "delete", err, akte.KindNotFound, "record_not_found")
		_, _, err = e.svc.Manifest(ctx, q, rid)
		wantKind(t, "manifest", err, akte.KindNotFound, "record_not_found")
		_, err = e.svc.SwapManifest(ctx, q, rid, 0, []byte("sealed"))
		wantKind(t, "manifest swap", err, akte.KindNotFound, "record_not_found")
	}
	// The owner's item is untouched, and the stranger's own record is its.
	if _, err := e.svc.Upload(ctx, p, p.RecordID, id); err != nil {
		t.Errorf("the owner's upload after the stranger's attempts: %v", err)
	}
	if rs, err := e.svc.Records(ctx, q); err != nil || len(rs) != 1 || rs[0].ID != q.RecordID || rs[0].Role != service.RoleOwner {
		t.Errorf("records: %+v %v", rs, err)
	}
}
