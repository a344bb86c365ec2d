package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/akte/akte"
)

// Items are uploaded in chunks: chunk n of an item is the blob
// records/<account>/items/<item>/<n, zero-padded>, holding ciphertext bytes
// [n·ChunkSize, (n+1)·ChunkSize) of the item's seal stream. A chunk is
// acknowledged only after its blob is durable and recorded; the item turns
// complete, in one store transaction, only after every chunk is. So a
// retried chunk replaces itself, a dropped connection resumes at the first
// missing chunk, and no half-written item is ever listed (decision 0001).

// Limits on what a client may declare.
const (
	minItemSize    = 93      // the seal stream of an empty file
	maxItemSize    = 1 << 40 // 1 TiB of ciphertext
	maxMetaSealed  = 64 << 10
	maxKeySlot     = 16 << 10
	maxChunkNumber = 1 << 20
)

var itemIDRe = regexp.MustCompile(`^[a-z0-9]{16,64}$`)

func itemPrefix(a akte.AccountID, id akte.ItemID) string {
	return recordPrefix(a) + "items/" + string(id) + "/"
}

func chunkKey(a akte.AccountID, id akte.ItemID, n int) string {
	return fmt.Sprintf("%s%07d", itemPrefix(a, id), n)
}

// UploadRequest starts (or, repeated with the same values, resumes) the
// upload of a document whose metadata and key slot the client sealed.
type UploadRequest struct {
	ID         akte.ItemID
	Category   akte.CategoryID
	KeyVersion uint32
	Size       int64 // ciphertext bytes
	MetaSealed []byte
	KeySlot    []byte
	Replaces   akte.ItemID
	// Kind is akte.KindDocument (also when empty) or akte.KindEntry.
	Kind akte.ItemKind
}

// UploadStatus is an upload and the chunks the server holds of it.
type UploadStatus struct {
	Item   *akte.Item
	Chunks []int
}

func itemNotFound(op string) error {
	return akte.R(op, akte.KindNotFound, "item_not_found", nil, "")
}

