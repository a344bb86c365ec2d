package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/akte/akte"
	"golang.org/x/mod/sumdb/tlog"
)

var t0 = time.Date(2026, 2, 3, 8, 0, 0, 0, time.UTC)

// overWire sends the page through its wire format, as the API does.
func overWire(t *testing.T, p *Page) *Page {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParsePage(b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// editRow changes the event of entry k as someone editing the event row in
// the database would: the server encodes the leaf from the edited row and
// still sends the leaf hash it stored.
func editRow(t *testing.T, p *Page, k int, change func(e *Event)) {
	t.Helper()
	en := &p.Entries[k]
	log, e, err := ParseLeaf(en.Leaf)
	if err != nil {
		t.Fatal(err)
	}
	e.Index, e.Addr, e.AddrSalt = en.Index, en.Addr, en.AddrSalt
	change(&e)
	if e.Addr != en.Addr {
		en.Addr = e.Addr
		e.Addr = ""
	}
	if en.Leaf, err = Leaf(log, &e); err != nil {
		t.Fatal(err)
	}
}

func fillLog(t testing.TB, l *memLog, from, n int) {
	t.Helper()
	var es []Event
	for i := from; i < from+n; i++ {
		e := testEvent(t0.Add(time.Duration(i)*time.Minute), i)
		if i%3 == 0 {
			if err := e.SetAddr(strings.NewReader(strings.Repeat("s", AddrSaltSize)), "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
		}
		es = append(es, e)
	}
	l.append(t, es...)
}

// reasonOf returns the Reason of a verification error.
func reasonOf(err error) string {
	if e, ok := err.(*akte.Error); ok {
		return e.Reason
	}
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// TestVerify runs the attacks a server (or someone with its database) can
// make on a log, and checks that the client names each precisely.
func TestVerify(t *testing.T) {
	const log = "record/r1"
	l := newMemLog(t, log)
	fillLog(t, l, 0, 120)
	first, err := Verify(overWire(t, l.page(t, t0.Add(3*time.Hour), 0)), Options{Log: log, Complete: true, KeepNewest: 50})
	if err != nil {
		t.Fatalf("first read: %v", err)
	}
	if first.Key != l.key.Public() || first.Checkpoint.Size != 120 {
		t.Fatalf("first read pinned %q at size %d", first.Key, first.Checkpoint.Size)
	}
	for i, e := range first.Events {
		want := *l.events[i]
		if !e.Time.Equal(want.Time) || e.Operation != want.Operation || e.Object != want.Object || e.Addr != want.Addr ||
			e.ActorName != want.ActorName || e.Index != int64(i) || e.Code != want.Code || e.Result != want.Result {
			t.Fatalf("verified event %d = %+v, logged %+v", i, e, want)
		}
	}
	last := first.Checkpoint
	fillLog(t, l, 120, 80)
	now := t0.Add(4 * time.Hour)
	opts := Options{Key: first.Key, Log: log, Last: first.Signed, Complete: true, KeepNewest: 50}

	other, err := GenerateKey("akte.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	// fork is the log as someone rewrote it: event 10 changed and every
	// hash recomputed, then signed with the real key.
	fork := newMemLog(t, log)
	for i, e := range l.events {
		e := *e
		if i == 10 {
			e.ActorID = "acc_attacker"
		}
		fork.append(t, e)
	}
	// short is the log rolled back to an older copy of the database.
	short := newMemLog(t, log)
	for _, e := range l.events[:100] {
		short.append(t, *e)
	}

	cases := []struct {
		name   string
		page   func() *Page
		opts   func(o Options) Options
		reason string
		index  any
	}{
		{name: "extends the last checkpoint", reason: "ok"},
		{name: "key changed", page: func() *Page {
			p := l.page(t, now, 120)
			p.Key = other.Public()
			p.Checkpoint = string(mustSign(t, other, l, now))
			return p
		}, reason: ReasonKeyChanged},
		{name: "signed by another key under the pinned one's name", page: func() *Page {
			p := l.page(t, now, 120)
			p.Checkpoint = string(mustSign(t, other, l, now))
			return p
		}, reason: ReasonCheckpointSignature},
		{name: "checkpoint size edited", page: func() *Page {
			p := l.page(t, now, 120)
			p.Checkpoint = strings.Replace(p.Checkpoint, "\n200\n", "\n199\n", 1)
			return p
		}, reason: ReasonCheckpointSignature},
		{name: "checkpoint garbage", page: func() *Page {
			p := l.page(t, now, 120)
			p.Checkpoint = "hello"
			return p
		}, reason: ReasonCheckpointMalformed},
		{name: "another record's log", opts: func(o Options) Options { o.Log = "record/r2"; return o },
			reason: ReasonCheckpointOrigin},
		{name: "kept checkpoint tampered with", opts: func(o Options) Options {
			o.Last = strings.Replace(o.Last, "\n120\n", "\n12\n", 1)
			return o
		}, reason: ReasonStateInvalid},
		{name: "kept checkpoint of another log", opts: func(o Options) Options {
			other := newMemLog(t, "record/r2")
			o.Last = other.sign(t, t0)
			return o
		}, reason: ReasonStateInvalid},
		{name: "database rolled back", page: func() *Page { return short.page(t, now, 0) }, reason: ReasonCheckpointRollback},
		{name: "checkpoint older than the last", page: func() *Page { return l.page(t, last.Time.Add(-time.Minute), 120) },
			reason: ReasonCheckpointRollback},
		{name: "history rewritten and re-signed", page: func() *Page { return fork.page(t, now, 120) }, reason: ReasonConsistencyFailed},
		{name: "same size, other root", page: func() *Page {
			f := newMemLog(t, log)
			for i, e := range l.events[:120] {
				e := *e
				if i == 3 {
					e.Object = "item:other"
				}
				f.append(t, e)
			}
			return f.page(t, now, 120)
		}, reason: ReasonConsistencyFailed},
		{name: "proof from another size", page: func() *Page { return l.page(t, now, 119) }, reason: ReasonConsistencyFailed},
		{name: "consistency proof edited", page: func() *Page {
			p := l.page(t, now, 120)
			p.Consistency[0][0] ^= 1
			return p
		}, reason: ReasonConsistencyFailed},
		{name: "event row edited", page: func() *Page {
			p := l.page(t, now, 120)
			editRow(t, p, 17, func(e *Event) { e.ActorID = "acc_someone_else" })
			return p
		}, reason: ReasonEventAltered, index: int64(17)},
		{name: "event result edited", page: func() *Page {
			p := l.page(t, now, 120)
			editRow(t, p, 150, func(e *Event) { e.Result = ResultDenied })
			return p
		}, reason: ReasonEventAltered, index: int64(150)},
		{name: "address edited", page: func() *Page {
			p := l.page(t, now, 120)
			p.Entries[30].Addr = "198.51.100.1"
			return p
		}, reason: ReasonEventAltered, index: int64(30)},
		{name: "address added where none was", page: func() *Page {
			p := l.page(t, now, 120)
			p.Entries[31].Addr, p.Entries[31].AddrSalt = "198.51.100.1", make([]byte, AddrSaltSize)
			return p
		}, reason: ReasonEventAltered, index: int64(31)},
		{name: "event of another log", page: func() *Page {
			p := l.page(t, now, 120)
			o := newMemLog(t, "record/r2")
			o.append(t, *l.events[5])
			p.Entries[5].Leaf = o.entry(t, o.events[0]).Leaf
			p.Entries[5].LeafHash = tlog.RecordHash(p.Entries[5].Leaf)
			return p
		}, reason: ReasonEventAltered, index: int64(5)},
		{name: "event row edited with its leaf hash", page: func() *Page {
			p := l.page(t, now, 120)
			editRow(t, p, 42, func(e *Event) { e.Object = "item:other" })
			p.Entries[42].LeafHash = tlog.RecordHash(p.Entries[42].Leaf)
			return p
		}, reason: ReasonInclusionFailed},
		{name: "address forgotten by retention", page: func() *Page {
			p := l.page(t, now, 120)
			for k := range p.Entries {
				p.Entries[k].Addr, p.Entries[k].AddrSalt = "", nil
			}
			return p
		}, reason: "ok"},
		{name: "event row deleted", page: func() *Page {
			p := l.page(t, now, 120)
			p.Entries = append(p.Entries[:60:60], p.Entries[61:]...)
			return p
		}, reason: ReasonEventMissing, index: int64(60)},
		{name: "newest event deleted", page: func() *Page {
			p := l.page(t, now, 120)
			p.Entries = p.Entries[:len(p.Entries)-1]
			p.Range, _ = ProveRange(l.size(), 0, l.size()-1, l)
			return p
		}, reason: ReasonEventMissing, index: int64(199)},
		{name: "incremental read from the last checkpoint", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 120, p.Entries[120:]
			p.Range, _ = ProveRange(l.size(), 120, l.size(), l)
			return p
		}, reason: "ok"},
		{name: "incremental read without the newest", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 120, p.Entries[120:199]
			p.Range, _ = ProveRange(l.size(), 120, 199, l)
			return p
		}, reason: ReasonEventMissing, index: int64(199)},
		{name: "first read claiming an incremental start", page: func() *Page {
			p := l.page(t, now, 0)
			p.Since, p.Start, p.Entries = 190, 190, p.Entries[190:]
			p.Range, _ = ProveRange(l.size(), 190, l.size(), l)
			return p
		}, opts: func(o Options) Options { o.Last, o.Key = "", ""; return o }, reason: ReasonEventMissing, index: int64(189)},
		{name: "more deleted than retention allows", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 160, p.Entries[160:]
			p.Range, _ = ProveRange(l.size(), 160, l.size(), l)
			return p
		}, reason: ReasonEventMissing, index: int64(159)},
		{name: "event row inserted twice", page: func() *Page {
			p := l.page(t, now, 120)
			p.Entries = append(p.Entries[:81:81], p.Entries[80:]...)
			return p
		}, reason: ReasonEventInserted, index: int64(80)},
		{name: "event beyond the signed tree", page: func() *Page {
			p := l.page(t, now, 120)
			e := p.Entries[len(p.Entries)-1]
			e.Index = 200
			p.Entries = append(p.Entries, e)
			return p
		}, reason: ReasonEventInserted, index: int64(200)},
		{name: "retention deleted the oldest", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 100, p.Entries[100:]
			p.Range, _ = ProveRange(l.size(), 100, l.size(), l)
			return p
		}, reason: "ok"},
		{name: "range proof edited", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 100, p.Entries[100:]
			p.Range, _ = ProveRange(l.size(), 100, l.size(), l)
			p.Range[0][3] ^= 1
			return p
		}, reason: ReasonInclusionFailed},
		{name: "range proof left out", page: func() *Page {
			p := l.page(t, now, 120)
			p.Start, p.Entries = 100, p.Entries[100:]
			return p
		}, reason: ReasonInclusionFailed},
		{name: "stale checkpoint", opts: func(o Options) Options {
			o.Now, o.MaxAge = now.Add(2*time.Hour), time.Hour
			return o
		}, reason: ReasonCheckpointStale},
		{name: "fresh checkpoint", opts: func(o Options) Options {
			o.Now, o.MaxAge = now.Add(30*time.Minute), time.Hour
			return o
		}, reason: "ok"},
		{name: "filtered view", page: func() *Page { return l.selection(t, now, 3, 99, 150, 199) },
			opts: func(o Options) Options { o.Last, o.Complete = "", false; return o }, reason: "ok"},
		{name: "filtered view with a wrong proof", page: func() *Page {
			p := l.selection(t, now, 3, 99, 150)
			p.Entries[1].Proof = p.Entries[0].Proof
			return p
		}, opts: func(o Options) Options { o.Last, o.Complete = "", false; return o }, reason: ReasonInclusionFailed, index: int64(99)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := l.page(t, now, 120)
			if c.page != nil {
				p = c.page()
			}
			o := opts
			if c.opts != nil {
				o = c.opts(o)
			}
			_, err := Verify(overWire(t, p), o)
			if got := reasonOf(err); got != c.reason {
				t.Fatalf("got %s (%v), want %s", got, err, c.reason)
			}
			if err == nil {
				return
			}
			e := err.(*akte.Error)
			if e.Kind != akte.KindCrypto || e.Message == "" {
				t.Errorf("error %+v: want KindCrypto with a message", e)
			}
			if c.index != nil && e.Params["index"] != c.index {
				t.Errorf("params %v, want index %v", e.Params, c.index)
			}
		})
	}
}

func mustSign(t *testing.T, k *Key, l *memLog, now time.Time) []byte {
	t.Helper()
	b, err := k.Sign(Checkpoint{Origin: k.Origin(l.name), Size: l.size(), Hash: l.root(t), Time: now})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyEmptyLog: a record without events verifies, and its first
// event then extends it.
func TestVerifyEmptyLog(t *testing.T) {
	l := newMemLog(t, "record/empty")
	v, err := Verify(overWire(t, l.page(t, t0, 0)), Options{Log: "record/empty", Complete: true, KeepNewest: 50})
	if err != nil {
		t.Fatal(err)
	}
	if v.Checkpoint.Size != 0 || v.Checkpoint.Hash != tlog.Hash(emptyRoot) {
		t.Fatalf("empty log: %+v", v.Checkpoint)
	}
	fillLog(t, l, 0, 1)
	if _, err := Verify(overWire(t, l.page(t, t0.Add(time.Hour), 0)), Options{Key: v.Key, Log: "record/empty", Last: v.Signed, Complete: true}); err != nil {
		t.Fatal(err)
	}
}
