package audit

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// memLog is a log kept in memory the way a store keeps one: stored hashes
// by index, event rows by index (nil once retention deleted them), the
// latest signed checkpoint. The tests play server and client with it.
type memLog struct {
	name   string
	key    *Key
	hashes []tlog.Hash
	events []*Event
}

func newMemLog(t testing.TB, name string) *memLog {
	t.Helper()
	return &memLog{name: name, key: testKey(t)}
}

var sharedKey *Key

// testKey returns one key for all tests of a run (generating is cheap, but
// a stable key keeps failures comparable).
func testKey(t testing.TB) *Key {
	t.Helper()
	if sharedKey == nil {
		k, err := GenerateKey("akte.test/audit")
		if err != nil {
			t.Fatal(err)
		}
		sharedKey = k
	}
	return sharedKey
}

func (l *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		if i < 0 || i >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", i)
		}
		out[k] = l.hashes[i]
	}
	return out, nil
}

func (l *memLog) size() int64 { return int64(len(l.events)) }

// append adds events as one group commit.
func (l *memLog) append(t testing.TB, es ...Event) {
	t.Helper()
	leaves := make([]tlog.Hash, len(es))
	var prev time.Time
	if n := l.size(); n > 0 {
		prev = l.events[n-1].Time
	}
	Sequence(l.size(), prev, es)
	for k := range es {
		h, err := LeafHash(l.name, &es[k])
		if err != nil {
			t.Fatalf("leaf %d: %v", es[k].Index, err)
		}
		leaves[k] = h
	}
	start, hashes, _, err := Append(l, l.size(), leaves)
	if err != nil {
		t.Fatal(err)
	}
	if start != int64(len(l.hashes)) {
		t.Fatalf("Append starts at %d, have %d hashes", start, len(l.hashes))
	}
	l.hashes = append(l.hashes, hashes...)
	for k := range es {
		l.events = append(l.events, &es[k])
	}
}

func (l *memLog) root(t testing.TB) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(l.size(), l)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (l *memLog) sign(t testing.TB, now time.Time) string {
	t.Helper()
	b, err := l.key.Sign(Checkpoint{Origin: l.key.Origin(l.name), Size: l.size(), Hash: l.root(t), Time: now})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// page returns a full read from the first event still kept, proving
// consistency from size since.
func (l *memLog) page(t testing.TB, now time.Time, since int64) *Page {
	t.Helper()
	p := &Page{Key: l.key.Public(), Log: l.name, Checkpoint: l.sign(t, now), Since: since}
	var err error
	if p.Consistency, err = ProveConsistency(l.size(), since, l); err != nil {
		t.Fatal(err)
	}
	for p.Start < l.size() && l.events[p.Start] == nil {
		p.Start++
	}
	for _, e := range l.events[p.Start:] {
		p.Entries = append(p.Entries, l.entry(t, e))
	}
	if p.Range, err = ProveRange(l.size(), p.Start, l.size(), l); err != nil {
		t.Fatal(err)
	}
	return p
}

// selection returns a filtered read of the events at the indexes, each
// with its inclusion proof.
func (l *memLog) selection(t testing.TB, now time.Time, indexes ...int64) *Page {
	t.Helper()
	p := &Page{Key: l.key.Public(), Log: l.name, Checkpoint: l.sign(t, now)}
	for _, i := range indexes {
		en := l.entry(t, l.events[i])
		var err error
		if en.Proof, err = ProveInclusion(l.size(), i, l); err != nil {
			t.Fatal(err)
		}
		p.Entries = append(p.Entries, en)
	}
	return p
}

// entry returns the entry of an event as a server builds it from the
// event row and the stored leaf hash.
func (l *memLog) entry(t testing.TB, e *Event) Entry {
	t.Helper()
	en, err := NewEntry(l.name, e, l.hashes[tlog.StoredHashIndex(0, e.Index)])
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// testEvent returns a plausible event at time t.
func testEvent(t time.Time, n int) Event {
	ops := []Operation{ItemDownload, ItemReadMetadata, SessionLogin, ItemUpload, GrantCreate}
	return Event{
		Time:      t,
		Operation: ops[n%len(ops)],
		Object:    fmt.Sprintf("item:%026d", n),
		ActorID:   "acc_7hq3m2x9",
		ActorRole: RolePatient,
		ActorName: "Erika Mustermann",
		Device:    "dev_k2p9",
	}
}
