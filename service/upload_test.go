package service_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
)

// uploadConfig makes documents of a few hundred bytes span chunks and
// fill a quota.
func uploadConfig() service.Config {
	cfg := testConfig()
	cfg.ChunkSize, cfg.Quota = 100, 1000
	return cfg
}

var category = akte.Categories()[0].ID

func upload(id string, size int64) service.UploadRequest {
	return service.UploadRequest{ID: akte.ItemID(id), Category: category, KeyVersion: 1, Size: size, MetaSealed: []byte("meta"), KeySlot: []byte("slot")}
}

func (e *env) put(p *service.Principal, id string, n int, b []byte) error {
	return e.svc.PutChunk(e.t.Context(), p, p.RecordID, akte.ItemID(id), n, bytes.NewReader(b))
}

// TestQuotaReservation: an upload reserves its declared size before any
// byte is stored; what does not fit is refused with what is left and what
// it needs; deleting an upload, and the job removing an abandoned one,
// free the reservation; 100 parallel uploads never reserve more than the
// quota; an operator's quota replaces the default.
func TestQuotaReservation(t *testing.T) {
	e := newEnv(t, uploadConfig())
	p, _ := e.principal("quota@example.org", "X110411675")
	ctx := t.Context()
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload("aaaaaaaaaaaaaaaa", 600)); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload("bbbbbbbbbbbbbbbb", 500))
	wantKind(t, "over the quota", err, akte.KindQuota, "quota_exceeded")
	if _, params := akte.ReasonOf(err); params["left"] != int64(400) || params["size"] != int64(500) {
		t.Errorf("over the quota: params %v, want left 400 and size 500", params)
	}
	if keys, _ := e.blobs.List(ctx, ""); len(keys) != 0 {
		t.Errorf("blobs stored before any chunk: %v", keys)
	}
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload("bbbbbbbbbbbbbbbb", 400)); err != nil {
		t.Fatalf("exactly what is left: %v", err)
	}
	info, err := e.svc.Record(ctx, p, p.RecordID)
	if err != nil || info.Reserved != 1000 || info.Used != 0 {
		t.Fatalf("record: %+v %v, want 1000 reserved", info, err)
	}
	if err := e.svc.DeleteItem(ctx, p, p.RecordID, "aaaaaaaaaaaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload("cccccccccccccccc", 600)); err != nil {
		t.Fatalf("after deleting an upload: %v", err)
	}
	// Abandoned uploads go with the job, a day after their last chunk.
	e.clk.Add(23 * time.Hour)
	if err := e.put(p, "cccccccccccccccc", 0, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(2 * time.Hour)
	if err := e.svc.RunJobs(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Upload(ctx, p, p.RecordID, "bbbbbbbbbbbbbbbb")
	wantKind(t, "an upload idle for a day", err, akte.KindNotFound, "item_not_found")
	if _, err := e.svc.Upload(ctx, p, p.RecordID, "cccccccccccccccc"); err != nil {
		t.Fatalf("an upload with a chunk an hour ago: %v", err)
	}
	_, err = e.svc.CreateUpload(ctx, p, p.RecordID, upload("dddddddddddddddd", 401))
	wantKind(t, "one byte over", err, akte.KindQuota, "quota_exceeded")

	// 100 parallel uploads of 100 bytes into an empty record of 1000.
	q, _ := e.principal("parallel@example.org", "A123456780")
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]int{}
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.CreateUpload(ctx, q, q.RecordID, upload(fmt.Sprintf("par%013d", i), 100))
			r, _ := akte.ReasonOf(err)
			mu.Lock()
			got[r]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got[""] != 10 || got["quota_exceeded"] != 90 {
		t.Errorf("100 parallel uploads: %v, want 10 taken and 90 over the quota", got)
	}

	// The operator's quota for one record.
	if _, _, err := e.svc.AdminSetQuota(ctx, "erika", q.Account.Email, 1100); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateUpload(ctx, q, q.RecordID, upload("eeeeeeeeeeeeeeee", 100)); err != nil {
		t.Fatalf("under the raised quota: %v", err)
	}
	_, _, err = e.svc.AdminSetQuota(ctx, "erika", q.Account.Email, -1)
	wantKind(t, "a negative quota", err, akte.KindInvalid, "quota_negative")
}

