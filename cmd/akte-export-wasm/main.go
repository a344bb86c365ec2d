//go:build js && wasm

// Command akte-export-wasm is the web app's export and import of a whole
// record (issue 16, items 3 and 4; decisions 0039, 0049): the same Go code
// `akte export` and `akte import` run (client.ExportDocuments,
// client.State.VerifyAudit, archive.Write through age, archive.Read,
// client.ImportArchive), compiled apart from the client core
// (cmd/akte-wasm), which has no room, and loaded only when the export page
// is used.
//
// It runs in the core's worker (web/src/core-worker.js), as the grants
// module does (decision 0046): the worker has the core open the record
// master key (or, for a represented record, the account's private key)
// with the user master key it holds and hands it to this module within
// the worker. The module talks to the server itself, from the worker, with
// Go's net/http (the browser's fetch: the page's session cookie, same
// origin), so no document passes through the page.
//
// It exports akteExport:
//
//	slot({json: {kind, record, keys}}) -> {ok: JSON text of {aad, data}}
//	export({json, sink, progress}) -> Promise of {ok: JSON text} | {error}
//	  json: {rmk|priv, record, lang, seen, audit_key, audit_last,
//	         passphrase, unencrypted}
//	  sink: {write(Uint8Array) -> Promise}, written in order, 1 MiB at a time
//	  progress(done, total): plaintext bytes of the documents
//	  -> {documents, entries, bytes, files, encrypted, seen, audit_key, audit_signed}
//	import({json, file, progress}) -> Promise of {ok: JSON text} | {error}
//	  json: {rmk|priv, record, seen, passphrase}
//	  file: a File (read with FileReaderSync: a worker's)
//	  progress({phase, index, count, title, done, size})
//	  -> {documents, entries, added, skipped, seen}
package main

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"syscall/js"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/archive"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/client"
	"github.com/akte/akte/internal/wasmcall"
	"github.com/akte/akte/internal/workerkeys"
	"github.com/akte/akte/seal"
)

type args struct {
	workerkeys.Keys
	Lang        string `json:"lang"`
	Seen        int64  `json:"seen"`
	AuditKey    string `json:"audit_key"`
	AuditLast   string `json:"audit_last"`
	Passphrase  string `json:"passphrase"`
	Unencrypted bool   `json:"unencrypted"`
}

func parse(v js.Value) (args, error) {
	var a args
	if err := json.Unmarshal([]byte(wasmcall.Str(v, "json")), &a); err != nil {
		return a, akte.E("export.args", akte.KindInvalid, "bad arguments", err)
	}
	return a, nil
}

func main() {
	api := js.Global().Get("Object").New()
	api.Set("slot", wasmcall.Export("export", func(v js.Value) (any, error) {
		a, err := parse(v)
		if err != nil {
			return nil, err
		}
		out, err := a.Slot()
		if err != nil {
			return nil, err
		}
		return text(out)
	}))
	api.Set("export", async("export", runExport))
	api.Set("import", async("import", runImport))
	js.Global().Set("akteExport", api)
	js.Global().Call("akteExportReady")
	select {}
}

// async exports f as a function that returns a promise of its answer
// ({ok} or {error}, as wasmcall.Reply): f talks to the server, which in
// WebAssembly must not block the caller.
func async(op string, f func(js.Value) (any, error)) js.Func {
	return js.FuncOf(func(this js.Value, in []js.Value) any {
		v := js.Null()
		if len(in) > 0 {
			v = in[0]
		}
		var executor js.Func
		executor = js.FuncOf(func(_ js.Value, p []js.Value) any {
			resolve := p[0]
			go func() {
				defer executor.Release()
				var out any
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil {
							err = akte.E(op, akte.KindInternal, "panic", nil)
						}
					}()
					out, err = f(v)
				}()
				resolve.Invoke(wasmcall.Reply(out, err))
			}()
			return nil
		})
		return js.Global().Get("Promise").New(executor)
	})
}

