package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/akte/akte/wire"
)

// TestRecords: akte records names one's own record, as its owner; the
// global --record addresses a record, and a record one may not act on is
// answered exactly as one that does not exist, whatever the command.
func TestRecords(t *testing.T) {
	srv := startServer(t, "", nil)
	anna, ben := newUser(t, srv, "anna@example.org"), newUser(t, srv, "ben@example.org")
	anna.register(testKVNR)
	anna.login()
	ben.register("K220635158")
	ben.login()
	own, bens := anna.state().RecordID, ben.state().RecordID
	if own == "" || bens == "" || own == bens {
		t.Fatalf("record ids after login: %q, %q", own, bens)
	}

	var rs []wire.RecordAccess
	anna.okJSON(&rs, "records")
	if len(rs) != 1 || rs[0].RecordID != own || rs[0].Role != "owner" || rs[0].OwnerKVNR != testKVNR || rs[0].OwnerEmail != anna.Email {
		t.Fatalf("records: %+v", rs)
	}
	if out := anna.ok("records"); !strings.Contains(out, own) || !strings.Contains(out, "Inhaber/in") && !strings.Contains(out, "owner") {
		t.Errorf("records: %s", out)
	}

	// One's own record, named or not.
	doc := filepath.Join(t.TempDir(), "befund.pdf")
	writeRandom(t, doc, 1000, 1)
	id := anna.upload(doc, "--category", "findings", "--title", "Befund")
	var listed []struct{ ID string }
	anna.okJSON(&listed, "ls", "--record", own)
	if len(listed) != 1 || listed[0].ID != id {
		t.Fatalf("ls --record own: %+v", listed)
	}

	// Ben's record and none at all: the same answer, for every command.
	for _, args := range [][]string{
		{"ls"}, {"quota"}, {"get", id, "-o", filepath.Join(t.TempDir(), "out.pdf")}, {"rm", id},
		{"upload", doc, "--category", "findings"},
	} {
		other := anna.fails(append(args, "--record", bens)...)
		none := anna.fails(append(args, "--record", "nosuchrecord0000")...)
		if other != none || !says(other, "record_not_found", nil) {
			t.Errorf("%v: in ben's record %q, in none %q", args, other, none)
		}
	}
	ben.okJSON(&listed, "ls")
	if len(listed) != 0 {
		t.Errorf("ben's record: %+v", listed)
	}
	anna.okJSON(&listed, "ls")
	if len(listed) != 1 {
		t.Errorf("anna's record after the refused commands: %+v", listed)
	}
}