// ownItem loads an item of the record the access is to, if the policy
// lets the access do action on it. Another record's item is reported as
// missing, so that ids reveal nothing.
func (s *Service) ownItem(ctx context.Context, op string, acc *Access, action Action, id akte.ItemID) (*akte.Item, error) {
	if !itemIDRe.MatchString(string(id)) {
		return nil, itemNotFound(op)
	}
	it, err := s.store.Item(ctx, id)
	if akte.Is(err, akte.KindNotFound) || (err == nil && it.AccountID != acc.Owner) {
		return nil, itemNotFound(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if err := acc.may(op, action, it); err != nil {
		return nil, err
	}
	return it, nil
}

// CreateUpload starts an upload after checking the quota: the declared
// size is reserved at once, so the bytes of an upload that would not fit
// are never stored. Repeating the request of an upload in progress returns
// its status, so that a client can resume.
// recordWithKey returns the account's record, refusing an unknown category
// or a key version the record does not hold for it (an upload's, or a
// description's that moves an item).
func (s *Service) recordWithKey(ctx context.Context, op string, account akte.AccountID, category akte.CategoryID, version uint32) (*akte.Record, error) {
	if _, ok := akte.CategoryByID(category); !ok {
		return nil, errCategoryUnknown(op, category)
	}
	rec, err := s.store.Record(ctx, account)
	if err != nil {
		return nil, internal(op, err)
	}
	if !slices.ContainsFunc(rec.CategoryKeys, func(k akte.CategoryKey) bool { return k.Category == category && k.Version == version }) {
		return nil, invalid(op, "category_key_version_unknown", map[string]any{"category": category, "version": version})
	}
	return rec, nil
}

func (s *Service) CreateUpload(ctx context.Context, p *Principal, rid akte.RecordID, r UploadRequest) (*UploadStatus, error) {
	const op = "item.upload"
	acc, err := s.authorize(ctx, p, rid, ActItemUpload)
	if err != nil {
		return nil, err
	}
	switch {
	case !itemIDRe.MatchString(string(r.ID)):
		return nil, errIDInvalid(op, "id")
	case r.Size < minItemSize || r.Size > maxItemSize:
		return nil, invalid(op, "item_size_invalid", map[string]any{"min": minItemSize, "max": int64(maxItemSize)})
	case len(r.MetaSealed) == 0 || len(r.MetaSealed) > maxMetaSealed:
		return nil, invalid(op, "field_missing_or_too_large", map[string]any{"field": "meta_sealed", "max": maxMetaSealed})
	case len(r.KeySlot) == 0 || len(r.KeySlot) > maxKeySlot:
		return nil, invalid(op, "field_missing_or_too_large", map[string]any{"field": "key_slot", "max": maxKeySlot})
	case r.Kind == "":
		r.Kind = akte.KindDocument
	case !slices.Contains(akte.ItemKinds(), r.Kind):
		return nil, invalid(op, "item_kind_invalid", map[string]any{"kinds": akte.ItemKinds()})
	}
	var rec *akte.Record
	if acc.Scope != nil {
		// A provider adds to the write-only inbox: the item key sealed to
		// the record's public key, key version 0 (design §4.1).
		rec, err = s.inboxRecord(ctx, op, acc.Owner, r.Category, r.KeyVersion)
	} else {
		rec, err = s.recordWithKey(ctx, op, acc.Owner, r.Category, r.KeyVersion)
		if err == nil {
			err = s.checkKeyFresh(ctx, op, acc.Owner, rec, r.Category, r.KeyVersion)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := acc.may(op, ActItemUpload, &akte.Item{Category: r.Category}); err != nil {
		return nil, err
	}
	if r.Replaces != "" {
		old, err := s.ownItem(ctx, op, acc, ActItemUpload, r.Replaces)
		if err != nil || old.State != akte.StateComplete || old.Kind != r.Kind {
			return nil, invalid(op, "replaces_invalid", nil)
		}
	}
	now := s.nowUTC()
	it := &akte.Item{
		ID: r.ID, AccountID: acc.Owner, Category: r.Category, KeyVersion: r.KeyVersion, Kind: r.Kind,
		Replaces: r.Replaces, Size: r.Size, ChunkSize: s.cfg.ChunkSize, CreatedAt: now, UpdatedAt: now,
		CreatedBy: string(p.Account.ID), MetaSealed: r.MetaSealed, KeySlot: r.KeySlot, MetaVersion: 1,
	}
	err = s.store.CreateUpload(ctx, it, s.quotaOf(rec))
	switch {
	case akte.Is(err, akte.KindConflict):
		// The same request again resumes the upload; anything else is a
		// clash of random ids, or a client reusing one.
		old, oerr := s.ownItem(ctx, op, acc, ActItemUpload, r.ID)
		if oerr == nil && old.State == akte.StateUploading && old.Size == r.Size && old.Category == r.Category &&
			old.KeyVersion == r.KeyVersion && old.Replaces == r.Replaces && old.Kind == r.Kind && bytes.Equal(old.MetaSealed, r.MetaSealed) && bytes.Equal(old.KeySlot, r.KeySlot) {
			return s.uploadStatus(ctx, op, old)
		}
		return nil, &akte.Error{Op: op, Kind: akte.KindConflict, Reason: "item_exists", Err: err}
	case akte.Is(err, akte.KindQuota):
		used, reserved, uerr := s.store.Usage(ctx, acc.Owner)
		if uerr != nil {
			return nil, internal(op, uerr)
		}
		left := max(s.quotaOf(rec)-used-reserved, 0)
		s.accessEvent(ctx, acc, op, "item:"+string(r.ID), akte.Event{Result: akte.ResultDenied, Cause: "quota_exceeded"})
		return nil, akte.R(op, akte.KindQuota, "quota_exceeded", map[string]any{"left": left, "size": r.Size}, "")
	case err != nil:
		return nil, internal(op, err)
	}
	return &UploadStatus{Item: it, Chunks: []int{}}, nil
}

func (s *Service) uploadStatus(ctx context.Context, op string, it *akte.Item) (*UploadStatus, error) {
	ns, err := s.store.Chunks(ctx, it.ID)
	if err != nil {
		return nil, internal(op, err)
	}
	if ns == nil {
		ns = []int{}
	}
	return &UploadStatus{Item: it, Chunks: ns}, nil
}

// Upload returns an upload and the chunks stored so far. A completed
// upload answers with its item and every chunk.
func (s *Service) Upload(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID) (*UploadStatus, error) {
	const op = "item.upload_status"
	acc, err := s.authorize(ctx, p, rid, ActItemUpload)
	if err != nil {
		return nil, err
	}
	it, err := s.ownItem(ctx, op, acc, ActItemUpload, id)
	if err != nil {
		return nil, err
	}
	return s.uploadStatus(ctx, op, it)
}

// PutChunk stores chunk n of an upload: exactly the bytes the item's size
// and chunk size assign to it, read from body. Sending a chunk again
// replaces it. The chunk is acknowledged (nil) only when it is durable.
func (s *Service) PutChunk(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID, n int, body io.Reader) error {
	const op = "item.chunk"
	acc, err := s.authorize(ctx, p, rid, ActItemUpload)
	if err != nil {
		return err
	}
	it, err := s.ownItem(ctx, op, acc, ActItemUpload, id)
	if err != nil {
		return err
	}
	if it.State != akte.StateUploading {
		return akte.R(op, akte.KindConflict, "upload_complete", nil, "")
	}
	want := it.ChunkLen(n)
	if want < 0 {
		return invalid(op, "chunk_out_of_range", map[string]any{"n": n, "chunks": it.Chunks()})
	}
	key := chunkKey(it.AccountID, it.ID, n)
	// The client's going away must not cancel a Put whose body has fully
	// arrived: an object store may already have kept it, and a resume would
	// then send and store the chunk again. A body cut short still fails the
	// Put through the reader, and nothing is stored.
	putCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
	defer cancel()
	if _, err := s.blobs.Put(putCtx, key, &exactReader{r: body, left: want}); err != nil {
		var le *lengthError
		if errors.As(err, &le) {
			reason := "chunk_too_short"
			if le.long {
				reason = "chunk_too_long"
			}
			return invalid(op, reason, map[string]any{"size": want})
		}
		return &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "chunk_not_stored", Err: err}
	}
	// The bytes are durable now: record them even if the client has gone
	// away meanwhile, so that a resume does not send (and store) them again.
	if err := s.store.AddChunk(context.WithoutCancel(ctx), id, n, s.nowUTC()); err != nil {
		// The upload ended (completed or cleaned up) while the chunk was
		// written: do not leave the blob behind.
		if akte.Is(err, akte.KindNotFound) {
			if it2, err2 := s.store.Item(ctx, id); err2 != nil || it2.State != akte.StateComplete {
				s.blobs.Delete(context.WithoutCancel(ctx), key)
			}
			return &akte.Error{Op: op, Kind: akte.KindConflict, Reason: "upload_ended", Err: err}
		}
		return internal(op, err)
	}
	return nil
}

// lengthError says a chunk body was longer or shorter than its size.
type lengthError struct{ long bool }

func (e *lengthError) Error() string {
	if e.long {
		return "chunk longer than its size"
	}
	return "chunk shorter than its size"
}

// exactReader passes on exactly left bytes of r and fails if r has fewer
// or more, so that a blob store Put of it stores nothing unless the chunk
// is whole.
type exactReader struct {
	r    io.Reader
	left int64
}

// Len is the number of bytes still expected, so that a store that buffers
// a body (blob/s3) can size its buffer once.
func (e *exactReader) Len() int { return int(e.left) }

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		n, err := e.r.Read(one[:])
		for n == 0 && err == nil {
			n, err = e.r.Read(one[:])
		}
		if n > 0 {
			return 0, &lengthError{long: true}
		}
		if err == io.EOF {
			return 0, io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, &lengthError{}
		}
		err = nil
	}
	return n, err
}

// CompleteUpload turns an upload into an item once every chunk is stored.
// Completing a complete item again returns it, so that a client whose
// answer was lost can ask once more.
func (s *Service) CompleteUpload(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID) (*akte.Item, error) {
	const op = "item.complete"
	acc, err := s.authorize(ctx, p, rid, ActItemUpload)
	if err != nil {
		return nil, err
	}
	it, err := s.ownItem(ctx, op, acc, ActItemUpload, id)
	if err != nil {
		return nil, err
	}
	if it.State == akte.StateComplete {
		return it, nil
	}
	ns, err := s.store.Chunks(ctx, id)
	if err != nil {
		return nil, internal(op, err)
	}
	if missing := it.Chunks() - len(ns); missing > 0 {
		return nil, akte.R(op, akte.KindConflict, "chunks_missing", map[string]any{"missing": missing, "chunks": it.Chunks()}, "")
	}
	// Trust the blobs, not only the records of them.
	for n := range it.Chunks() {
		size, err := s.blobs.Size(ctx, chunkKey(it.AccountID, it.ID, n))
		if akte.Is(err, akte.KindNotFound) || (err == nil && size != it.ChunkLen(n)) {
			return nil, &akte.Error{Op: op, Kind: akte.KindConflict, Reason: "chunk_missing", Params: map[string]any{"n": n}, Err: err}
		}
		if err != nil {
			return nil, internal(op, err)
		}
	}
	if err := s.store.CompleteUpload(ctx, id, s.nowUTC()); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			// Completed concurrently, or cleaned up.
			if it2, err2 := s.ownItem(ctx, op, acc, ActItemUpload, id); err2 == nil && it2.State == akte.StateComplete {
				return it2, nil
			}
			return nil, itemNotFound(op)
		}
		return nil, internal(op, err)
	}
	it.State, it.UpdatedAt = akte.StateComplete, s.nowUTC()
	s.accessEvent(ctx, acc, "item.upload", "item:"+string(id), akte.Event{})
	return it, nil
}

