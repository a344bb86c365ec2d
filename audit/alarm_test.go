package audit

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin also where the system has no zone files (wasm)
)

// simulate appends the events to a log one by one, calling Detect after
// each (window: the configured lookback), and returns every alarm raised,
// each key once. It checks that only Alarming events raise alarms: the
// server runs detection only after those.
func simulate(t *testing.T, cfg AlarmConfig, log string, usual float64, hours *Hours, es []Event) []Alarm {
	t.Helper()
	var all []Event
	seen := map[string]bool{}
	var raised []Alarm
	for i := range es {
		e := es[i]
		e.Normalize()
		e.Index = int64(i)
		all = append(all, e)
		since := e.Time.Add(-cfg.Lookback)
		first := 0
		for first < len(all) && all[first].Time.Before(since) {
			first++
		}
		for _, a := range Detect(cfg, Window{Log: log, Since: since, Events: all[first:], UsualDownloads: usual, Hours: hours}) {
			if !seen[a.Key] && !Alarming(&e) {
				// The server skips detection after such an event.
				t.Errorf("alarm %s raised by event %d (%s, %s), which Alarming calls harmless", a.Key, i, e.Operation, e.Result)
			}
			if !seen[a.Key] {
				seen[a.Key] = true
				raised = append(raised, a)
			}
		}
	}
	return raised
}

