package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestAlarms runs the synthetic attacks of the issue against one record —
// 20 refused reads, 50 wrong logins, 500 downloads in a minute, a login
// from a newly confirmed device — and expects each alarm once: one event
// alarm.raise of its kind in the record's protocol and one mail to the
// patient, however often the detection runs again.
func TestAlarms(t *testing.T) {
	cfg := uploadConfig()
	cfg.FailureFree, cfg.MailsPerRecipient = 1000, 0
	e := newEnv(t, cfg)
	ctx, cl := t.Context(), service.Client{Addr: "192.0.2.1"}
	p, a := e.principal("alarm@example.org", "A123456780")
	const doc = "alarmdocument000"
	e.document(p, doc)
	round := func() {
		t.Helper()
		e.clk.Add(time.Second)
		if err := e.svc.AuditRound(ctx); err != nil {
			t.Fatal(err)
		}
	}
	raised := func() map[string]int {
		t.Helper()
		es, err := e.store.Events(ctx, a.id, 100000)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, ev := range es {
			if ev.Operation == "alarm.raise" {
				n[ev.Cause]++
			}
		}
		return n
	}
	round()
	if got := raised(); len(got) != 0 {
		t.Fatalf("alarms of ordinary use: %v", got)
	}

	for range 20 {
		if _, err := e.svc.Item(ctx, p, p.RecordID, "nosuchitem000000"); !akte.Is(err, akte.KindNotFound) {
			t.Fatalf("read of a missing item: %v", err)
		}
	}
	round()
	for i := range 50 {
		if _, err := e.login(a, "192.0.2.66", "device-0001", a.deviceSecret, e.wrongTOTP(a, i)); err == nil {
			t.Fatal("a wrong code logged in")
		}
	}
	round()
	for range 500 {
		_, r, err := e.svc.ItemContent(ctx, p, p.RecordID, doc, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	round()
	if _, err := e.login(a, "192.0.2.1", "device-0002", "", e.nextTOTP(a)); !akte.Is(err, akte.KindDeviceUnconfirmed) {
		t.Fatalf("login from a new device: %v", err)
	}
	if err := e.svc.ConfirmDevice(ctx, cl, e.deviceLink(a.email)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(a, "192.0.2.1", "device-0002", "", e.nextTOTP(a)); err != nil {
		t.Fatal(err)
	}
	round()
	round()
	want := map[string]int{"denied_attempts": 1, "failed_logins": 1, "download_burst": 1, "new_device": 1}
	got := raised()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("alarm %s raised %d times, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("alarms %v, want %v", got, want)
	}
	if n := e.mails(a.email, "Auffälligkeit"); n != len(want) {
		t.Errorf("%d alarm mails, want %d", n, len(want))
	}
	// The operator's view: one warning with the stable attribute alarm
	// and one count of akte_alarms_total{kind} per alarm.
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.svc.Metrics()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counted := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "akte_alarms_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					counted[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	logs := e.logs.String()
	for k := range want {
		if counted[k] != 1 {
			t.Errorf("akte_alarms_total{kind=%q} = %v, want 1", k, counted[k])
		}
		if n := strings.Count(logs, `"alarm":"`+k+`"`); n != 1 {
			t.Errorf("%d warnings with alarm=%s, want 1", n, k)
		}
	}
}
