package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Plan is everything needed to send, and after an interruption resume, the
// upload of one file. Key and Seed are secret: a caller that keeps a plan
// on disk must seal them. Encrypting the same file with the same Key and
// Seed gives the same stream (seal.WithStreamRandom), so the chunks the
// server already holds stay valid; ChunkSums lets the client prove that to
// itself before it relies on them.
type Plan struct {
	Request   wire.UploadRequest `json:"request"`
	PlainSize int64              `json:"plain_size"`
	Key       []byte             `json:"key,omitempty"`
	Seed      []byte             `json:"seed,omitempty"`
	// ChunkSums are the SHA-256 sums of the chunks the server
	// acknowledged, by chunk number.
	ChunkSums map[int]string `json:"chunk_sums,omitempty"`
}

// NewPlan prepares the upload of plainSize bytes as the prepared item.
func NewPlan(it *NewItem, plainSize int64, replaces string) *Plan {
	seed := make([]byte, seal.StreamRandomSize)
	if _, err := io.ReadFull(randReader{}, seed); err != nil {
		panic(err)
	}
	return &Plan{
		Request: wire.UploadRequest{ID: it.ID, Category: it.Category, KeyVersion: it.KeyVersion,
			Size: seal.CiphertextSize(plainSize, seal.DefaultSegmentSize), MetaSealed: it.MetaSealed, KeySlot: it.KeySlot, Replaces: replaces},
		PlainSize: plainSize, Key: it.Key, Seed: seed, ChunkSums: map[int]string{},
	}
}

// Transfer tunes uploads and downloads.
type Transfer struct {
	// Parallel is the number of chunks in flight (default 2).
	Parallel int
	// Progress, if set, is called with the number of plaintext-side bytes
	// done so far (for an upload: ciphertext bytes handled).
	Progress func(done int64)
	// Acked, if set, is called after the server acknowledged a chunk, so
	// that the caller can save the plan.
	Acked func(p *Plan)
	// Retries is how often a failed request is retried (default 8).
	Retries int
}

// retryable reports whether a failed request may succeed if sent again.
func retryable(err error) bool {
	switch akte.KindOf(err) {
	case akte.KindUnavailable, akte.KindInternal, akte.KindOther:
		return true
	}
	return false
}

