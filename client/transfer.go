package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Plans keeps the plans of unfinished uploads between runs of a client,
// by a key the caller chooses for a file (its path and the metadata given
// for it). A plan holds secrets (core.Plan's Key and Seed): an
// implementation seals them or keeps them in memory only (DirPlans seals
// them under the user master key).
type Plans interface {
	// Load returns the plan kept under key, or an error of KindNotFound.
	Load(key string) (*core.Plan, error)
	// Save keeps the plan under key, replacing what was there; when it
	// returns, the plan survives a crash.
	Save(key string, p *core.Plan) error
	// Delete forgets the plan under key; a missing one is no error.
	Delete(key string) error
}

// Transfer tunes uploads and downloads. The retry rule is the API's.
type Transfer struct {
	// Parallel is the number of chunks in flight (default 2).
	Parallel int
	// Progress, if set, is called with the number of bytes done so far
	// (ciphertext bytes).
	Progress func(done int64)
	// Notice, if set, is told when an interrupted upload cannot go on and
	// starts over under a new key (an error with reason upload_changed),
	// so that the person learns why it begins again.
	Notice func(err error)
	// Seen, if set, has the upload noted in the record's manifest: its
	// new id as pending before the server hears of it, as live once it
	// completed (UpdateManifest, which keeps the counters seen here).
	Seen *Seen
	// Kind is the kind of item the upload makes (empty: a document).
	Kind akte.ItemKind
}

