package audit

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOperations checks the catalogue: unique names and codes, both
// labels, a known action and area, and the foundation's older names.
func TestOperations(t *testing.T) {
	names, codes := map[Operation]bool{}, map[string]bool{}
	for _, o := range Operations() {
		if names[o.Op] || codes[o.Code] {
			t.Errorf("%s / %s used twice", o.Op, o.Code)
		}
		names[o.Op], codes[o.Code] = true, true
		if o.LabelDE == "" || o.LabelEN == "" || o.Code == "" {
			t.Errorf("%s: label or code missing", o.Op)
		}
		switch o.Action {
		case ActionCreate, ActionRead, ActionUpdate, ActionDelete, ActionExecute:
		default:
			t.Errorf("%s: action %q", o.Op, o.Action)
		}
		if o.Area == "" {
			t.Errorf("%s: no area", o.Op)
		}
		if _, ok := o.Op.Info(); !ok || o.Op.Code() != o.Code {
			t.Errorf("%s: lookup fails", o.Op)
		}
	}
	if Operation("item.read").Code() != ItemDownload.Code() || Operation("item.create").Code() != ItemUpload.Code() {
		t.Error("the foundation's item.read / item.create do not map to download / upload")
	}
	if Operation("nope").Code() != "" || Operation("nope").Label("de") != "nope" {
		t.Error("unknown operation")
	}
	if ItemDownload.Label("en") != "Document downloaded" || ItemDownload.Label("de") != "Dokument heruntergeladen" {
		t.Error("labels")
	}
}

// The operations the issue lists under "Events for every access and
// change" (item 1), each of which must be in the catalogue.
var issueOperations = []Operation{
	ItemReadMetadata, ItemDownload, ItemUpload, ItemDelete, ItemNewVersion, ItemList, ItemSearch,
	GrantCreate, GrantChange, GrantRevoke,
	ShareCreate, ShareOpen, ShareRevoke,
	RepresentativeAdd, RepresentativeChange, RepresentativeRemove,
	AppConnect, AppDisconnect, AppPush,
	ConsentGive, ConsentWithdraw,
	SessionLogin, SessionLogout, DeviceConfirm, DeviceBlock,
	AdminAccounts, AdminAccountBlock, AdminDeviceBlock, AuditRead,
}

func TestIssueOperationsCatalogued(t *testing.T) {
	for _, op := range issueOperations {
		if _, ok := op.Info(); !ok {
			t.Errorf("%s is not in the catalogue", op)
		}
	}
}

// TestRoutesMapped fails when a route of the HTTP API has no audit
// mapping, or the mapping names a route that no longer exists. It reads
// api/routes.go, the one place routes are registered. (When the audit
// log is wired into the API, this test moves there and checks the mux.)
func TestRoutesMapped(t *testing.T) {
	src, err := os.ReadFile("../api/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`m\.Handle(?:Func)?\("([^"]+)"`)
	routes := Routes()
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		pattern := m[1]
		seen[pattern] = true
		ra, ok := routes[pattern]
		switch {
		case !ok:
			t.Errorf("route %q has no audit mapping (audit.Routes)", pattern)
		case ra.Op == "" && ra.Why == "":
			t.Errorf("route %q: neither an operation nor why it is not audited", pattern)
		case ra.Op != "":
			if _, known := ra.Op.Info(); !known {
				t.Errorf("route %q maps to unknown operation %s", pattern, ra.Op)
			}
		}
	}
	if len(seen) < 30 {
		t.Fatalf("found only %d routes in api/routes.go: the pattern no longer matches", len(seen))
	}
	for pattern := range routes {
		if !seen[pattern] {
			t.Errorf("audit.Routes maps %q, which api/routes.go does not register", pattern)
		}
	}
}

// TestDocsListOperations keeps docs/audit.md's table of operations and
// codes complete.
func TestDocsListOperations(t *testing.T) {
	doc, err := os.ReadFile("../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Operations() {
		if !strings.Contains(string(doc), fmt.Sprintf("| `%s` | %s |", o.Op, o.Code)) {
			t.Errorf("docs/audit.md does not list %s (%s)", o.Op, o.Code)
		}
	}
}
