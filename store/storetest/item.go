package storetest

import (
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
)

func newRecord(a akte.AccountID) *akte.Record {
	return &akte.Record{
		AccountID:       a,
		ID:              akte.RecordID("rec-" + string(a)),
		RMKByUMK:        []byte("rmk-by-umk\x00\xff"),
		PublicKey:       []byte("record-public-key\x00\xff"),
		PrivateKeyByRMK: []byte("record-private-key\x00\xff"),
		CategoryKeys: []akte.CategoryKey{
			{Category: "findings", Version: 1, KeyByRMK: []byte("findings-v1\x00")},
			{Category: "findings", Version: 2, KeyByRMK: []byte("findings-v2\x00")},
			{Category: "private", Version: 1, KeyByRMK: []byte("private-v1\x00")},
		},
		Quota:     1 << 40, // beyond 32 bits
		CreatedAt: at(time.Hour),
	}
}

func newItem(a akte.AccountID, id string, size int64, created time.Time) *akte.Item {
	return &akte.Item{
		ID: akte.ItemID(id), AccountID: a, Category: "findings", KeyVersion: 2, Kind: akte.KindDocument,
		Replaces: "older", Size: size, ChunkSize: 4 << 20, CreatedAt: created, UpdatedAt: created,
		CreatedBy: string(a), MetaSealed: []byte("meta-" + id + "\x00\xff"), KeySlot: []byte("slot-" + id + "\x00\xff"),
		MetaVersion: 1,
	}
}

func mustCreateUpload(t *testing.T, s akte.Store, it *akte.Item) *akte.Item {
	t.Helper()
	if err := s.CreateUpload(t.Context(), it, -1); err != nil {
		t.Fatalf("CreateUpload(%s): %v", it.ID, err)
	}
	return it
}

func testRecord(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	_, err := s.Record(ctx, a.ID)
	wantKind(t, "Record before CreateRecord", err, akte.KindNotFound)
	r := newRecord(a.ID)
	if err := s.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Record(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "Record", got, r)
	wantKind(t, "CreateRecord twice", s.CreateRecord(ctx, newRecord(a.ID)), akte.KindConflict)
	wantKind(t, "CreateRecord without account", s.CreateRecord(ctx, newRecord("nobody")), akte.KindNotFound)

	// Record ids are unique: another account's record, a new account
	// with its record and a reset's new keys cannot take one.
	b := mustCreateAccount(t, s, newAccount(2))
	clash := newRecord(b.ID)
	clash.ID = r.ID
	wantReason(t, "CreateRecord with a taken id", s.CreateRecord(ctx, clash), akte.KindConflict, "record_id_taken")
	c := newAccount(3)
	cr := newRecord(c.ID)
	cr.ID = r.ID
	wantReason(t, "CreateAccount with a taken record id", s.CreateAccount(ctx, c, cr), akte.KindConflict, "record_id_taken")
	_, err = s.Account(ctx, c.ID)
	wantKind(t, "account of a refused registration", err, akte.KindNotFound)
	clash.ID = "rec-b"
	if err := s.CreateRecord(ctx, clash); err != nil {
		t.Fatal(err)
	}
	clash.ID = r.ID
	wantReason(t, "ReplaceRecordKeys to a taken id", s.ReplaceRecordKeys(ctx, clash), akte.KindConflict, "record_id_taken")

	if err := s.SetQuota(ctx, a.ID, 5<<30); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "SetQuota without record", s.SetQuota(ctx, "nobody", 1), akte.KindNotFound)

	nr := &akte.Record{AccountID: a.ID, ID: "rec-new", RMKByUMK: []byte("new-rmk"), PublicKey: []byte("new-pub"), PrivateKeyByRMK: []byte("new-priv"),
		CategoryKeys: []akte.CategoryKey{{Category: "letters", Version: 1, KeyByRMK: []byte("letters-v1")}}}
	if err := s.ReplaceRecordKeys(ctx, nr); err != nil {
		t.Fatal(err)
	}
	got, err = s.Record(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *nr
	want.Quota, want.CreatedAt = 5<<30, r.CreatedAt
	wantEqual(t, "Record after ReplaceRecordKeys", got, &want)
	wantKind(t, "ReplaceRecordKeys without record", s.ReplaceRecordKeys(ctx, &akte.Record{AccountID: "nobody"}), akte.KindNotFound)

	// The record goes with the account.
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Record(ctx, a.ID)
	wantKind(t, "Record after DeleteAccount", err, akte.KindNotFound)
}

