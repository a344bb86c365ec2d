package api_test

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/api"
	"github.com/akte/akte/client"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// Regenerate docs/permissions.md after changing the policy table or the
// record routes:
//
//	go test ./api -run TestPermissionsDoc -update
var update = flag.Bool("update", false, "rewrite docs/permissions.md")

const permissionsDoc = "../docs/permissions.md"

// permissions writes docs/permissions.md from service's policy table and
// the record routes (api.RecordRoutes).
func permissions(routes []string) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Permissions\n\n")
	p("<!-- Generated from service/policy.go and api/routes.go by: go test ./api -run TestPermissionsDoc -update. Do not edit. -->\n\n")
	p("Who may do what in a record is decided in one place, `service.decide`, from the principal's role in\n")
	p("the record and the action (decision 0033). Every record-scoped route names its record:\n")
	p("`/api/v1/records/{rid}/...`. `GET /api/v1/records` lists the records the caller may act on, with its role in each.\n")
	p("TestPermissionMatrix (package api) sends every record route as every role resolved today and expects\n")
	p("the answer this page gives; a route without a row fails it.\n\n")
	p("## Roles\n\n| role | who | resolved today |\n|---|---|---|\n")
	for _, r := range service.Roles() {
		today := "no (issue 14)"
		if r.Resolved {
			today = "yes"
		}
		p("| `%s` | %s | %s |\n", r.Role, r.Who, today)
	}
	p("\nWithout a session every route below answers 401 (`unauthenticated`).\n\n")
	p("## Actions\n\n| action | what |\n|---|---|\n")
	for _, a := range service.Actions() {
		p("| `%s` | %s |\n", a.Action, a.What)
	}
	p("\n## Answers\n\n")
	p("* **%s**: allowed on every object of the record.\n", service.Allow)
	p("* **%s**: allowed only on the objects the role's grant covers and that are not hidden from it; a listing shows\n", service.Scoped)
	p("  only those, an upload goes only into a category the grant covers; any other item is answered as missing\n")
	p("  (404, `item_not_found`).\n")
	p("* **%s**: refused. The refusal says only what the role may learn:\n\n", service.Deny)
	p("| role | refusal |\n|---|---|\n")
	for _, r := range service.Roles() {
		for _, a := range service.Actions() {
			if allow, kind, reason := service.Decide(r.Role, a.Action); !allow {
				p("| `%s` | %d `%s` |\n", r.Role, api.StatusOf(kind), reason)
				break
			}
		}
	}
	p("\nA stranger's refusal is the answer to a record that does not exist, so it never tells whether a record exists.\n\n")
	p("While the patient restricts processing (`akte restrict on`, decision 0044), the record is the patient's alone: every other\n")
	p("role with access to it is refused every action:\n\n| role | refusal while restricted |\n|---|---|\n")
	for _, r := range service.Roles() {
		if allow, kind, reason := service.DecideRestricted(r.Role, service.ActRecordRead); !allow && r.Role != service.RoleStranger && r.Role != service.RoleOperator {
			p("| `%s` | %d `%s` |\n", r.Role, api.StatusOf(kind), reason)
		}
	}
	p("\n")
	p("## Matrix\n\n| route | action |")
	for _, r := range service.Roles() {
		p(" %s |", r.Role)
	}
	p("\n|---|---|%s\n", strings.Repeat("---|", len(service.Roles())))
	rr := api.RecordRoutes()
	for _, route := range routes {
		action := rr[route]
		p("| `%s` | `%s` |", route, action)
		for _, r := range service.Roles() {
			p(" %s |", service.Cell(r.Role, action))
		}
		p("\n")
	}
	return b.Bytes()
}