// api is a client of the server the page came from, addressing the
// record; the session is the page's cookie (fetch, same origin).
func api(a args) (*client.API, client.Seen) {
	c := client.NewAPI(js.Global().Get("location").Get("origin").String())
	rid := a.Record.Keys.RecordID
	c.RecordID = rid
	return c, client.Seen{Manifests: map[string]int64{rid: a.Seen}}
}

func text(out any) (any, error) {
	b, err := json.Marshal(out)
	return string(b), err
}

func runExport(v js.Value) (any, error) {
	ctx := context.Background()
	a, err := parse(v)
	if err != nil {
		return nil, err
	}
	// The passphrase first: a short one is refused before anything is read.
	var w io.WriteCloser
	sink := &jsWriter{sink: v.Get("sink")}
	if a.Unencrypted {
		w = nopCloser{sink}
	} else {
		r, err := archive.Recipient(a.Passphrase)
		if err != nil {
			return nil, err
		}
		if w, err = archive.Encrypt(sink, r); err != nil {
			return nil, err
		}
	}
	rec, err := a.Open()
	if err != nil {
		return nil, err
	}
	c, seen := api(a)
	acc, err := c.Account(ctx)
	if err != nil {
		return nil, err
	}
	docs, entries, err := c.ExportDocuments(ctx, rec, &seen, a.Lang)
	if err != nil {
		return nil, err
	}
	// The protocol, verified against the key and checkpoint this browser
	// pinned (web/src/audit.js keeps them), as `akte audit` does.
	st := &client.State{}
	log := audit.RecordLog(acc.AccountID)
	if a.AuditKey != "" {
		st.Audit = client.AuditPins{c.Base: {Key: a.AuditKey, Checkpoints: map[string]string{log: a.AuditLast}}}
	}
	verified, err := st.VerifyAudit(ctx, c, acc.AccountID)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.Base)
	x := audit.Export{Server: u.Host, Log: log, Verified: verified, Events: verified.Events, Now: time.Now(), Lang: a.Lang, Loc: time.Local}
	// Progress by the byte, not only by the document: a large one takes
	// minutes.
	var total, before int64
	for _, d := range docs {
		total += d.Meta.Size
	}
	progress := v.Get("progress")
	tell := func(n int64) {
		if progress.Type() == js.TypeFunction {
			progress.Invoke(float64(n), float64(total))
		}
	}
	for i := range docs {
		write, size := docs[i].Write, docs[i].Meta.Size
		docs[i].Write = func(ctx context.Context, w io.Writer) error {
			start := before
			cw := &counting{w: w, tell: func(n int64) { tell(start + n) }}
			err := write(ctx, cw)
			before = start + size
			tell(before)
			return err
		}
	}
	tell(0)
	r := archive.Record{AccountID: acc.AccountID, KVNR: acc.KVNR, BirthDate: acc.BirthDate, Documents: docs, Entries: entries, Protocol: &x, Lang: a.Lang, Now: time.Now(),
		Stage: func() (archive.Staged, error) { return &memStage{}, nil }}
	res, err := archive.Write(ctx, w, r, "", nil)
	if err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := sink.flush(); err != nil {
		return nil, err
	}
	pin := st.Audit[c.Base]
	return text(map[string]any{
		"documents": res.Documents, "entries": len(entries), "bytes": res.Bytes, "files": len(res.Files), "encrypted": !a.Unencrypted,
		"seen": seen.Manifests[c.RecordID], "audit_key": pin.Key, "audit_signed": pin.Checkpoints[log],
	})
}