func testUploadLifecycle(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	it := mustCreateUpload(t, s, newItem(a.ID, "item-1", 10<<20, at(0)))
	got, err := s.Item(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	it.State = akte.StateUploading
	wantEqual(t, "Item after CreateUpload", got, it)
	wantKind(t, "CreateUpload twice", s.CreateUpload(ctx, newItem(a.ID, "item-1", 1, at(0)), -1), akte.KindConflict)
	wantKind(t, "CreateUpload without account", s.CreateUpload(ctx, newItem("nobody", "item-x", 1, at(0)), -1), akte.KindNotFound)

	// Uploading items are not listed.
	its, err := s.Items(ctx, a.ID, "")
	if err != nil || len(its) != 0 {
		t.Fatalf("Items while uploading = %v, %v; want none", its, err)
	}
	ups, err := s.Uploads(ctx, a.ID, at(time.Second))
	if err != nil || len(ups) != 1 || ups[0].ID != it.ID {
		t.Fatalf("Uploads = %v, %v", ups, err)
	}
	ups, err = s.Uploads(ctx, "", at(0))
	if err != nil || len(ups) != 0 {
		t.Fatalf("Uploads before creation = %v, %v; want none", ups, err)
	}

	for _, n := range []int{2, 0, 2} { // a retried chunk is no error
		if err := s.AddChunk(ctx, it.ID, n, at(time.Minute)); err != nil {
			t.Fatalf("AddChunk(%d): %v", n, err)
		}
	}
	ns, err := s.Chunks(ctx, it.ID)
	if err != nil || !slices.Equal(ns, []int{0, 2}) {
		t.Fatalf("Chunks = %v, %v; want [0 2]", ns, err)
	}
	wantKind(t, "AddChunk to missing item", s.AddChunk(ctx, "missing", 0, at(0)), akte.KindNotFound)
	got, _ = s.Item(ctx, it.ID)
	wantEqual(t, "UpdatedAt after AddChunk", got.UpdatedAt, at(time.Minute).UTC())
	// AddChunk moved UpdatedAt, so the upload is no longer idle before a
	// time between creation and the chunk.
	ups, _ = s.Uploads(ctx, "", at(time.Second))
	if len(ups) != 0 {
		t.Errorf("Uploads idle before the last chunk = %v, want none", ups)
	}

	complete, uploading, err := s.Usage(ctx, a.ID)
	if err != nil || complete != 0 || uploading != 10<<20 {
		t.Fatalf("Usage = %d, %d, %v; want 0, %d", complete, uploading, err, 10<<20)
	}

	if err := s.CompleteUpload(ctx, it.ID, at(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "CompleteUpload twice", s.CompleteUpload(ctx, it.ID, at(3*time.Minute)), akte.KindNotFound)
	wantKind(t, "AddChunk after completion", s.AddChunk(ctx, it.ID, 1, at(3*time.Minute)), akte.KindNotFound)
	got, _ = s.Item(ctx, it.ID)
	if got.State != akte.StateComplete || !got.UpdatedAt.Equal(at(2*time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("after CompleteUpload: state %s, updated %v", got.State, got.UpdatedAt)
	}
	its, err = s.Items(ctx, a.ID, "")
	if err != nil || len(its) != 1 || its[0].ID != it.ID {
		t.Fatalf("Items = %v, %v", its, err)
	}
	complete, uploading, _ = s.Usage(ctx, a.ID)
	if complete != 10<<20 || uploading != 0 {
		t.Errorf("Usage = %d, %d; want %d, 0", complete, uploading, 10<<20)
	}

	if err := s.DeleteItem(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteItem twice", s.DeleteItem(ctx, it.ID), akte.KindNotFound)
	_, err = s.Item(ctx, it.ID)
	wantKind(t, "Item after DeleteItem", err, akte.KindNotFound)
	if ns, _ := s.Chunks(ctx, it.ID); len(ns) != 0 {
		t.Errorf("Chunks after DeleteItem = %v", ns)
	}
}

func testItems(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	var want []akte.ItemID
	for i, id := range []string{"c", "a", "b"} {
		it := newItem(a.ID, id, 100, at(time.Duration(i)*time.Second))
		if id == "b" {
			it.Category = "letters"
		}
		mustCreateUpload(t, s, it)
		if err := s.CompleteUpload(ctx, it.ID, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		want = append(want, it.ID)
	}
	mustCreateUpload(t, s, newItem(b.ID, "other", 100, at(0)))
	if err := s.CompleteUpload(ctx, "other", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ids := func(its []*akte.Item, err error) []akte.ItemID {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []akte.ItemID
		for _, it := range its {
			out = append(out, it.ID)
		}
		return out
	}
	if got := ids(s.Items(ctx, a.ID, "")); !slices.Equal(got, want) {
		t.Errorf("Items = %v, want %v (by creation time)", got, want)
	}
	if got := ids(s.Items(ctx, a.ID, "letters")); !slices.Equal(got, []akte.ItemID{"b"}) {
		t.Errorf("Items(letters) = %v, want [b]", got)
	}
	// Items go with the account.
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.Item(ctx, "a")
	wantKind(t, "Item after DeleteAccount", err, akte.KindNotFound)
	if got := ids(s.Items(ctx, b.ID, "")); !slices.Equal(got, []akte.ItemID{"other"}) {
		t.Errorf("Items of the other account = %v", got)
	}
}

func testQuota(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	mustCreateUpload(t, s, newItem(a.ID, "done", 600, at(0)))
	if err := s.CompleteUpload(ctx, "done", at(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUpload(ctx, newItem(a.ID, "open", 300, at(0)), 1000); err != nil {
		t.Fatal(err)
	}
	// Complete and uploading items both count: 600 + 300 + 101 > 1000.
	wantKind(t, "CreateUpload over the limit", s.CreateUpload(ctx, newItem(a.ID, "big", 101, at(0)), 1000), akte.KindQuota)
	if _, err := s.Item(ctx, "big"); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("refused upload was stored: %v", err)
	}
	if err := s.CreateUpload(ctx, newItem(a.ID, "fits", 100, at(0)), 1000); err != nil {
		t.Errorf("CreateUpload exactly to the limit: %v", err)
	}
	// Concurrent uploads cannot together pass the limit.
	b := mustCreateAccount(t, s, newAccount(2))
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateUpload(ctx, newItem(b.ID, fmt.Sprintf("par-%d", i), 100, at(0)), 350)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !akte.Is(err, akte.KindQuota):
			t.Errorf("concurrent CreateUpload: %v", err)
		}
	}
	if ok != 3 {
		t.Errorf("%d concurrent uploads of 100 fit into 350, want 3", ok)
	}
}

// testCreateAccountWithRecord: a registration is stored whole or not at all.
func testCreateAccountWithRecord(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := newAccount(1)
	if err := s.CreateAccount(ctx, a, newRecord(a.ID)); err != nil {
		t.Fatalf("CreateAccount with record: %v", err)
	}
	if _, err := s.Record(ctx, a.ID); err != nil {
		t.Fatalf("Record after CreateAccount: %v", err)
	}
	// Same e-mail: nothing of the second registration remains.
	b := newAccount(2)
	b.Email = a.Email
	wantKind(t, "CreateAccount(taken e-mail)", s.CreateAccount(ctx, b, newRecord(b.ID)), akte.KindConflict)
	_, err := s.Record(ctx, b.ID)
	wantKind(t, "Record of the refused registration", err, akte.KindNotFound)
	_, err = s.Account(ctx, b.ID)
	wantKind(t, "Account of the refused registration", err, akte.KindNotFound)
}

// testItemsPage walks listings page by page: equal creation times are
// ordered by id, the walk sees every item once, uploads and other
// accounts stay out, a deleted cursor item does not lose the place, and a
// category filters.
func testItemsPage(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	b := mustCreateAccount(t, s, newAccount(2))
	var want []akte.ItemID
	for i := range 7 {
		// Pairs share a creation time (to the microsecond, sub-microsecond
		// parts are cut by the store), so ids break the tie.
		created := at(time.Duration(i/2)*time.Second + 300*time.Nanosecond)
		id := fmt.Sprintf("i%d", 9-i)
		it := newItem(a.ID, id, 100, created)
		if i%3 == 0 {
			it.Category = "letters"
		}
		mustCreateUpload(t, s, it)
		if err := s.CompleteUpload(ctx, it.ID, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	mustCreateUpload(t, s, newItem(a.ID, "uploading", 100, at(0)))
	mustCreateUpload(t, s, newItem(b.ID, "other", 100, at(0)))
	if err := s.CompleteUpload(ctx, "other", at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, err := s.Items(ctx, a.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[akte.ItemID]*akte.Item{}
	for _, it := range all {
		want = append(want, it.ID)
		byID[it.ID] = it
	}
	walk := func(category akte.CategoryID, limit int, between func(last akte.ItemID)) []akte.ItemID {
		t.Helper()
		var got []akte.ItemID
		var cur akte.ItemCursor
		for range 20 {
			var page []akte.ItemID
			for it, err := range s.ItemsPage(ctx, a.ID, category, cur, limit) {
				if err != nil {
					t.Fatalf("ItemsPage: %v", err)
				}
				// Compared and copied in the loop: an item is valid
				// until the next iteration.
				if w := byID[it.ID]; !reflect.DeepEqual(it, w) {
					t.Errorf("ItemsPage item = %+v, want %+v (Items)", it, w)
				}
				id := akte.ItemID(strings.Clone(string(it.ID)))
				page = append(page, id)
				cur = akte.ItemCursor{CreatedAt: it.CreatedAt, ID: id}
			}
			if len(page) > limit {
				t.Fatalf("ItemsPage(limit %d) returned %d items", limit, len(page))
			}
			got = append(got, page...)
			if len(page) < limit {
				return got
			}
			if between != nil {
				between(cur.ID)
			}
		}
		t.Fatal("ItemsPage does not end")
		return nil
	}
	for _, limit := range []int{1, 2, 3, 7, 100} {
		if got := walk("", limit, nil); !slices.Equal(got, want) {
			t.Errorf("walk with limit %d = %v, want %v", limit, got, want)
		}
	}
	var letters []akte.ItemID
	for _, it := range all {
		if it.Category == "letters" {
			letters = append(letters, it.ID)
		}
	}
	if got := walk("letters", 2, nil); !slices.Equal(got, letters) {
		t.Errorf("walk(letters) = %v, want %v", got, letters)
	}
	// Deleting each page's last item before the next page is read loses
	// nothing else.
	got := walk("", 2, func(last akte.ItemID) {
		if err := s.DeleteItem(ctx, last); err != nil {
			t.Fatal(err)
		}
	})
	if !slices.Equal(got, want) {
		t.Errorf("walk while deleting = %v, want %v", got, want)
	}
	err = pageErr(s.ItemsPage(ctx, a.ID, "", akte.ItemCursor{}, 0))
	wantKind(t, "ItemsPage(limit 0)", err, akte.KindInvalid)
	// Breaking out of the loop ends the listing and releases what the
	// store held for it: many more times than a store has connections,
	// and the store still answers.
	for range 50 {
		n := 0
		for it, err := range s.ItemsPage(ctx, a.ID, "", akte.ItemCursor{}, 100) {
			if err != nil {
				t.Fatalf("ItemsPage: %v", err)
			}
			if n++; it.ID != want[0] {
				t.Fatalf("first item %s, want %s", it.ID, want[0])
			}
			break
		}
		if n != 1 {
			t.Fatalf("loop ran %d times, want 1", n)
		}
	}
	if _, err := s.Items(ctx, a.ID, ""); err != nil {
		t.Fatalf("Items after the broken loops: %v", err)
	}
}

// pageErr runs an ItemsPage iteration to its end and returns its error.
func pageErr(seq iter.Seq2[*akte.Item, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// testRotateKeys: the key bundle, the recovery hash and the record's slot
// under the user master key change together or not at all, only from the
// password slot the caller read, and of concurrent rotations from one
// state exactly one wins.
func testRotateKeys(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	r := newRecord(a.ID)
	if err := s.CreateRecord(ctx, r); err != nil {
		t.Fatal(err)
	}
	other := mustCreateAccount(t, s, newAccount(2))
	or := newRecord(other.ID)
	if err := s.CreateRecord(ctx, or); err != nil {
		t.Fatal(err)
	}
	bundle := func(n int) akte.KeyBundle {
		b := func(what string) []byte { return fmt.Appendf(nil, "rotated-%s-%d\x00\xff", what, n) }
		return akte.KeyBundle{UMKByPassword: b("umk-pw"), UMKByRecovery: b("umk-rec"), RecoveryByUMK: b("rec-umk"),
			PublicKey: a.Keys.PublicKey, PrivateKeyByUMK: b("priv")}
	}
	unchanged := func(what string) {
		t.Helper()
		wantEqual(t, what+": account", mustAccount(t, s, a.ID), a)
		got, err := s.Record(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, what+": record", got, r)
	}

	wantKind(t, "RotateKeys from another password slot", s.RotateKeys(ctx, a.ID, []byte("stale"), bundle(1), "hash-1", []byte("rmk-1")), akte.KindConflict)
	unchanged("after a refused rotation")
	wantKind(t, "RotateKeys without account", s.RotateKeys(ctx, "nobody", nil, bundle(1), "hash-1", []byte("rmk-1")), akte.KindNotFound)
	third := mustCreateAccount(t, s, newAccount(3))
	wantKind(t, "RotateKeys without record", s.RotateKeys(ctx, third.ID, third.Keys.UMKByPassword, bundle(1), "hash-1", []byte("rmk-1")), akte.KindNotFound)
	wantEqual(t, "account without record after RotateKeys", mustAccount(t, s, third.ID), third)

	if err := s.RotateKeys(ctx, a.ID, a.Keys.UMKByPassword, bundle(1), "hash-1", []byte("rmk-1")); err != nil {
		t.Fatal(err)
	}
	a.Keys, a.RecoveryHash, r.RMKByUMK = bundle(1), "hash-1", []byte("rmk-1")
	a.Rev++ // a rotation is a write of the account: copies read before it are stale
	unchanged("after RotateKeys")
	wantEqual(t, "other account after RotateKeys", mustAccount(t, s, other.ID), other)
	if got, err := s.Record(ctx, other.ID); err != nil {
		t.Fatal(err)
	} else {
		wantEqual(t, "other record after RotateKeys", got, or)
	}

	// Concurrent rotations from the same state: one wins whole.
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.RotateKeys(ctx, a.ID, a.Keys.UMKByPassword, bundle(10+i), fmt.Sprintf("hash-%d", 10+i), fmt.Appendf(nil, "rmk-%d", 10+i))
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("rotations %d and %d both won", won, i)
		case err == nil:
			won = i
		default:
			wantKind(t, "losing concurrent rotation", err, akte.KindConflict)
		}
	}
	if won < 0 {
		t.Fatal("no concurrent rotation won")
	}
	a.Keys, a.RecoveryHash, r.RMKByUMK = bundle(10+won), fmt.Sprintf("hash-%d", 10+won), fmt.Appendf(nil, "rmk-%d", 10+won)
	a.Rev++
	unchanged("after concurrent rotations")

	// A copy read before the rotation (a password change that began
	// before it) cannot write the old keys back.
	stale := *a
	stale.Rev--
	stale.Keys = bundle(1)
	wantKind(t, "UpdateAccount of a copy read before RotateKeys", s.UpdateAccount(ctx, &stale), akte.KindConflict)
	unchanged("after a stale UpdateAccount")
}

// testChangeItemMeta: a new description replaces the old one with its
// category, key version and key slot, moving the version by one, only on
// a complete item and only from the version the caller read; of 100
// concurrent changes from one version exactly one wins.
func testChangeItemMeta(t *testing.T, s akte.Store) {
	ctx := t.Context()
	a := mustCreateAccount(t, s, newAccount(1))
	it := mustCreateUpload(t, s, newItem(a.ID, "item-1", 1000, at(0)))
	other := mustCreateUpload(t, s, newItem(a.ID, "item-2", 1000, at(time.Second)))
	change := &akte.Item{ID: it.ID, Category: "private", KeyVersion: 1, MetaSealed: []byte("meta-new\x00\xff"), KeySlot: []byte("slot-new\x00\xff")}
	wantKind(t, "ChangeItemMeta while uploading", s.ChangeItemMeta(ctx, change, 1), akte.KindNotFound)
	for _, x := range []*akte.Item{it, other} {
		if err := s.CompleteUpload(ctx, x.ID, at(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "ChangeItemMeta of a missing item", s.ChangeItemMeta(ctx, &akte.Item{ID: "missing", MetaSealed: []byte("m"), KeySlot: []byte("k")}, 1), akte.KindNotFound)
	wantKind(t, "ChangeItemMeta from another version", s.ChangeItemMeta(ctx, change, 2), akte.KindConflict)
	if err := s.ChangeItemMeta(ctx, change, 1); err != nil {
		t.Fatal(err)
	}
	got, err := s.Item(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *it
	want.State, want.UpdatedAt = akte.StateComplete, at(time.Minute)
	want.Category, want.KeyVersion, want.MetaSealed, want.KeySlot, want.MetaVersion = "private", 1, change.MetaSealed, change.KeySlot, 2
	wantEqual(t, "Item after ChangeItemMeta", got, &want)
	wantKind(t, "ChangeItemMeta from the old version again", s.ChangeItemMeta(ctx, change, 1), akte.KindConflict)
	// The listings see the change; the other item is untouched.
	its, err := s.Items(ctx, a.ID, "private")
	if err != nil || len(its) != 1 || its[0].ID != it.ID || its[0].MetaVersion != 2 {
		t.Fatalf("Items(private) = %v, %v; want item-1 at version 2", its, err)
	}
	if o, _ := s.Item(ctx, other.ID); o.MetaVersion != 1 || o.Category != "findings" {
		t.Errorf("other item: version %d, category %s; want 1, findings", o.MetaVersion, o.Category)
	}
	errs := race(100, func(i int) error {
		return s.ChangeItemMeta(ctx, &akte.Item{ID: other.ID, Category: "findings", KeyVersion: 2, MetaSealed: fmt.Appendf(nil, "meta-%d", i), KeySlot: []byte("slot")}, 1)
	})
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !akte.Is(err, akte.KindConflict):
			t.Errorf("concurrent ChangeItemMeta: %v, want a conflict", err)
		}
	}
	if o, _ := s.Item(ctx, other.ID); won != 1 || o.MetaVersion != 2 {
		t.Errorf("concurrent ChangeItemMeta: %d won, version %d; want 1 and 2", won, o.MetaVersion)
	}
}
