package sqlite

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/akte/akte"
)

// benchStore is a store with a record of 500 complete items (300 B of
// sealed metadata and a 100 B key slot each, as the load harness makes
// them) and the cursor of its second page of 100.
func benchStore(b *testing.B) (*Store, akte.ItemCursor) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "akte.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	a := &akte.Account{ID: "acc-0123456789abcdef", Email: "a@example.org", KVNR: "A123456789"}
	if err := s.CreateAccount(b.Context(), a, nil); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var cur akte.ItemCursor
	err = s.tx(b.Context(), func(c *conn) error {
		for i := range 500 {
			at := t0.Add(time.Duration(i/2) * time.Second)
			it := &akte.Item{ID: akte.ItemID(fmt.Sprintf("item%012d", i)), AccountID: a.ID, Category: "findings", KeyVersion: 1,
				Kind: akte.KindDocument, Size: 4096, ChunkSize: 8 << 20, CreatedAt: at, UpdatedAt: at, CreatedBy: string(a.ID),
				MetaSealed: make([]byte, 300), KeySlot: make([]byte, 100)}
			if _, err := c.exec(`INSERT INTO items (`+itemColumns+`) VALUES (`+placeholders(15)+`)`,
				it.ID, it.Category, it.KeyVersion, it.Kind, it.Replaces, it.Size, it.ChunkSize,
				micros(it.CreatedAt), micros(it.UpdatedAt), it.CreatedBy, it.MetaSealed, it.KeySlot, 1, it.AccountID, akte.StateComplete); err != nil {
				return err
			}
			if i == 99 {
				cur = it.CursorOf()
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, cur
}

// BenchmarkItemsPage reads pages of 101 items (a page of 100 and one more,
// as the service asks), one at a time and 32 at once.
func BenchmarkItemsPage(b *testing.B) {
	s, cur := benchStore(b)
	page := func() {
		n := 0
		for _, err := range s.ItemsPage(b.Context(), "acc-0123456789abcdef", "", cur, 101) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 101 {
			b.Fatalf("%d items", n)
		}
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		for b.Loop() {
			page()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuTime()
		defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				page()
			}
		})
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