// File is a file to upload: its size and a way to read it from the start
// (an upload reads it twice, and a resumed one three times).
type File struct {
	// Key names the file for Plans.
	Key  string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Upload sends a file as a new document of a category of the record (a
// new version of replaces, if set) with the metadata meta, whose Size and
// Digest it fills in, and returns the completed item. An interrupted
// upload of the same file (a plan under f.Key) goes on where it stopped
// if core.CheckResume allows it; otherwise it is deleted and the file is
// uploaded anew under a new key and seed, and t.Notice says so. The plan
// is kept in plans from before the first chunk is sent until the item is
// complete, so that Upload can be called again after any failure.
func (c *API) Upload(ctx context.Context, rec *core.Record, f File, category string, meta core.Meta, replaces string, plans Plans, t Transfer) (*wire.Item, error) {
	up := func(ni *core.NewItem) error {
		if t.Seen == nil {
			return nil
		}
		return c.UpdateManifest(ctx, rec, t.Seen, func(m *core.Manifest) { m.Set(ni.ID, category, 0, core.Pending) })
	}
	it, err := c.upload(ctx, rec.NewItem, up, f, category, meta, replaces, plans, t)
	if err != nil || t.Seen == nil {
		return it, err
	}
	return it, c.UpdateManifest(ctx, rec, t.Seen, func(m *core.Manifest) { m.Set(it.ID, category, meta.Version, core.Live) })
}

// UploadInbox uploads a file as a provider with "add" does: its item key
// sealed to the record's public key, which the keyring carries and the
// caller verified (core.PinRecordKey). The patient's client files it.
func (c *API) UploadInbox(ctx context.Context, kr *core.Keyring, f File, category string, meta core.Meta, plans Plans, t Transfer) (*wire.Item, error) {
	mk := func(category string, m core.Meta) (*core.NewItem, error) {
		return core.NewInboxItem(kr.RecordID, kr.RecordPub, category, m)
	}
	return c.upload(ctx, mk, func(*core.NewItem) error { return nil }, f, category, meta, "", plans, t)
}

func (c *API) upload(ctx context.Context, newItem func(string, core.Meta) (*core.NewItem, error), pending func(*core.NewItem) error,
	f File, category string, meta core.Meta, replaces string, plans Plans, t Transfer) (*wire.Item, error) {
	if p, err := plans.Load(f.Key); err == nil {
		it, err := c.resume(ctx, p, f, plans, t)
		if it != nil || !akte.Is(err, akte.KindConflict) {
			return it, err
		}
		// The plan can never succeed; if the file is not what it was made
		// for, the person is told why the upload begins again.
		if r, _ := akte.ReasonOf(err); r == "upload_changed" && t.Notice != nil {
			t.Notice(err)
		}
	}
	digest, _, err := scan(f, nil, 0)
	if err != nil {
		return nil, err
	}
	meta.Size, meta.Digest = f.Size, digest
	ni, err := newItem(category, meta)
	if err != nil {
		return nil, err
	}
	p := core.NewPlan(ni, f.Size, digest, replaces)
	if t.Kind != "" && t.Kind != akte.KindDocument {
		p.Request.Kind = string(t.Kind)
	}
	if err := plans.Save(f.Key, p); err != nil {
		return nil, err
	}
	if err := pending(ni); err != nil {
		return nil, err
	}
	st, err := c.createUpload(ctx, p)
	if err != nil {
		if akte.Is(err, akte.KindQuota) || akte.Is(err, akte.KindInvalid) {
			plans.Delete(f.Key) // this plan can never succeed
		}
		return nil, err
	}
	return c.send(ctx, p, st, f, plans, t)
}

// resume goes on with the upload of a saved plan. It fails with
// KindConflict (reason upload_changed) when the file is not the plan's,
// after deleting the unfinished upload and the plan.
func (c *API) resume(ctx context.Context, p *core.Plan, f File, plans Plans, t Transfer) (*wire.Item, error) {
	changed := func(err error) (*wire.Item, error) {
		c.DeleteItem(ctx, p.Request.ID) // best effort: frees the reserved quota now
		if err := plans.Delete(f.Key); err != nil {
			return nil, err
		}
		return nil, err
	}
	st, err := c.createUpload(ctx, p)
	if akte.Is(err, akte.KindConflict) {
		// Maybe it completed and only the answer was lost.
		if it, gerr := c.Item(ctx, p.Request.ID); gerr == nil && it.ID == p.Request.ID {
			digest, _, err := scan(f, nil, 0)
			if err != nil {
				return nil, err
			}
			plans.Delete(f.Key)
			if digest == p.Digest {
				return it, nil
			}
			// A document of the file as it was then; the file changed
			// since, so it becomes a new document.
			return nil, core.UploadChanged("completed with another digest")
		}
		if ust, _, gerr := c.UploadStatus(ctx, p.Request.ID); gerr == nil && ust.State == string(akte.StateComplete) {
			return c.complete(ctx, p, f, plans)
		}
	}
	if err != nil {
		if akte.Is(err, akte.KindConflict) || akte.Is(err, akte.KindQuota) || akte.Is(err, akte.KindInvalid) {
			plans.Delete(f.Key) // this plan can never succeed: start afresh next time
		}
		return nil, err
	}
	if p.PlainSize != f.Size {
		return changed(core.UploadChanged("size differs"))
	}
	digest, sums, err := scan(f, p, st.ChunkSize)
	if err != nil {
		return nil, err
	}
	if err := core.CheckResume(p, digest, sums, st); err != nil {
		return changed(err)
	}
	return c.send(ctx, p, st, f, plans, t)
}

// scan reads the file once through core.Scan.
func scan(f File, p *core.Plan, chunkSize int64) (string, map[int]string, error) {
	r, err := f.Open()
	if err != nil {
		return "", nil, err
	}
	defer r.Close()
	return core.Scan(r, p, chunkSize)
}

// createUpload sends the plan's request (again), with the retry rule.
func (c *API) createUpload(ctx context.Context, p *core.Plan) (*wire.Upload, error) {
	var st *wire.Upload
	err := c.retry(ctx, func() (int, error) {
		var status int
		var err error
		st, status, err = c.CreateUpload(ctx, p.Request)
		return status, err
	})
	if err != nil {
		return nil, err
	}
	if err := core.Expect("upload", p.Request.ID, st.ID); err != nil {
		return nil, err
	}
	if st.ChunkSize <= 0 || st.Size != p.Request.Size {
		return nil, akte.R("upload", akte.KindUnavailable, "server_answer_unexpected", map[string]any{"status": 200},
			"Unerwartete Antwort des Servers (HTTP 200).")
	}
	return st, nil
}

// send encrypts the file with the plan's key and seed and sends the
// chunks the server does not hold, then completes the item.
func (c *API) send(ctx context.Context, p *core.Plan, st *wire.Upload, f File, plans Plans, t Transfer) (*wire.Item, error) {
	changed := func(detail string) error {
		c.DeleteItem(context.WithoutCancel(ctx), p.Request.ID)
		plans.Delete(f.Key)
		return core.FileChanged(detail)
	}
	have := map[int]bool{}
	for _, n := range st.Chunks {
		have[n] = true
	}
	if p.Sent == nil {
		p.Sent = map[int]string{}
	}
	type chunk struct {
		n   int
		buf *[]byte
	}
	par := t.Parallel
	if par <= 0 {
		par = 2
	}
	// A fixed set of chunk buffers (one filling, one queued, one per
	// sender) bounds memory whatever the file size; a sync.Pool would be
	// emptied by every collection and leave garbage behind.
	pool := newBufPool(par+2, st.ChunkSize)
	work := make(chan chunk, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex // guards p.Sent, plans and done
	var done int64
	progress := func(n int) {
		mu.Lock()
		done += int64(n)
		d := done
		mu.Unlock()
		if t.Progress != nil {
			t.Progress(d)
		}
	}
	var wg sync.WaitGroup
	for range par {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ch := range work {
				b := *ch.buf
				if !have[ch.n] {
					err := c.sendChunk(ctx, p, ch.n, b, &mu, func() error { return plans.Save(f.Key, p) })
					if err != nil {
						cancel(err)
					}
				}
				progress(len(b))
				*ch.buf = b[:0]
				pool.Put(ch.buf)
			}
		}()
	}
	cw := &chunkWriter{size: st.ChunkSize, total: p.Request.Size, pool: pool, emit: func(n int, buf *[]byte) error {
		select {
		case work <- chunk{n, buf}:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}}
	d := core.NewDigester()
	encErr := func() error {
		r, err := f.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		w, err := seal.NewWriter(cw, p.Key, seal.WithStreamRandom(bytes.NewReader(p.Seed)))
		if err != nil {
			return err
		}
		n, err := io.Copy(io.MultiWriter(w, d), io.LimitReader(r, p.PlainSize+1))
		if err != nil {
			return err
		}
		if n != p.PlainSize {
			return changed(fmt.Sprintf("read %d bytes, want %d", n, p.PlainSize))
		}
		if err := w.Close(); err != nil {
			return err
		}
		return cw.flush()
	}()
	close(work)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		return nil, cause
	}
	if encErr != nil {
		return nil, encErr
	}
	if d.Sum() != p.Digest {
		return nil, changed("plaintext digest differs")
	}
	return c.complete(ctx, p, f, plans)
}

// sendChunk records the chunk's sum in the plan and saves it, then sends
// the chunk. A chunk sent before under this plan must be what was sent
// then (else the file changed since CheckResume, and sending it would
// reuse nonces for other plaintext).
func (c *API) sendChunk(ctx context.Context, p *core.Plan, n int, b []byte, mu *sync.Mutex, save func() error) error {
	sum := core.ChunkSum(b)
	mu.Lock()
	was, ok := p.Sent[n]
	var err error
	if !ok {
		p.Sent[n] = sum
		err = save()
	}
	mu.Unlock()
	if ok && was != sum {
		return core.FileChanged(fmt.Sprintf("chunk %d differs from what was sent", n))
	}
	if err != nil {
		return err
	}
	return c.retry(ctx, func() (int, error) { return c.PutChunk(ctx, p.Request.ID, n, b) })
}

// complete completes the upload (with the retry rule) and forgets the
// plan.
func (c *API) complete(ctx context.Context, p *core.Plan, f File, plans Plans) (*wire.Item, error) {
	var it *wire.Item
	err := c.retry(ctx, func() (int, error) {
		var status int
		var err error
		it, status, err = c.CompleteUpload(ctx, p.Request.ID)
		return status, err
	})
	if err != nil {
		return nil, err
	}
	if err := core.Expect("item", p.Request.ID, it.ID); err != nil {
		return nil, err
	}
	if err := plans.Delete(f.Key); err != nil {
		return nil, err
	}
	return it, nil
}

// bufPool is a fixed free list of chunk buffers.
type bufPool struct{ free chan *[]byte }

func newBufPool(n int, size int64) *bufPool {
	p := &bufPool{free: make(chan *[]byte, n)}
	for range n {
		b := make([]byte, 0, size)
		p.free <- &b
	}
	return p
}

func (p *bufPool) Get() *[]byte  { return <-p.free }
func (p *bufPool) Put(b *[]byte) { p.free <- b }

// chunkWriter cuts the ciphertext stream into chunks.
type chunkWriter struct {
	size  int64
	total int64
	pool  *bufPool
	emit  func(n int, buf *[]byte) error
	cur   *[]byte
	n     int
	seen  int64
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.seen += int64(len(p))
	if w.seen > w.total {
		return 0, core.FileChanged("the file grew")
	}
	written := 0
	for len(p) > 0 {
		if w.cur == nil {
			w.cur = w.pool.Get()
		}
		b := *w.cur
		k := min(int64(len(p)), w.size-int64(len(b)))
		b = append(b, p[:k]...)
		*w.cur = b
		p = p[k:]
		written += int(k)
		if int64(len(b)) == w.size {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (w *chunkWriter) flush() error {
	if w.cur == nil || len(*w.cur) == 0 {
		return nil
	}
	buf := w.cur
	w.cur = nil
	n := w.n
	w.n++
	return w.emit(n, buf)
}

// Download writes the content of the item it, decrypted with its key, to
// w, and checks it against the item's metadata m (opened by the caller
// with the same key): its size, and its plaintext digest when m has one.
// A connection that breaks is resumed with a Range request from the byte
// where it broke, with the retry rule. Like every seal stream, plaintext
// is written one authenticated segment at a time: w must be thrown away
// unless Download returns nil.
func (c *API) Download(ctx context.Context, it *wire.Item, key []byte, m core.Meta, w io.Writer, t Transfer) error {
	return c.download(ctx, &resumeReader{ctx: ctx, c: c, id: it.ID, size: it.Size, progress: t.Progress}, it, key, m, w)
}

// download decrypts what src reads into w and checks it against m.
func (c *API) download(ctx context.Context, src *resumeReader, it *wire.Item, key []byte, m core.Meta, w io.Writer) error {
	defer src.close()
	r, err := seal.NewReader(src, key)
	if err != nil {
		return contentErr(it.ID, err)
	}
	d := core.NewDigester()
	n, err := io.Copy(io.MultiWriter(w, d), r)
	if err != nil {
		return contentErr(it.ID, err)
	}
	if n != m.Size || (m.Digest != "" && d.Sum() != m.Digest) {
		return akte.R("download", akte.KindCrypto, "content_digest_mismatch", map[string]any{"item": it.ID},
			fmt.Sprintf("Der Inhalt des Dokuments %s passt nicht zu seinem Fingerabdruck: der Server liefert die Bytes einer anderen Fassung. "+
				"Nichts wurde gespeichert.", it.ID))
	}
	return nil
}

// contentErr says that a document's content failed to decrypt, keeping
// errors of the connection as they are.
func contentErr(id string, err error) error {
	if akte.Is(err, akte.KindCrypto) || akte.Is(err, akte.KindInvalid) {
		return &akte.Error{Op: "download", Kind: akte.KindCrypto, Reason: "content_unauthentic", Params: map[string]any{"item": id},
			Message: fmt.Sprintf("Der Inhalt des Dokuments %s lässt sich nicht entschlüsseln: falscher Schlüssel oder beschädigte Daten. Nichts wurde gespeichert.", id), Err: err}
	}
	return err
}

// resumeReader reads an item's ciphertext, resuming with a Range request
// where a connection broke.
type resumeReader struct {
	ctx      context.Context
	c        *API
	id       string
	size     int64
	off      int64
	body     io.ReadCloser
	attempt  int
	progress func(int64)
	// fetch opens the ciphertext from an offset (nil: the item's content
	// route).
	fetch func(from int64) (io.ReadCloser, int64, int, error)
}

func (r *resumeReader) Read(p []byte) (int, error) {
	for {
		if r.off >= r.size {
			return 0, io.EOF
		}
		if r.body == nil {
			fetch := r.fetch
			if fetch == nil {
				fetch = func(from int64) (io.ReadCloser, int64, int, error) { return r.c.ItemContent(r.ctx, r.id, from) }
			}
			body, _, status, err := fetch(r.off)
			if err != nil {
				if werr := r.wait(status, err); werr != nil {
					return 0, werr
				}
				continue
			}
			r.body = body
		}
		n, err := r.body.Read(p[:min(int64(len(p)), r.size-r.off)])
		r.off += int64(n)
		if n > 0 {
			r.attempt = 0 // progress: a later break gets every retry again
			if r.progress != nil {
				r.progress(r.off)
			}
		}
		if err != nil {
			r.close()
			if r.off < r.size {
				cut := &akte.Error{Op: "download", Kind: akte.KindUnavailable, Reason: "connection_lost",
					Message: "Die Verbindung zum Server ist abgebrochen.", Err: err}
				if n > 0 {
					return n, nil
				}
				if werr := r.wait(0, cut); werr != nil {
					return 0, werr
				}
				continue
			}
		}
		if n > 0 {
			return n, nil
		}
	}
}

// wait sleeps before the next attempt, or returns err if the retry rule
// gives up.
func (r *resumeReader) wait(status int, err error) error {
	d, again := r.c.Retry.Delay(r.attempt, status)
	if !again || r.ctx.Err() != nil {
		return err
	}
	r.attempt++
	select {
	case <-time.After(d):
		return nil
	case <-r.ctx.Done():
		return err
	}
}

func (r *resumeReader) close() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}