// recordPatterns are the served routes under /api/v1/records/{rid}, in the
// order of routes.go.
func recordPatterns(t *testing.T, s *stack) []string {
	var out []string
	for _, pat := range s.api.Patterns() {
		if _, path, _ := strings.Cut(pat, " "); strings.HasPrefix(path, "/api/v1/records/{rid}") {
			out = append(out, pat)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d record routes", len(out))
	}
	return out
}

// TestPermissionsDoc fails when docs/permissions.md is not what the policy
// table and the routes make of it.
func TestPermissionsDoc(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	want := permissions(recordPatterns(t, s))
	if *update {
		if err := os.WriteFile(permissionsDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(permissionsDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the policy table; run: go test ./api -run TestPermissionsDoc -update", permissionsDoc)
	}
}

// subject is one row of the matrix: a principal (token "" for none) and
// the role it has in the record it addresses. A role added to the code
// adds its subjects here.
type subject struct {
	name   string
	token  string
	role   service.Role // "" without a session
	record string       // the record's path, /api/v1/records/{rid}
	item   string       // an item of that record (of another one if the record does not exist)
}

// itemStatus is, by subject name, the status of GET .../items/{id} for a
// scoped role: 200 for an item in scope, 404 for one outside it or hidden
// from it (grantSubjects fills it).
var itemStatus = map[string]int{}

// grantSubjects makes one provider account for each grant that the
// matrix tries in alice's record (whose item itemA is a finding) and
// returns them as subjects: each provider role, and the grants that no
// longer give a role (expired, revoked, blocked), which answer as a
// stranger. The grants are written to the store directly: the matrix
// tests the decision, TestGrants and the service tests the grants'
// keys.
func grantSubjects(t *testing.T, s *stack, recA, itemA string) []subject {
	ctx := t.Context()
	alice, err := s.store.AccountByEmail(ctx, "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	rid := akte.RecordID(strings.TrimPrefix(recA, "/api/v1/records/"))
	now := time.Now().UTC()
	past, later := now.Add(-time.Hour), now.Add(24*time.Hour)
	type grant struct {
		name   string
		role   service.Role
		scope  akte.GrantScope
		write  bool
		until  *time.Time
		after  func(grantee akte.AccountID, g akte.GrantID)
		status int
	}
	cats, items := []akte.CategoryID{"findings"}, []akte.ItemID{akte.ItemID(itemA)}
	grants := []grant{
		{"provider, whole record, read", service.RoleProviderRecord, akte.ScopeRecord, false, &later, nil, 200},
		{"provider, whole record, add", service.RoleProviderRecordW, akte.ScopeRecord, true, nil, nil, 200},
		{"provider, findings, read", service.RoleProviderCategory, akte.ScopeCategories, false, &later, nil, 200},
		{"provider, findings, add", service.RoleProviderCatW, akte.ScopeCategories, true, &later, nil, 200},
		{"provider, one item, read", service.RoleProviderItem, akte.ScopeItems, false, &later, nil, 200},
		{"provider, one item, add", service.RoleProviderItemW, akte.ScopeItems, true, &later, nil, 200},
		{"provider, findings, the item hidden", service.RoleProviderCategory, akte.ScopeCategories, false, &later, func(p akte.AccountID, _ akte.GrantID) {
			if err := s.store.SetHidden(ctx, akte.Hiding{Owner: alice.ID, Grantee: p, Item: akte.ItemID(itemA)}, true); err != nil {
				t.Fatal(err)
			}
		}, 404},
		{"provider, expired grant", service.RoleStranger, akte.ScopeRecord, false, &past, nil, 0},
		{"provider, revoked grant", service.RoleStranger, akte.ScopeRecord, true, nil, func(_ akte.AccountID, g akte.GrantID) {
			if err := s.store.RevokeGrant(ctx, alice.ID, g, now); err != nil {
				t.Fatal(err)
			}
		}, 0},
		{"provider, blocked", service.RoleStranger, akte.ScopeRecord, true, nil, func(p akte.AccountID, _ akte.GrantID) {
			if _, err := s.store.Block(ctx, alice.ID, p, now); err != nil {
				t.Fatal(err)
			}
		}, 0},
	}
	var out []subject
	for i, g := range grants {
		email := fmt.Sprintf("provider%d@example.org", i)
		token := s.session(t, email, kvnrs[i])
		p, err := s.store.AccountByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		gr := &akte.Grant{ID: akte.GrantID(fmt.Sprintf("grant%02d", i)), Owner: alice.ID, Record: rid, Grantee: p.ID, Scope: g.scope,
			Write: g.write, CreatedAt: now.Add(-2 * time.Hour), CreatedBy: alice.ID, Until: g.until}
		switch g.scope {
		case akte.ScopeCategories:
			gr.Categories = cats
		case akte.ScopeItems:
			gr.Items = items
		}
		if err := s.store.CreateGrant(ctx, gr); err != nil {
			t.Fatal(err)
		}
		if g.after != nil {
			g.after(p.ID, gr.ID)
		}
		out = append(out, subject{g.name, token, g.role, recA, itemA})
		if g.status != 0 {
			itemStatus[g.name] = g.status
		}
	}
	return out
}

// kvnrs are valid KVNRs for the providers of the matrix.
var kvnrs = []string{"P000010005", "P000010017", "P000010029", "P000010031", "P000010043", "P000010056", "P000010068", "P000010070", "P000010082", "P000010094"}

// TestPermissionMatrix sends every record route as every subject and
// expects the answer of the policy table (docs/permissions.md): an
// allowed request is not refused, a refused one gets the role's refusal,
// a stranger's byte for byte the answer to a record that does not exist.
// A record route without a row in the table fails.
func TestPermissionMatrix(t *testing.T) {
	cfg := service.DefaultConfig()
	cfg.RegisterPerAddr = 100 // an account for each subject
	s := newStack(t, cfg)
	alice := s.session(t, "alice@example.org", "A123456780")
	bob := s.session(t, "bob@example.org", "X110411675")
	recA := fillRecordFrom(t, s, "alice@example.org", "alice", 1)
	recB := fillRecordFrom(t, s, "bob@example.org", "bob", 1)
	itemA, itemB := "alice00000000000", "bob0000000000000"
	const missing = "/api/v1/records/nosuchrecord0000"
	carol, dave, erin, frank := representatives(t, s, alice, recA)
	// Strangers first: the owners' requests change the records (the
	// last route deletes the item).
	subjects := []subject{
		{"no session", "", "", recA, itemA},
		{"alice in bob's record", alice, service.RoleStranger, recB, itemB},
		{"bob in alice's record", bob, service.RoleStranger, recA, itemA},
		{"alice in no record", alice, service.RoleStranger, missing, itemA},
		{"carol, alice's representative, in bob's record", carol, service.RoleStranger, recB, itemB},
		{"frank, named by alice, not accepted", frank, service.RoleInvited, recA, itemA},
		{"dave, alice's emergency representative, waiting", dave, service.RoleEmergencyWaiting, recA, itemA},
	}
	// The providers before those whose requests change the records.
	subjects = append(subjects, grantSubjects(t, s, recA, itemA)...)
	subjects = append(subjects,
		subject{"erin, alice's emergency representative, after the wait", erin, service.RoleEmergencyOpen, recA, itemA},
		subject{"carol, alice's representative", carol, service.RoleRepresentative, recA, itemA},
		subject{"alice in her record", alice, service.RoleOwner, recA, itemA},
		subject{"bob in his record", bob, service.RoleOwner, recB, itemB})
	routes := recordPatterns(t, s)
	actions := api.RecordRoutes()
	for _, route := range routes {
		action, ok := actions[route]
		if !ok {
			t.Errorf("%s has no row in the policy table (api.recordRoutes)", route)
			continue
		}
		for _, sub := range subjects {
			status, body := send(t, s, route, sub.token, sub.record, sub.item)
			var want string
			switch allow, kind, reason := service.Decide(sub.role, action); {
			case sub.token == "":
				if status != http.StatusUnauthorized {
					t.Errorf("%s, %s: %d %s, want 401", route, sub.name, status, body)
				}
				continue
			case allow:
				if status == http.StatusUnauthorized || status == http.StatusForbidden || strings.Contains(body, `"record_not_found"`) {
					t.Errorf("%s, %s (%s): refused: %d %s", route, sub.name, sub.role, status, body)
				}
				if want := itemStatus[sub.name]; route == "GET /api/v1/records/{rid}/items/{id}" && want != 0 && status != want {
					t.Errorf("%s, %s (%s): %d %s, want %d", route, sub.name, sub.role, status, body, want)
				}
				continue
			default:
				want = fmt.Sprintf("%d %s", api.StatusOf(kind), reason)
			}
			if !strings.HasPrefix(fmt.Sprint(status), want[:3]) || !strings.Contains(body, `"reason":"`+want[4:]+`"`) {
				t.Errorf("%s, %s (%s): %d %s, want %s", route, sub.name, sub.role, status, body, want)
			}
			if sub.role == service.RoleStranger {
				ms, mb := send(t, s, route, sub.token, missing, sub.item)
				if ms != status || mb != body {
					t.Errorf("%s, %s: %d %s differs from the answer for no record: %d %s", route, sub.name, status, body, ms, mb)
				}
			}
		}
	}
	// While alice restricts processing (decision 0044), everyone with
	// some access to her record is refused every route with
	// record_restricted; strangers keep their answer; alice is the
	// owner (her requests were tried above).
	alic, err := s.store.AccountByEmail(t.Context(), "alice@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.SetRestriction(t.Context(), &akte.Restriction{AccountID: alic.ID, Since: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, route := range routes {
		for _, sub := range subjects {
			if sub.token == "" || sub.record != recA || sub.role == service.RoleOwner {
				continue
			}
			status, body := send(t, s, route, sub.token, sub.record, sub.item)
			allow, kind, reason := service.DecideRestricted(sub.role, actions[route])
			if allow {
				t.Errorf("restricted: %s, %s (%s) allowed", route, sub.name, sub.role)
				continue
			}
			want := fmt.Sprintf("%d %s", api.StatusOf(kind), reason)
			if !strings.HasPrefix(fmt.Sprint(status), want[:3]) || !strings.Contains(body, `"reason":"`+want[4:]+`"`) {
				t.Errorf("restricted: %s, %s (%s): %d %s, want %s", route, sub.name, sub.role, status, body, want)
			}
		}
	}
	for pattern := range actions {
		if !slices.Contains(routes, pattern) {
			t.Errorf("api.recordRoutes names %q, which is not served", pattern)
		}
	}
	// The refused deletions deleted nothing; the owners' did.
	for _, c := range []struct{ rec, item, token string }{{recA, itemA, alice}, {recB, itemB, bob}} {
		if st, _ := send(t, s, "GET /x/items/{id}", c.token, c.rec, c.item); st != http.StatusNotFound {
			t.Errorf("%s: %d after its owner's deletion, want 404", c.item, st)
		}
	}
}

// send makes one request of the route into the record (path of it) with
// the item for {id}: JSON routes get an empty object, the chunk route a
// few bytes.
func send(t *testing.T, s *stack, route, token, record, item string) (int, string) {
	t.Helper()
	method, path, _ := strings.Cut(route, " ")
	_, rest, _ := strings.Cut(path, "{rid}")
	if strings.HasPrefix(path, "/x/") {
		rest = strings.TrimPrefix(path, "/x")
	}
	url := s.srv.URL + record + strings.NewReplacer("{id}", item, "{n}", "0").Replace(rest)
	var body io.Reader
	ctype := ""
	switch {
	case strings.HasSuffix(path, "/chunks/{n}"):
		body, ctype = strings.NewReader("0123456789"), "application/octet-stream"
	case method == "POST" || method == "PUT":
		body, ctype = strings.NewReader("{}"), "application/json"
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		// A made-up item has no ciphertext: its download breaks off.
		if strings.HasSuffix(path, "/content") {
			return http.StatusOK, ""
		}
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !strings.HasSuffix(path, "/content") {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// testKVNRs returns n valid KVNRs other than the matrix's owners'.
func testKVNRs(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		for d := range 10 {
			k := fmt.Sprintf("R%08d%d", 20000000+i*7919, d)
			if akte.ValidKVNR(k) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// representatives makes the representative subjects of the record (path
// rec) of the owner with the session token owner: carol, a representative;
// dave, an emergency representative who has not requested access; erin,
// one whose waiting period has passed (the store is set back, as if the
// days had gone by); frank, named but not accepted.
func representatives(t *testing.T, s *stack, owner, rec string) (carol, dave, erin, frank string) {
	t.Helper()
	ctx := t.Context()
	rid := strings.TrimPrefix(rec, "/api/v1/records/")
	ks := testKVNRs(4)
	as := func(token string) *client.API {
		c := client.NewAPI(s.srv.URL)
		c.Token, c.RecordID = token, rid
		return c
	}
	tokens := make([]string, 4)
	for i, name := range []string{"carol", "dave", "erin", "frank"} {
		email := name + "@example.org"
		tokens[i] = s.session(t, email, ks[i])
		wait := 0
		if name == "dave" || name == "erin" {
			wait = 3
		}
		if _, err := as(owner).AddRepresentative(ctx, wire.RepresentativeAdd{Email: email, KVNR: ks[i], EmergencyWaitDays: wait}); err != nil {
			t.Fatal(err)
		}
		if name == "frank" {
			continue
		}
		if _, err := as(tokens[i]).AcceptRepresentation(ctx, ks[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := as(tokens[2]).RequestEmergency(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := s.store.AccountByEmail(ctx, "erin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	reps, err := s.store.Representations(ctx, a.ID, a.Email)
	if err != nil || len(reps) != 1 {
		t.Fatal(reps, err)
	}
	for _, r := range reps {
		if r.Email == "erin@example.org" {
			prev := r.RequestedAt
			req, opens := time.Now().Add(-73*time.Hour), time.Now().Add(-time.Hour)
			r.RequestedAt, r.OpensAt = &req, &opens
			if err := s.store.UpdateRepresentative(ctx, r, prev); err != nil {
				t.Fatal(err)
			}
		}
	}
	return tokens[0], tokens[1], tokens[2], tokens[3]
}