// Items lists the complete items of the principal's record, of one
// category or all.
func (s *Service) Items(ctx context.Context, p *Principal, rid akte.RecordID, category akte.CategoryID) ([]*akte.Item, error) {
	const op = "item.list"
	acc, err := s.authorize(ctx, p, rid, ActItemList)
	if err != nil {
		return nil, err
	}
	if category != "" {
		if _, ok := akte.CategoryByID(category); !ok {
			return nil, errCategoryUnknown(op, category)
		}
	}
	its, err := s.store.Items(ctx, acc.Owner, category)
	if err != nil {
		return nil, internal(op, err)
	}
	if acc.Role != RoleOwner { // a scoped listing shows only what the scope covers
		its = slices.DeleteFunc(its, func(it *akte.Item) bool { return acc.may(op, ActItemList, it) != nil })
	}
	return its, s.accessEvent(ctx, acc, op, "record:"+string(acc.Owner), akte.Event{})
}

// MaxPage is the most items one page of a listing holds.
const MaxPage = 1000

// ErrLimit is the answer to a page size that is no number from 1 to
// MaxPage.
func ErrLimit(op string) error {
	return invalid(op, "limit_invalid", map[string]any{"min": 1, "max": MaxPage})
}

// Page is one page of a listing.
type Page struct {
	// Items iterates over the page's items once. An item is valid until
	// the next iteration (akte.Store.ItemsPage); the loop must not call
	// the service.
	Items iter.Seq2[*akte.Item, error]
	next  string
}