func runImport(v js.Value) (any, error) {
	ctx := context.Background()
	a, err := parse(v)
	if err != nil {
		return nil, err
	}
	progress := v.Get("progress")
	tell := func(m map[string]any) {
		if progress.Type() == js.TypeFunction {
			progress.Invoke(m)
		}
	}
	f := &jsFile{file: v.Get("file")}
	size := int64(f.file.Get("size").Float())
	var ra io.ReaderAt = f
	tell(map[string]any{"phase": "check"})
	if archive.IsEncrypted(f) {
		if ra, size, err = archive.Decrypt(f, size, a.Passphrase); err != nil {
			return nil, err
		}
	}
	arc, err := archive.Read(ra, size)
	if err != nil {
		return nil, err
	}
	rec, err := a.Open()
	if err != nil {
		return nil, err
	}
	c, seen := api(a)
	count := len(arc.Documents) + len(arc.Entries)
	index := 0
	res, err := c.ImportArchive(ctx, rec, arc, client.MemPlans(), func(title string, size int64) client.Transfer {
		index++
		i, total := index, seal.CiphertextSize(size, seal.DefaultSegmentSize)
		tell(map[string]any{"phase": "upload", "index": i, "count": count, "title": title, "done": 0, "size": float64(total)})
		return client.Transfer{Seen: &seen, Progress: func(n int64) {
			tell(map[string]any{"phase": "upload", "index": i, "count": count, "title": title, "done": float64(n), "size": float64(total)})
		}}
	})
	if err != nil {
		return nil, err
	}
	return text(map[string]any{"documents": len(arc.Documents), "entries": len(arc.Entries), "added": res.Added, "skipped": res.Skipped, "seen": seen.Manifests[c.RecordID]})
}

// counting tells how many bytes went through.
type counting struct {
	w    io.Writer
	n    int64
	last int64
	tell func(int64)
}

func (c *counting) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if c.n-c.last >= 1<<20 {
		c.last = c.n
		c.tell(c.n)
	}
	return n, err
}

// memStage stages a study's content in memory: the browser gives a
// WebAssembly module no file system. A study is held once, while its
// instances are written (decision 0049).
type memStage struct{ b []byte }

func (m *memStage) Write(p []byte) (int, error) { m.b = append(m.b, p...); return len(p), nil }

func (m *memStage) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memStage) Close() error { m.b = nil; return nil }

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// jsWriter hands what is written to sink.write in pieces of 1 MiB and
// waits for each promise, so the archive streams to its file (the
// browser's file picker) or to a Blob without growing in this module.
type jsWriter struct {
	sink js.Value
	buf  []byte
}

const piece = 1 << 20

func (w *jsWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if w.buf == nil {
			w.buf = make([]byte, 0, piece)
		}
		k := min(len(p), piece-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == piece {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *jsWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	u := js.Global().Get("Uint8Array").New(len(w.buf))
	js.CopyBytesToJS(u, w.buf)
	w.buf = w.buf[:0]
	return await(w.sink.Call("write", u))
}

// await waits for a promise; a rejection is the error export_write_failed.
func await(p js.Value) error {
	done := make(chan error, 1)
	var ok, fail js.Func
	ok = js.FuncOf(func(js.Value, []js.Value) any { done <- nil; return nil })
	fail = js.FuncOf(func(_ js.Value, e []js.Value) any {
		done <- akte.R("export.write", akte.KindUnavailable, "export_write_failed", nil, "the archive could not be written")
		return nil
	})
	p.Call("then", ok, fail)
	err := <-done
	ok.Release()
	fail.Release()
	return err
}

// jsFile reads a File in place (FileReaderSync, which a worker has):
// the archive is never copied whole into memory.
type jsFile struct {
	file   js.Value
	reader js.Value
}

func (f *jsFile) ReadAt(p []byte, off int64) (int, error) {
	size := int64(f.file.Get("size").Float())
	if off >= size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), size)
	if f.reader.IsUndefined() {
		f.reader = js.Global().Get("FileReaderSync").New()
	}
	buf := f.reader.Call("readAsArrayBuffer", f.file.Call("slice", float64(off), float64(end)))
	n := js.CopyBytesToGo(p, js.Global().Get("Uint8Array").New(buf))
	if int64(n) < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}
