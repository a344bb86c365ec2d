package service_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// TestChangeItemMeta: a complete item gets a new description, and moves
// to another category with a new key slot, its content untouched; a
// change from a version read before another change is refused with the
// current version, and of 100 parallel changes from one version exactly
// one wins; what is checked at upload is checked here too; another
// record's item and an unfinished upload are not found; the change is
// audited.
func TestChangeItemMeta(t *testing.T) {
	e := newEnv(t, uploadConfig())
	p, _ := e.principal("describe@example.org", "X110411675")
	other, _ := e.principal("other@example.org", "A123456780")
	ctx := t.Context()
	const id = "dddddddddddddddd"
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload(id, 150)); err != nil {
		t.Fatal(err)
	}
	change := service.MetaChange{Expect: 1, MetaSealed: []byte("meta-2")}
	_, err := e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, change)
	wantKind(t, "an unfinished upload", err, akte.KindNotFound, "item_not_found")
	content := bytes.Repeat([]byte{7}, 150)
	for n := range 2 {
		if err := e.put(p, id, n, content[n*100:min(150, n*100+100)]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.CompleteUpload(ctx, p, p.RecordID, id); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ChangeItemMeta(ctx, other, other.RecordID, id, change)
	wantKind(t, "another record's item", err, akte.KindNotFound, "item_not_found")
	for name, bad := range map[string]service.MetaChange{
		"no metadata":             {Expect: 1},
		"metadata too large":      {Expect: 1, MetaSealed: make([]byte, 64<<10+1)},
		"a category without slot": {Expect: 1, MetaSealed: []byte("m"), Category: "private", KeyVersion: 1},
		"an unknown category":     {Expect: 1, MetaSealed: []byte("m"), Category: "nope", KeyVersion: 1, KeySlot: []byte("s")},
		"an unknown key version":  {Expect: 1, MetaSealed: []byte("m"), Category: "private", KeyVersion: 9, KeySlot: []byte("s")},
	} {
		if _, err := e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, bad); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	it, err := e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, change)
	if err != nil || it.MetaVersion != 2 || string(it.MetaSealed) != "meta-2" || it.Category != category {
		t.Fatalf("changed: %+v %v", it, err)
	}
	_, err = e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, change)
	wantKind(t, "a change from the version before", err, akte.KindConflict, "item_meta_changed")
	if _, params := akte.ReasonOf(err); params["version"] != int64(2) {
		t.Errorf("conflict params %v, want version 2", params)
	}
	moved, err := e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, service.MetaChange{Expect: 2, MetaSealed: []byte("meta-3"), Category: "private", KeyVersion: 1, KeySlot: []byte("slot-private")})
	if err != nil || moved.Category != "private" || string(moved.KeySlot) != "slot-private" || moved.MetaVersion != 3 {
		t.Fatalf("moved: %+v %v", moved, err)
	}
	if its, err := e.svc.Items(ctx, p, p.RecordID, "private"); err != nil || len(its) != 1 || its[0].ID != id {
		t.Errorf("private items: %v %v", its, err)
	}
	_, rc, err := e.svc.ItemContent(ctx, p, p.RecordID, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(rc)
	rc.Close()
	if !bytes.Equal(got.Bytes(), content) {
		t.Error("content changed with the description")
	}

	var (
		mu  sync.Mutex
		won int
		wg  sync.WaitGroup
	)
	for i := range 100 {
		wg.Go(func() {
			_, err := e.svc.ChangeItemMeta(ctx, p, p.RecordID, id, service.MetaChange{Expect: 3, MetaSealed: fmt.Appendf(nil, "meta-%d", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !akte.Is(err, akte.KindConflict):
				t.Errorf("parallel change: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d of 100 parallel changes from one version won, want 1", won)
	}
	evs, err := e.store.Events(ctx, p.Account.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range evs {
		if ev.Operation == "item.change_metadata" && ev.Object == "item:"+id {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d item.change_metadata events, want 3", n)
	}
}