// TestResume: an upload is resumed by asking for it again with the same
// values, which answers the chunks the server holds; a chunk is sent
// again to replace it and must have its exact length; completion needs
// every chunk, in the blob store too, and answers again when asked again;
// a download starts at any offset inside the document.
func TestResume(t *testing.T) {
	e := newEnv(t, uploadConfig())
	p, _ := e.principal("resume@example.org", "X110411675")
	ctx := t.Context()
	const id = "ffffffffffffffff"
	content := make([]byte, 250)
	rand.Read(content)
	st, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload(id, 250))
	if err != nil || len(st.Chunks) != 0 || st.Item.Chunks() != 3 {
		t.Fatalf("create: %+v %v", st, err)
	}
	if err := e.put(p, id, 0, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := e.put(p, id, 0, content[:100]); err != nil {
		t.Fatalf("chunk 0 again: %v", err)
	}
	wantKind(t, "a short last chunk", e.put(p, id, 2, content[200:249]), akte.KindInvalid, "chunk_too_short")
	wantKind(t, "a long last chunk", e.put(p, id, 2, append(content[200:250:250], 0)), akte.KindInvalid, "chunk_too_long")
	err = e.put(p, id, 3, content[:10])
	wantKind(t, "a chunk past the end", err, akte.KindInvalid, "chunk_out_of_range")
	if _, params := akte.ReasonOf(err); params["n"] != 3 || params["chunks"] != 3 {
		t.Errorf("chunk past the end: %v", params)
	}

	// The client comes back: the same request answers what is there.
	st, err = e.svc.CreateUpload(ctx, p, p.RecordID, upload(id, 250))
	if err != nil || fmt.Sprint(st.Chunks) != "[0]" {
		t.Fatalf("resume: %+v %v, want chunk 0 held", st, err)
	}
	other := upload(id, 250)
	other.MetaSealed = []byte("other meta")
	_, err = e.svc.CreateUpload(ctx, p, p.RecordID, other)
	wantKind(t, "the id with other values", err, akte.KindConflict, "item_exists")
	_, err = e.svc.CompleteUpload(ctx, p, p.RecordID, id)
	wantKind(t, "completing with chunks missing", err, akte.KindConflict, "chunks_missing")
	if items, _ := e.svc.Items(ctx, p, p.RecordID, ""); len(items) != 0 {
		t.Fatalf("an incomplete upload is listed: %v", items)
	}
	for n := 1; n <= 2; n++ {
		if err := e.put(p, id, n, content[n*100:min(n*100+100, 250)]); err != nil {
			t.Fatal(err)
		}
	}
	it, err := e.svc.CompleteUpload(ctx, p, p.RecordID, id)
	if err != nil || it.State != akte.StateComplete {
		t.Fatalf("complete: %+v %v", it, err)
	}
	if again, err := e.svc.CompleteUpload(ctx, p, p.RecordID, id); err != nil || again.ID != id {
		t.Fatalf("completing again: %+v %v", again, err)
	}
	wantKind(t, "a chunk of a complete document", e.put(p, id, 0, content[:100]), akte.KindConflict, "upload_complete")
	for _, from := range []int64{0, 1, 99, 100, 150, 249} {
		_, rc, err := e.svc.ItemContent(ctx, p, p.RecordID, id, from)
		if err != nil {
			t.Fatalf("content from %d: %v", from, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(b, content[from:]) {
			t.Fatalf("content from %d: %d bytes, %v", from, len(b), err)
		}
	}
	_, _, err = e.svc.ItemContent(ctx, p, p.RecordID, id, 250)
	wantKind(t, "content from the end", err, akte.KindInvalid, "range_not_satisfiable")

	// Completion trusts the blobs, not only the records of them.
	const id2 = "gggggggggggggggg"
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, upload(id2, 200)); err != nil {
		t.Fatal(err)
	}
	for n := range 2 {
		if err := e.put(p, id2, n, content[:100]); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := e.blobs.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, id2) && strings.HasSuffix(k, "1") {
			if err := e.blobs.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = e.svc.CompleteUpload(ctx, p, p.RecordID, id2)
	wantKind(t, "a chunk lost from the blob store", err, akte.KindConflict, "chunk_missing")

	// Another record's item is not there.
	q, _ := e.principal("other@example.org", "A123456780")
	_, err = e.svc.Item(ctx, q, q.RecordID, id)
	wantKind(t, "another record's item", err, akte.KindNotFound, "item_not_found")
	wantKind(t, "another record's upload", e.put(q, id2, 0, content[:100]), akte.KindNotFound, "item_not_found")
}

// TestUploadKind: an upload names its kind (document by default, or
// entry); another kind is refused, the kind is kept with the item, and a
// new version must be of the kind it replaces.
func TestUploadKind(t *testing.T) {
	e := newEnv(t, uploadConfig())
	p, _ := e.principal("kind@example.org", "X110411675")
	ctx := t.Context()
	r := upload("kkkkkkkkkkkkkkkk", 100)
	r.Kind = "note"
	_, err := e.svc.CreateUpload(ctx, p, p.RecordID, r)
	wantKind(t, "unknown kind", err, akte.KindInvalid, "item_kind_invalid")
	mk := func(id string, kind akte.ItemKind, replaces akte.ItemID) (*akte.Item, error) {
		r := upload(id, 100)
		r.Kind, r.Replaces = kind, replaces
		if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, r); err != nil {
			return nil, err
		}
		if err := e.put(p, id, 0, make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		return e.svc.CompleteUpload(ctx, p, p.RecordID, akte.ItemID(id))
	}
	doc, err := mk("dddddddddddddddd", "", "")
	if err != nil || doc.Kind != akte.KindDocument {
		t.Fatalf("default kind: %+v %v", doc, err)
	}
	entry, err := mk("eeeeeeeeeeeeeeee", akte.KindEntry, "")
	if err != nil || entry.Kind != akte.KindEntry {
		t.Fatalf("entry: %+v %v", entry, err)
	}
	// The same request again resumes only with the same kind.
	r = upload("ffffffffffffffff", 100)
	r.Kind = akte.KindEntry
	if _, err := e.svc.CreateUpload(ctx, p, p.RecordID, r); err != nil {
		t.Fatal(err)
	}
	r.Kind = akte.KindDocument
	_, err = e.svc.CreateUpload(ctx, p, p.RecordID, r)
	wantKind(t, "resume as another kind", err, akte.KindConflict, "item_exists")
	e.svc.DeleteItem(ctx, p, p.RecordID, "ffffffffffffffff")
	_, err = mk("gggggggggggggggg", akte.KindEntry, doc.ID)
	wantKind(t, "entry replacing a document", err, akte.KindInvalid, "replaces_invalid")
	if v2, err := mk("hhhhhhhhhhhhhhhh", akte.KindEntry, entry.ID); err != nil || v2.Replaces != entry.ID {
		t.Fatalf("new version of an entry: %+v %v", v2, err)
	}
}