// quietWeek is a week of ordinary use of a record: a login each morning
// from the usual device, a few documents read.
func quietWeek(start time.Time) []Event {
	var es []Event
	for d := range 7 {
		at := start.Add(time.Duration(d)*24*time.Hour + 8*time.Hour)
		es = append(es, Event{Time: at, Operation: SessionLogin, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_phone"})
		for k := range 5 {
			es = append(es, Event{Time: at.Add(time.Duration(k+1) * time.Minute), Operation: ItemDownload, Object: "item:x",
				ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_phone"})
		}
	}
	return es
}

func TestAlarms(t *testing.T) {
	cfg := DefaultAlarmConfig()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	attack := start.Add(7*24*time.Hour + 10*time.Hour)
	repeat := func(n int, every time.Duration, e Event) []Event {
		var es []Event
		for i := range n {
			e.Time = attack.Add(time.Duration(i) * every)
			es = append(es, e)
		}
		return es
	}
	office := &Hours{Loc: berlin, Weekdays: [7]bool{false, true, true, true, true, true, false}, From: 8 * time.Hour, To: 18 * time.Hour}
	cases := []struct {
		name   string
		log    string
		usual  float64
		hours  *Hours
		events []Event
		want   []AlarmKind
		oper   bool
	}{
		{name: "a quiet week", log: "record/r", events: nil},
		{name: "50 wrong logins", log: "record/r",
			events: repeat(50, 20*time.Second, Event{Operation: SessionLogin, Result: ResultDenied, Reason: "wrong_password", ActorRole: RoleAnonymous, Object: "account:acc_p"}),
			want:   []AlarmKind{AlarmFailedLogins}},
		{name: "9 wrong logins are no burst", log: "record/r",
			events: repeat(9, time.Minute, Event{Operation: SessionLogin, Result: ResultDenied, ActorRole: RoleAnonymous})},
		{name: "wrong logins spread over a day", log: "record/r",
			events: repeat(30, 20*time.Minute, Event{Operation: SessionLogin, Result: ResultDenied, ActorRole: RoleAnonymous})},
		{name: "50 wrong logins to unknown accounts from one address", log: SystemLog,
			events: repeat(50, 5*time.Second, Event{Operation: SessionLogin, Result: ResultDenied, Reason: "unknown_account", ActorRole: RoleAnonymous, Addr: "203.0.113.9", AddrSalt: make([]byte, AddrSaltSize)}),
			want:   []AlarmKind{AlarmFailedLogins}, oper: true},
		{name: "login from a new device", log: "record/r", events: []Event{
			{Time: attack, Operation: SessionLogin, Result: ResultDenied, Reason: "device_unconfirmed", ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new"},
			{Time: attack.Add(2 * time.Minute), Operation: DeviceConfirm, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new", Object: "device:dev_new"},
			{Time: attack.Add(3 * time.Minute), Operation: SessionLogin, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new"},
			{Time: attack.Add(time.Hour), Operation: SessionLogin, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new"},
			{Time: attack.Add(2 * time.Hour), Operation: SessionLogin, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_phone"},
		}, want: []AlarmKind{AlarmNewDevice}},
		{name: "passkey login from a new device", log: "record/r", events: []Event{
			{Time: attack, Operation: DeviceConfirm, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new", Object: "device:dev_new"},
			{Time: attack.Add(time.Minute), Operation: SessionLoginPasskey, ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_new"},
		}, want: []AlarmKind{AlarmNewDevice}},
		{name: "500 downloads in a minute", log: "record/r", usual: 1,
			events: repeat(500, 120*time.Millisecond, Event{Operation: ItemDownload, Object: "item:y", ActorID: "acc_p", ActorRole: RolePatient, Device: "dev_phone"}),
			want:   []AlarmKind{AlarmDownloadBurst}},
		{name: "500 downloads where 600 are usual", log: "record/r", usual: 60,
			events: repeat(500, 120*time.Millisecond, Event{Operation: ItemDownload, Object: "item:y", ActorID: "acc_p", ActorRole: RolePatient})},
		{name: "20 denied reads", log: "record/r",
			events: repeat(20, 10*time.Second, Event{Operation: ItemDownload, Result: ResultDenied, Reason: "no_grant", Object: "item:y", ActorID: "acc_doc", ActorRole: RoleProvider}),
			want:   []AlarmKind{AlarmDeniedAttempts}, oper: true},
		{name: "provider at night, twice, and by day", log: "record/r", hours: office, events: []Event{
			{Time: time.Date(2026, 3, 10, 22, 30, 0, 0, berlin), Operation: ItemDownload, ActorID: "acc_doc", ActorRole: RoleProvider},
			{Time: time.Date(2026, 3, 10, 23, 0, 0, 0, berlin), Operation: ItemDownload, ActorID: "acc_doc", ActorRole: RoleProvider},
			{Time: time.Date(2026, 3, 11, 9, 0, 0, 0, berlin), Operation: ItemDownload, ActorID: "acc_doc", ActorRole: RoleProvider},
			{Time: time.Date(2026, 3, 11, 23, 0, 0, 0, berlin), Operation: ItemDownload, ActorID: "acc_p", ActorRole: RolePatient},
		}, want: []AlarmKind{AlarmOffHours}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es := append(quietWeek(start), c.events...)
			got := simulate(t, cfg, c.log, c.usual, c.hours, es)
			var kinds []AlarmKind
			for _, a := range got {
				kinds = append(kinds, a.Kind)
				if a.Operator != c.oper {
					t.Errorf("%s: operator %v, want %v", a.Kind, a.Operator, c.oper)
				}
				if a.Key == "" || a.Log != c.log || a.Time.IsZero() {
					t.Errorf("incomplete alarm %+v", a)
				}
			}
			if !slices.Equal(kinds, c.want) {
				t.Fatalf("alarms %v (%+v), want %v", kinds, got, c.want)
			}
		})
	}
}

// TestAlarmOncePerIncident: two bursts a day apart are two incidents; a
// window that starts inside a burst reports nothing it cannot be sure of.
func TestAlarmOncePerIncident(t *testing.T) {
	cfg := DefaultAlarmConfig()
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var es []Event
	for _, burst := range []time.Time{base.Add(30 * time.Hour), base.Add(54 * time.Hour)} {
		for i := range 30 {
			es = append(es, Event{Time: burst.Add(time.Duration(i) * time.Minute), Operation: SessionLogin, Result: ResultDenied, ActorRole: RoleAnonymous})
		}
	}
	got := simulate(t, cfg, "record/r", 0, nil, es)
	if len(got) != 2 || got[0].Key == got[1].Key || got[0].Count != cfg.FailedLogins {
		t.Fatalf("two bursts: %+v", got)
	}
	// Since inside the first burst: the history the decision needs is
	// missing, so no alarm.
	w := Window{Log: "record/r", Since: es[5].Time}
	for _, e := range es[5:30] {
		w.Events = append(w.Events, e)
	}
	if a := Detect(cfg, w); len(a) != 0 {
		t.Fatalf("window inside a burst: %+v", a)
	}
}