// Next is the cursor of the following page, or "" if this page is the
// last; it is known once the loop over Items has ended.
func (pg *Page) Next() string { return pg.next }

// ItemsPage returns a page of at most limit (1 to MaxPage) complete items
// of the principal's record after the cursor after ("" for the first
// page), of one category or all, in the order of Items. A cursor is
// opaque to clients; it names a position, not an item, so deleting items
// while walking a listing loses nothing else.
func (s *Service) ItemsPage(ctx context.Context, p *Principal, rid akte.RecordID, category akte.CategoryID, after string, limit int) (*Page, error) {
	const op = "item.list"
	acc, err := s.authorize(ctx, p, rid, ActItemList)
	if err != nil {
		return nil, err
	}
	if category != "" {
		if _, ok := akte.CategoryByID(category); !ok {
			return nil, errCategoryUnknown(op, category)
		}
	}
	if limit < 1 || limit > MaxPage {
		return nil, ErrLimit(op)
	}
	var cur akte.ItemCursor
	if after != "" {
		var ok bool
		if cur, ok = parseCursor(after); !ok {
			return nil, invalid(op, "cursor_invalid", nil)
		}
	}
	pg := &Page{}
	pg.Items = func(yield func(*akte.Item, error) bool) {
		// One item more than asked tells whether a next page exists, so
		// a walk ends without an empty last request.
		n, last := 0, ""
		for it, err := range s.store.ItemsPage(ctx, acc.Owner, category, cur, limit+1) {
			if err != nil {
				yield(nil, internal(op, err))
				return
			}
			if acc.Role != RoleOwner && acc.may(op, ActItemList, it) != nil {
				continue // a scoped listing shows only what the scope covers
			}
			if n++; n > limit {
				pg.next = last
				return
			}
			if n == limit {
				last = formatCursor(it.CursorOf()) // while the item is valid
			}
			if !yield(it, nil) {
				return
			}
		}
	}
	if err := s.accessEvent(ctx, acc, op, "record:"+string(acc.Owner), akte.Event{}); err != nil {
		return nil, err
	}
	return pg, nil
}

