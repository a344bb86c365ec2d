package service_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// validKVNRs returns n valid KVNRs other than the helpers' usual ones.
func validKVNRs(n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		for d := range 10 {
			k := fmt.Sprintf("M%08d%d", 30000000+i*7919, d)
			if akte.ValidKVNR(k) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// representativePair registers a patient and a second person whose own
// record has another id (the helpers give every record the same one).
func representativePair(e *env, kvnr string) (patient, rep *service.Principal) {
	e.t.Helper()
	patient, _ = e.principal("patientin@example.org", "X110411675")
	rep, _ = e.principal("vertretung@example.org", kvnr)
	rep.RecordID = "vertretungrecord"
	return patient, rep
}

// TestEmergencyRepresentative: access opens exactly when the waiting
// period has passed (injected clock); the patient is told at the request,
// once a day before, and once when it opens (REP-07); a refusal closes
// access again, and a new request starts a new period.
func TestEmergencyRepresentative(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	k := validKVNRs(2)
	p, q := representativePair(e, k[0])
	rid := p.RecordID
	r, err := e.svc.AddRepresentative(ctx, p, rid, q.Account.Email, k[0], 3)
	if err != nil {
		t.Fatal(err)
	}
	if e.mails(q.Account.Email, "als Vertretung benannt") != 1 {
		t.Error("the named person was not told")
	}
	_, err = e.svc.AcceptRepresentation(ctx, q, rid, k[1])
	wantKind(t, "accept with another KVNR", err, akte.KindForbidden, "representative_kvnr_mismatch")
	if _, err := e.svc.AcceptRepresentation(ctx, q, rid, k[0]); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Record(ctx, q, rid)
	wantKind(t, "before the request", err, akte.KindForbidden, "action_not_permitted")
	_, err = e.svc.RequestEmergency(ctx, p, rid)
	wantKind(t, "the patient requests", err, akte.KindForbidden, "action_not_permitted")

	start := e.clk.Now()
	got, err := e.svc.RequestEmergency(ctx, q, rid)
	if err != nil || !got.OpensAt.Equal(start.Add(72*time.Hour)) {
		t.Fatalf("request: %+v %v", got, err)
	}
	if e.mails(p.Account.Email, "Notfallzugriff auf Ihre Akte beantragt") != 1 {
		t.Error("the patient was not told of the request")
	}
	// A second request changes nothing.
	e.clk.Add(time.Hour)
	if again, _ := e.svc.RequestEmergency(ctx, q, rid); !again.OpensAt.Equal(*got.OpensAt) {
		t.Errorf("a second request moved the opening to %v", again.OpensAt)
	}
	reminders := func() int { return e.mails(p.Account.Email, "öffnet sich bald") }
	jobs := func() {
		t.Helper()
		if err := e.svc.RunJobs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Add(46*time.Hour - time.Minute) // 47 h after the request: more than a day left
	jobs()
	if reminders() != 0 {
		t.Error("reminded more than a day early")
	}
	e.clk.Add(time.Hour + 2*time.Minute) // within the last day
	jobs()
	jobs()
	if reminders() != 1 {
		t.Errorf("%d reminders, want 1", reminders())
	}
	e.clk.Set(start.Add(72*time.Hour - time.Second))
	_, err = e.svc.Record(ctx, q, rid)
	wantKind(t, "a second before", err, akte.KindForbidden, "action_not_permitted")
	e.clk.Set(start.Add(72 * time.Hour))
	if _, err := e.svc.Record(ctx, q, rid); err != nil {
		t.Fatalf("at the end of the period: %v", err)
	}
	jobs()
	jobs()
	if n, m := e.mails(p.Account.Email, "Notfallzugriff geöffnet"), e.mails(q.Account.Email, "Notfallzugriff geöffnet"); n != 1 || m != 1 {
		t.Errorf("opening told %d times to the patient, %d to the representative", n, m)
	}
	// Representatives list: the patient may, the emergency representative
	// (open) too; neither gets a key slot that way.
	vs, err := e.svc.Representatives(ctx, q, rid)
	if err != nil || len(vs) != 1 || vs[0].Role != service.RoleEmergencyOpen || vs[0].AccountKey != nil {
		t.Fatalf("representatives as the representative: %+v %v", vs, err)
	}
	// The patient closes access again; a new request starts a new period.
	if err := e.svc.RefuseEmergency(ctx, p, rid, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Record(ctx, q, rid)
	wantKind(t, "after the refusal", err, akte.KindForbidden, "action_not_permitted")
	err = e.svc.RefuseEmergency(ctx, p, rid, r.ID)
	wantKind(t, "refuse without a request", err, akte.KindConflict, "emergency_no_request")
	if _, err := e.svc.RequestEmergency(ctx, q, rid); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(24 * time.Hour)
	if err := e.svc.RefuseEmergency(ctx, p, rid, r.ID); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(72 * time.Hour)
	jobs()
	_, err = e.svc.Record(ctx, q, rid)
	wantKind(t, "refused within the period, after it", err, akte.KindForbidden, "action_not_permitted")
	if n := e.mails(q.Account.Email, "abgelehnt"); n != 2 {
		t.Errorf("%d refusal mails, want 2", n)
	}
}

// TestRepresentativeRules: at most five representatives under 100
// parallel requests; a representative may not name or remove any; the
// patient cannot name itself; a removed representative is a stranger.
func TestRepresentativeRules(t *testing.T) {
	e := newEnv(t, testConfig())
	ctx := t.Context()
	k := validKVNRs(101)
	p, q := representativePair(e, k[100])
	rid := p.RecordID
	_, err := e.svc.AddRepresentative(ctx, p, rid, p.Account.Email, k[0], 0)
	wantKind(t, "oneself", err, akte.KindInvalid, "representative_self")
	_, err = e.svc.AddRepresentative(ctx, p, rid, "x@example.org", k[0], service.MaxEmergencyWait+1)
	wantKind(t, "a year and a day", err, akte.KindInvalid, "emergency_wait_invalid")

	r, err := e.svc.AddRepresentative(ctx, p, rid, q.Account.Email, k[100], 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.svc.AddRepresentative(ctx, p, rid, fmt.Sprintf("r%d@example.org", i), k[i], 0)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if r, _ := akte.ReasonOf(err); r != "representatives_limit" {
			t.Errorf("parallel: %v", err)
		}
	}
	if ok != 4 {
		t.Errorf("%d of 100 parallel namings succeeded beside the first, want 4", ok)
	}
	if _, err := e.svc.AcceptRepresentation(ctx, q, rid, k[100]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Record(ctx, q, rid); err != nil {
		t.Fatalf("the representative opens the record: %v", err)
	}
	_, err = e.svc.AddRepresentative(ctx, q, rid, "y@example.org", k[99], 0)
	wantKind(t, "the representative names", err, akte.KindForbidden, "action_not_permitted")
	err = e.svc.RemoveRepresentative(ctx, q, rid, r.ID)
	wantKind(t, "the representative removes", err, akte.KindForbidden, "action_not_permitted")
	err = e.svc.SetRepresentativeKey(ctx, q, rid, r.ID, q.Account.Keys.PublicKey, []byte("slot"))
	wantKind(t, "the representative hands over keys", err, akte.KindForbidden, "action_not_permitted")
	if err := e.svc.RemoveRepresentative(ctx, p, rid, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Record(ctx, q, rid)
	wantKind(t, "removed", err, akte.KindNotFound, "record_not_found")
}
