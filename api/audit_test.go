package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/akte/akte/audit"
	"github.com/akte/akte/service"
)

// TestOperationsRecordedOnce: each request of a session records exactly
// one event, of the operation its route maps to (audit.Routes), with the
// actor, role, device, object and result it should have — refusals too.
func TestOperationsRecordedOnce(t *testing.T) {
	s := newStack(t, service.DefaultConfig())
	ctx := t.Context()
	const email = "protocol@example.org"
	token := s.session(t, email, "A123456780")
	acc, err := s.store.AccountByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	rp := fillRecord(t, s, email, 2)
	id := string(acc.ID)
	newest := func() int64 {
		es, err := s.store.Events(ctx, acc.ID, 1)
		if err != nil || len(es) == 0 {
			t.Fatalf("events: %v", err)
		}
		return es[0].ID
	}
	last := newest()
	cases := []struct {
		route, path, body string
		object, result    string
		reason            string
	}{
		{"GET /api/v1/account", "", "", "account:" + id, "ok", ""},
		{"PATCH /api/v1/account", "", `{"lang":"en"}`, "account:" + id, "ok", "en"},
		{"GET /api/v1/account/keys", "", "", "account:" + id, "ok", ""},
		{"GET /api/v1/account/events", "", "", "record:" + id, "ok", ""},
		{"GET /api/v1/account/audit", "/api/v1/account/audit?since=0", "", "record:" + id, "ok", ""},
		{"GET /api/v1/sessions", "", "", "account:" + id, "ok", ""},
		{"GET /api/v1/devices", "", "", "account:" + id, "ok", ""},
		{"GET /api/v1/records", "", "", "account:" + id, "ok", ""},
		{"GET /api/v1/records/{rid}", rp, "", "record:" + id, "ok", ""},
		{"GET /api/v1/records/{rid}/items", rp + "/items", "", "record:" + id, "ok", ""},
		{"GET /api/v1/records/{rid}/items", rp + "/items?limit=10", "", "record:" + id, "ok", ""},
		{"GET /api/v1/records/{rid}/items/{id}", rp + "/items/item000000000000", "", "item:item000000000000", "ok", ""},
		{"GET /api/v1/records/{rid}/items/{id}/content", rp + "/items/item000000000000/content", "", "item:item000000000000", "ok", ""},
		{"DELETE /api/v1/records/{rid}/items/{id}", rp + "/items/item000000000001", "", "item:item000000000001", "ok", ""},
		// A record that is not the caller's, or none: refused as missing,
		// in the caller's own protocol.
		{"GET /api/v1/records/{rid}/items", "/api/v1/records/nosuchrecord0000/items", "", "record:nosuchrecord0000", "denied", "record_not_found"},
		{"POST /api/v1/session/key", "", `{"time_ms":1}`, "", "denied", "session_key_unbound"},
		{"DELETE /api/v1/sessions/current", "", "", "", "ok", ""},
	}
	routes := audit.Routes()
	for _, c := range cases {
		method, path, _ := strings.Cut(c.route, " ")
		if c.path != "" {
			path = c.path
		}
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req, _ := http.NewRequestWithContext(ctx, method, s.srv.URL+path, body)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Close = true // a fresh connection: no transparent retry of a broken one
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		status := 0
		// The made-up items have no ciphertext: their download breaks off
		// after its event, which is what counts here.
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
		} else if !strings.HasSuffix(c.route, "/content") {
			t.Fatal(err)
		}

		es, err := s.store.EventsAfter(ctx, last, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := routes[c.route].Op
		if len(es) != 1 {
			var ops []string
			for _, e := range es {
				ops = append(ops, e.Operation)
			}
			t.Errorf("%s (HTTP %d): %d events %v, want one %s", c.route, status, len(es), ops, want)
			if len(es) > 0 {
				last = es[len(es)-1].ID
			}
			continue
		}
		e := es[0]
		last = e.ID
		if e.Operation != string(want) || e.Result != c.result || e.Cause != c.reason || e.ActorID != id || e.ActorRole != "patient" ||
			e.DeviceID != "device-0001" || e.ClientAddr != "127.0.0.1" || e.AccountID != acc.ID || e.Log != audit.RecordLog(id) || (c.object != "" && e.Object != c.object) {
			t.Errorf("%s: event %+v, want %s %s (reason %q) on %s", c.route, e, want, c.result, c.reason, c.object)
		}
	}
	if t.Failed() {
		return
	}
	// Sequenced, every one of them has its protocol code.
	if _, err := s.svc.Sequence(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := s.store.Events(ctx, acc.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Index < 0 || e.Code != audit.Operation(e.Operation).Code() || e.Code == "" {
			t.Errorf("event %s: index %d, code %q", e.Operation, e.Index, e.Code)
		}
	}
}