// A cursor is "<created_at in unix microseconds>.<item id>".
func formatCursor(c akte.ItemCursor) string {
	return strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "." + string(c.ID)
}

func parseCursor(s string) (akte.ItemCursor, bool) {
	t, id, ok := strings.Cut(s, ".")
	if !ok || !itemIDRe.MatchString(id) {
		return akte.ItemCursor{}, false
	}
	us, err := strconv.ParseInt(t, 10, 64)
	if err != nil || us < 0 {
		return akte.ItemCursor{}, false
	}
	return akte.ItemCursor{CreatedAt: time.UnixMicro(us).UTC(), ID: akte.ItemID(id)}, true
}

// Item returns one complete item of the record.
func (s *Service) Item(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID) (*akte.Item, error) {
	acc, err := s.authorize(ctx, p, rid, ActItemReadMetadata)
	if err != nil {
		return nil, err
	}
	it, err := s.item(ctx, acc, ActItemReadMetadata, id)
	if err != nil {
		return nil, s.refused(ctx, p, "item.read_metadata", "item:"+string(id), err)
	}
	return it, s.accessEvent(ctx, acc, "item.read_metadata", "item:"+string(id), akte.Event{})
}

func (s *Service) item(ctx context.Context, acc *Access, action Action, id akte.ItemID) (*akte.Item, error) {
	const op = "item.get"
	it, err := s.ownItem(ctx, op, acc, action, id)
	if err != nil {
		return nil, err
	}
	if it.State != akte.StateComplete {
		return nil, itemNotFound(op)
	}
	return it, nil
}