// retry runs f until it succeeds, fails for good or runs out of tries,
// waiting 100 ms, 200 ms, ... up to 2 s between tries.
func (t Transfer) retry(ctx context.Context, f func() error) error {
	tries := t.Retries
	if tries == 0 {
		tries = 8
	}
	wait := 100 * time.Millisecond
	for i := 0; ; i++ {
		err := f()
		if err == nil || !retryable(err) || i >= tries || ctx.Err() != nil {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// Upload sends the file that open returns as plan describes, skipping the
// chunks the server holds, and completes the item. It returns the item.
// It can be called again with the same plan after any failure.
func (c *API) Upload(ctx context.Context, plan *Plan, open func() (io.ReadCloser, error), t Transfer) (*wire.Item, error) {
	const op = "upload"
	var st wire.Upload
	err := t.retry(ctx, func() error { return c.Do(ctx, "POST", "/api/v1/uploads", plan.Request, &st) })
	if akte.Is(err, akte.KindConflict) {
		// Maybe it completed and only the answer was lost.
		var it wire.Item
		if gerr := c.Do(ctx, "GET", "/api/v1/items/"+plan.Request.ID, nil, &it); gerr == nil {
			if err := Expect("item", plan.Request.ID, it.ID); err != nil {
				return nil, err
			}
			return &it, nil
		}
		var ust wire.Upload
		if gerr := c.Do(ctx, "GET", "/api/v1/uploads/"+plan.Request.ID, nil, &ust); gerr == nil && ust.State == string(akte.StateComplete) {
			return c.complete(ctx, plan, t)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := Expect("upload", plan.Request.ID, st.ID); err != nil {
		return nil, err
	}
	if st.ChunkSize <= 0 {
		return nil, akte.E(op, akte.KindInternal, "Der Server nennt keine Teilgröße.", nil)
	}
	have := map[int]bool{}
	for _, n := range st.Chunks {
		have[n] = true
	}
	var mu sync.Mutex // guards plan.ChunkSums and the Acked callback
	if plan.ChunkSums == nil {
		plan.ChunkSums = map[int]string{}
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
				sum := sha256.Sum256(b)
				hs := hex.EncodeToString(sum[:])
				mu.Lock()
				known, ok := plan.ChunkSums[ch.n]
				mu.Unlock()
				if ok && known != hs {
					cancel(akte.E(op, akte.KindConflict, "Die Datei hat sich seit dem abgebrochenen Hochladen geändert.", nil))
				} else if !have[ch.n] {
					// A chunk the server has is never sent again, also
					// when its answer was lost and we have no sum of it:
					// the file is unchanged (size and time were checked),
					// so the server's bytes are these, and if it were
					// not, sending them again would reuse nonces, while
					// keeping the old bytes makes the item fail to
					// verify on download.
					err := t.retry(ctx, func() error { return c.putChunk(ctx, plan.Request.ID, ch.n, b) })
					if err != nil {
						cancel(err)
					} else {
						mu.Lock()
						plan.ChunkSums[ch.n] = hs
						if t.Acked != nil {
							t.Acked(plan)
						}
						mu.Unlock()
					}
				}
				progress(len(b))
				*ch.buf = b[:0]
				pool.Put(ch.buf)
			}
		}()
	}
	cw := &chunkWriter{ctx: ctx, size: st.ChunkSize, total: plan.Request.Size, pool: pool, emit: func(n int, buf *[]byte) error {
		select {
		case work <- chunk{n, buf}:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}}
	encErr := func() error {
		f, err := open()
		if err != nil {
			return err
		}
		defer f.Close()
		w, err := seal.NewWriter(cw, plan.Key, seal.WithStreamRandom(bytes.NewReader(plan.Seed)))
		if err != nil {
			return err
		}
		n, err := io.Copy(w, f)
		if err != nil {
			return err
		}
		if n != plan.PlainSize {
			return akte.E(op, akte.KindConflict, "Die Datei hat sich während des Hochladens geändert.", nil)
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
	return c.complete(ctx, plan, t)
}

func (c *API) complete(ctx context.Context, plan *Plan, t Transfer) (*wire.Item, error) {
	var it wire.Item
	err := t.retry(ctx, func() error {
		return c.Do(ctx, "POST", "/api/v1/uploads/"+plan.Request.ID+"/complete", nil, &it)
	})
	if err != nil {
		return nil, err
	}
	if err := Expect("item", plan.Request.ID, it.ID); err != nil {
		return nil, err
	}
	return &it, nil
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

func (p *bufPool) Get() any      { return <-p.free }
func (p *bufPool) Put(b *[]byte) { p.free <- b }

// chunkWriter cuts the ciphertext stream into chunks.
type chunkWriter struct {
	ctx   context.Context
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
		return 0, akte.E("upload", akte.KindConflict, "Die Datei ist größer geworden.", nil)
	}
	written := 0
	for len(p) > 0 {
		if w.cur == nil {
			w.cur = w.pool.Get().(*[]byte)
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

func (c *API) putChunk(ctx context.Context, id string, n int, b []byte) error {
	path := "/api/v1/uploads/" + id + "/chunks/" + strconv.Itoa(n)
	req, err := http.NewRequestWithContext(ctx, "PUT", c.Base+path, bytes.NewReader(b))
	if err != nil {
		return akte.E("PUT "+path, akte.KindInvalid, "Ungültige Server-Adresse (AKTE_SERVER).", err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	return c.send(req, nil)
}

// Download streams an item's content, decrypted with its key, to w. Like
// every seal stream, plaintext is written one authenticated segment at a
// time: w must be thrown away unless Download returns nil.
func (c *API) Download(ctx context.Context, id string, key []byte, w io.Writer, t Transfer) error {
	path := "/api/v1/items/" + id + "/content"
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return akte.E("GET "+path, akte.KindInvalid, "Ungültige Server-Adresse (AKTE_SERVER).", err)
	}
	var body io.ReadCloser
	err = t.retry(ctx, func() error { return c.send(req, &body) })
	if err != nil {
		return err
	}
	defer body.Close()
	var src io.Reader = body
	if t.Progress != nil {
		src = &countReader{r: body, f: t.Progress}
	}
	r, err := seal.NewReader(src, key)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		if akte.KindOf(err) == akte.KindOther {
			return akte.E("download", akte.KindUnavailable, "Die Verbindung zum Server ist abgebrochen.", err)
		}
		return err
	}
	return nil
}

type countReader struct {
	r io.Reader
	n int64
	f func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.f(c.n)
	return n, err
}

// send performs a request without the client's overall timeout (bodies
// may be large) and maps error answers to *akte.Error. If body is not nil
// the caller gets the response body to read and close.
func (c *API) send(req *http.Request, body *io.ReadCloser) error {
	op := req.Method + " " + req.URL.Path
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if req.GetBody != nil {
		// A retried request needs a fresh body.
		if b, err := req.GetBody(); err == nil {
			req.Body = b
		}
	}
	hc := &http.Client{Transport: c.HTTP.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return akte.E(op, akte.KindUnavailable, fmt.Sprintf("Der Server %s ist nicht erreichbar.", c.Base), err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return errorOf(op, resp)
	}
	if body != nil {
		*body = resp.Body
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return nil
}
