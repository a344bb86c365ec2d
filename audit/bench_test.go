package audit

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// BenchmarkVerify measures what a client spends on one record's protocol
// of 10,000 events (docs/benchmarks.md, "Audit log"; target: well under
// 200 ms): parsing the page and verifying the checkpoint, the consistency
// proof from the last visit (at 9,000 events) and every event. "parse" is
// the baseline, decoding the page alone; "range" verifies the whole
// protocol with one range proof (a full read); "per-event" with one
// inclusion proof per event (a filtered view of all of them, the worst
// case). Besides ns/op it reports cpu-ms/protocol, the CPU time per
// protocol, steadier on a shared machine. Run natively and as WebAssembly:
//
//	go test -run '^$' -bench Verify -benchtime 20x ./audit
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -run '^$' -bench Verify -benchtime 20x ./audit
func BenchmarkVerify(b *testing.B) {
	const n, since = 10000, 9000
	l := newMemLog(b, "record/bench")
	salt := strings.NewReader(strings.Repeat("s", AddrSaltSize*n))
	var es []Event
	for i := range n {
		e := testEvent(t0.Add(time.Duration(i)*time.Minute), i)
		if i%3 == 0 {
			if err := e.SetAddr(salt, "192.0.2.7"); err != nil {
				b.Fatal(err)
			}
		}
		es = append(es, e)
	}
	l.append(b, es[:since]...)
	last, err := Verify(l.page(b, t0, 0), Options{Log: "record/bench"})
	if err != nil {
		b.Fatal(err)
	}
	l.append(b, es[since:]...)
	now := t0.Add(time.Hour)
	full, err := l.page(b, now, since).MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	all := make([]int64, n)
	for i := range all {
		all[i] = int64(i)
	}
	sel := l.selection(b, now, all...)
	sel.Since, sel.Consistency = since, l.page(b, now, since).Consistency
	each, err := sel.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Key: last.Key, Log: "record/bench", Last: last.Signed, Complete: true, KeepNewest: 50}
	run := func(b *testing.B, page []byte, verify bool, o Options) {
		b.ReportAllocs()
		b.SetBytes(int64(len(page)))
		cpu := cpuTime()
		for b.Loop() {
			p, err := ParsePage(page)
			if err != nil {
				b.Fatal(err)
			}
			if !verify {
				continue
			}
			v, err := Verify(p, o)
			if err != nil {
				b.Fatal(err)
			}
			if len(v.Events) != n {
				b.Fatalf("%d events verified", len(v.Events))
			}
		}
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/protocol")
	}
	b.Run("parse", func(b *testing.B) { run(b, full, false, opts) })
	b.Run("hash floor", func(b *testing.B) {
		p, err := ParsePage(full)
		if err != nil {
			b.Fatal(err)
		}
		leaves := make([]tlog.Hash, len(p.Entries))
		cpu := cpuTime()
		for b.Loop() {
			for k := range p.Entries {
				leaves[k] = tlog.RecordHash(p.Entries[k].Leaf)
			}
			subtree(leaves)
		}
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/protocol")
	})
	b.Run("range", func(b *testing.B) { run(b, full, true, opts) })
	o := opts
	o.Complete = false
	b.Run("per-event", func(b *testing.B) { run(b, each, true, o) })
}