// ItemContent opens the ciphertext of a complete item for streaming,
// starting at byte offset from. The reader holds one chunk open at a time.
// An offset at or beyond the end fails with reason range_not_satisfiable
// and the item's size as parameter "size".
func (s *Service) ItemContent(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID, from int64) (*akte.Item, io.ReadCloser, error) {
	const op = "item.content"
	acc, err := s.authorize(ctx, p, rid, ActItemDownload)
	if err != nil {
		return nil, nil, err
	}
	it, err := s.item(ctx, acc, ActItemDownload, id)
	if err != nil {
		return nil, nil, s.refused(ctx, p, "item.download", "item:"+string(id), err)
	}
	if from < 0 || (from > 0 && from >= it.Size) {
		return nil, nil, invalid(op, "range_not_satisfiable", map[string]any{"size": it.Size})
	}
	if err := s.accessEvent(ctx, acc, "item.download", "item:"+string(id), akte.Event{}); err != nil {
		return nil, nil, err
	}
	cr := &chunkReader{ctx: ctx, s: s, it: it}
	if it.ChunkSize > 0 {
		cr.n = int(from / it.ChunkSize)
		cr.skip = from % it.ChunkSize
	}
	return it, cr, nil
}

// chunkReader reads an item's chunks in order.
type chunkReader struct {
	ctx  context.Context
	s    *Service
	it   *akte.Item
	n    int   // next chunk to open
	skip int64 // bytes to skip in chunk n
	cur  io.ReadCloser
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if c.cur == nil {
			if c.n >= c.it.Chunks() {
				return 0, io.EOF
			}
			rc, err := c.s.blobs.Get(c.ctx, chunkKey(c.it.AccountID, c.it.ID, c.n))
			if err != nil {
				return 0, fmt.Errorf("open chunk %d of item %s: %w", c.n, c.it.ID, err)
			}
			if c.skip > 0 {
				if sk, ok := rc.(io.Seeker); ok {
					_, err = sk.Seek(c.skip, io.SeekStart)
				} else {
					_, err = io.CopyN(io.Discard, rc, c.skip)
				}
				if err != nil {
					rc.Close()
					return 0, err
				}
				c.skip = 0
			}
			c.cur = rc
			c.n++
		}
		k, err := c.cur.Read(p)
		if err == io.EOF {
			c.cur.Close()
			c.cur = nil
			if k > 0 {
				return k, nil
			}
			continue
		}
		return k, err
	}
}

func (c *chunkReader) Close() error {
	if c.cur != nil {
		return c.cur.Close()
	}
	return nil
}

// MetaChange is a new description of a complete item: its metadata sealed
// anew with the item key, and, to move it to another category, the item
// key in a slot under that category's key (else Category is empty and
// KeySlot nil). Expect is the item's MetaVersion the client read.
type MetaChange struct {
	Expect     int64
	MetaSealed []byte
	Category   akte.CategoryID
	KeyVersion uint32
	KeySlot    []byte
}

// ChangeItemMeta replaces the description of a complete item of the
// principal's record without touching its content. The server cannot
// read the sealed metadata; it checks what it checks at upload (sizes, a
// category with that key version). A change from another version than
// the item's is refused (item_meta_changed, with the current version), so
// that one device's edit never silently undoes another's.
func (s *Service) ChangeItemMeta(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID, r MetaChange) (*akte.Item, error) {
	const op = "item.change_metadata"
	acc, err := s.authorize(ctx, p, rid, ActItemChangeMetadata)
	if err != nil {
		return nil, err
	}
	it, err := s.ownItem(ctx, op, acc, ActItemChangeMetadata, id)
	if err != nil {
		return nil, err
	}
	if it.State != akte.StateComplete {
		return nil, itemNotFound(op)
	}
	if len(r.MetaSealed) == 0 || len(r.MetaSealed) > maxMetaSealed {
		return nil, invalid(op, "field_missing_or_too_large", map[string]any{"field": "meta_sealed", "max": maxMetaSealed})
	}
	ch := &akte.Item{ID: it.ID, Category: it.Category, KeyVersion: it.KeyVersion, KeySlot: it.KeySlot, MetaSealed: r.MetaSealed}
	if r.Category != "" || r.KeySlot != nil {
		if len(r.KeySlot) == 0 || len(r.KeySlot) > maxKeySlot {
			return nil, invalid(op, "field_missing_or_too_large", map[string]any{"field": "key_slot", "max": maxKeySlot})
		}
		rec, err := s.recordWithKey(ctx, op, acc.Owner, r.Category, r.KeyVersion)
		if err != nil {
			return nil, err
		}
		// A move goes under a key no former grantee holds, as an upload does.
		if err := s.checkKeyFresh(ctx, op, acc.Owner, rec, r.Category, r.KeyVersion); err != nil {
			return nil, err
		}
		ch.Category, ch.KeyVersion, ch.KeySlot = r.Category, r.KeyVersion, r.KeySlot
	}
	switch err := s.store.ChangeItemMeta(ctx, ch, r.Expect); {
	case akte.Is(err, akte.KindConflict):
		cur, cerr := s.store.Item(ctx, id)
		if cerr != nil {
			return nil, internal(op, cerr)
		}
		return nil, &akte.Error{Op: op, Kind: akte.KindConflict, Reason: "item_meta_changed", Params: map[string]any{"version": cur.MetaVersion}, Err: err}
	case akte.Is(err, akte.KindNotFound):
		return nil, itemNotFound(op) // deleted meanwhile
	case err != nil:
		return nil, internal(op, err)
	}
	it.MetaSealed, it.Category, it.KeyVersion, it.KeySlot, it.MetaVersion = ch.MetaSealed, ch.Category, ch.KeyVersion, ch.KeySlot, r.Expect+1
	s.accessEvent(ctx, acc, op, "item:"+string(id), akte.Event{})
	return it, nil
}

// DeleteItem deletes an item of the principal's record: its metadata
// first, then every chunk of its ciphertext. If the process dies between
// the two, the cleanup job removes the chunks left without an item.
func (s *Service) DeleteItem(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ItemID) error {
	const op = "item.delete"
	acc, err := s.authorize(ctx, p, rid, ActItemDelete)
	if err != nil {
		return err
	}
	it, err := s.ownItem(ctx, op, acc, ActItemDelete, id)
	if err != nil {
		return s.refused(ctx, p, op, "item:"+string(id), err)
	}
	if err := s.deleteItem(ctx, it); err != nil {
		return internal(op, err)
	}
	s.accessEvent(ctx, acc, op, "item:"+string(id), akte.Event{})
	return nil
}

func (s *Service) deleteItem(ctx context.Context, it *akte.Item) error {
	if err := s.store.DeleteItem(ctx, it.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
		return err
	}
	return s.deleteBlobs(ctx, itemPrefix(it.AccountID, it.ID))
}

func (s *Service) deleteBlobs(ctx context.Context, prefix string) error {
	keys, err := s.blobs.List(ctx, prefix)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// cleanUploads deletes uploads idle for longer than UploadExpiry and chunk
// blobs that belong to no item (left by a crash during a deletion). An
// item row exists before its first chunk is written and is checked as an
// upload first, then as an item, so a blob is never taken for an orphan
// while its upload completes.
func (s *Service) cleanUploads(ctx context.Context) (int, error) {
	now := s.nowUTC()
	stale, err := s.store.Uploads(ctx, "", now.Add(-s.cfg.UploadExpiry))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range stale {
		if err := s.deleteItem(ctx, it); err != nil {
			return n, err
		}
		n++
	}
	accounts, err := s.store.Accounts(ctx)
	if err != nil {
		return n, err
	}
	for _, a := range accounts {
		prefix := recordPrefix(a.ID) + "items/"
		keys, err := s.blobs.List(ctx, prefix)
		if err != nil {
			return n, err
		}
		checked := map[string]bool{}
		for _, k := range keys {
			id, _, _ := strings.Cut(strings.TrimPrefix(k, prefix), "/")
			if checked[id] {
				continue
			}
			checked[id] = true
			_, err := s.store.Item(ctx, akte.ItemID(id))
			if err == nil {
				continue
			}
			if !akte.Is(err, akte.KindNotFound) {
				return n, err
			}
			if err := s.deleteBlobs(ctx, prefix+id+"/"); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
