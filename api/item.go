package api

import (
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// rid is the record a record-scoped route names.
func rid(r *http.Request) akte.RecordID { return akte.RecordID(r.PathValue("rid")) }

func (a *API) handleRecordList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	rs, err := a.svc.Records(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := []wire.RecordAccess{}
	for _, x := range rs {
		out = append(out, wire.RecordAccess{RecordID: string(x.ID), Role: string(x.Role), OwnerEmail: x.OwnerEmail, OwnerKVNR: x.OwnerKVNR, OpensAt: x.OpensAt,
			Until: x.Until})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleRecordGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	info, err := a.svc.Record(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.Record{Keys: wire.RecordKeysOf(info.Record), RMKSlot: info.RMKSlot, Quota: info.Quota, Used: info.Used, Reserved: info.Reserved}
	for _, c := range info.Rotate {
		out.Rotate = append(out.Rotate, string(c))
	}
	for _, c := range info.Categories {
		out.Categories = append(out.Categories, wire.Category{ID: string(c.ID), NameDE: c.NameDE, NameEN: c.NameEN, Grants: c.Grants})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleManifestGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	n, b, err := a.svc.Manifest(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Manifest{Counter: n, Manifest: b})
}

func (a *API) handleManifestSwap(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.ManifestSwap
	// Base64 makes four bytes of three; a little room for the rest.
	if err := decodeMax(r, &req, service.MaxManifest/3*4+4096); err != nil {
		a.writeError(w, r, err)
		return
	}
	n, err := a.svc.SwapManifest(r.Context(), p, rid(r), req.Expect, req.Manifest)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Manifest{Counter: n})
}

func uploadOut(st *service.UploadStatus) wire.Upload {
	return wire.Upload{ID: string(st.Item.ID), State: string(st.Item.State), Size: st.Item.Size, ChunkSize: st.Item.ChunkSize, Chunks: st.Chunks}
}

func (a *API) handleUploadCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.UploadRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	st, err := a.svc.CreateUpload(r.Context(), p, rid(r), service.UploadRequest{
		ID: akte.ItemID(req.ID), Category: akte.CategoryID(req.Category), KeyVersion: req.KeyVersion, Size: req.Size,
		MetaSealed: req.MetaSealed, KeySlot: req.KeySlot, Replaces: akte.ItemID(req.Replaces),
		Kind: akte.ItemKind(req.Kind),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadOut(st))
}

func (a *API) handleUploadGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	st, err := a.svc.Upload(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, uploadOut(st))
}

// handleUploadChunk streams the body into the blob store; the service
// reads exactly the chunk's length, so the body's size is bounded.
func (a *API) handleUploadChunk(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	const op = "api.chunk"
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		a.writeError(w, r, errContentType(op, "application/octet-stream"))
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 {
		a.writeError(w, r, akte.R(op, akte.KindInvalid, "chunk_number_invalid", nil, ""))
		return
	}
	if err := a.svc.PutChunk(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")), n, r.Body); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleUploadComplete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	it, err := a.svc.CompleteUpload(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ItemOf(it))
}

// defaultPage is the page size of a listing that names a cursor but no
// limit.
const defaultPage = 100

// handleItemList answers the whole listing, or with limit or after one
// page of it; a page that is not the last names the next in a Link
// header (RFC 8288, rel="next"), as GitHub's API does, so the body stays a
// plain array.
func (a *API) handleItemList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	q := r.URL.Query()
	category := akte.CategoryID(q.Get("category"))
	var (
		items iter.Seq2[*akte.Item, error]
		next  = func() string { return "" }
		limit = defaultPage
	)
	if !q.Has("limit") && !q.Has("after") {
		its, err := a.svc.Items(r.Context(), p, rid(r), category)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		items = func(yield func(*akte.Item, error) bool) {
			for _, it := range its {
				if !yield(it, nil) {
					return
				}
			}
		}
	} else {
		if q.Has("limit") {
			var err error
			if limit, err = strconv.Atoi(q.Get("limit")); err != nil {
				a.writeError(w, r, service.ErrLimit("api.items"))
				return
			}
		}
		page, err := a.svc.ItemsPage(r.Context(), p, rid(r), category, q.Get("after"), limit)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		items, next = page.Items, page.Next
	}
	l := newItemList()
	defer l.release()
	for it, err := range items {
		if err == nil {
			err = l.add(it) // while the item is valid
		}
		if err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	if after := next(); after != "" {
		nq := url.Values{"limit": {strconv.Itoa(limit)}, "after": {after}}
		if category != "" {
			nq.Set("category", string(category))
		}
		w.Header().Set("Link", "</api/v1/records/"+url.PathEscape(r.PathValue("rid"))+"/items?"+nq.Encode()+`>; rel="next"`)
	}
	l.write(w)
}

func (a *API) handleItemGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	it, err := a.svc.Item(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ItemOf(it))
}

// handleItemContent streams the ciphertext. It understands one Range of
// the form bytes=FROM- or bytes=FROM-TO, enough to resume a download; a
// range that starts at or beyond the end answers 416 with the size.
func (a *API) handleItemContent(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	a.serveContent(w, r, func(from int64) (*akte.Item, contentReader, error) {
		return a.svc.ItemContent(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")), from)
	})
}

// contentReader is an item's ciphertext from an offset on.
type contentReader = io.ReadCloser

// serveContent streams what open returns for the request's Range (an
// item's or a shared item's ciphertext).
func (a *API) serveContent(w http.ResponseWriter, r *http.Request, open func(from int64) (*akte.Item, contentReader, error)) {
	from, to, ranged := int64(0), int64(-1), false
	if h := r.Header.Get("Range"); h != "" {
		f, t, ok := parseRange(h)
		if !ok {
			a.writeError(w, r, akte.R("api.content", akte.KindInvalid, "range_unsupported", nil, ""))
			return
		}
		from, to, ranged = f, t, true
	}
	it, rc, err := open(from)
	if reason, params := akte.ReasonOf(err); reason == "range_not_satisfiable" {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", params["size"]))
		a.writeErrorStatus(w, r, http.StatusRequestedRangeNotSatisfiable, err)
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	defer rc.Close()
	if to < 0 || to >= it.Size {
		to = it.Size - 1
	}
	n := to - from + 1
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	status := http.StatusOK
	if ranged {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to, it.Size))
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	cw := &clientWriter{w: w}
	if _, err := io.CopyN(cw, rc, n); err != nil {
		// The status is sent; cutting the connection short is how the
		// client learns of it. A hang-up shows as a failed write, or
		// (when the blob store reads with the request's context, as S3
		// does) as the read failing first because the context ended.
		if cw.err != nil || r.Context().Err() != nil {
			a.log.Info("client went away", "method", r.Method, "route", r.Pattern)
			if sw, ok := w.(*statusWriter); ok {
				sw.status = statusClientGone
			}
		} else {
			a.log.Warn("item content cut short", "err", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// clientWriter remembers whether a write to the client failed, which
// tells a client's hang-up from a failing blob store.
type clientWriter struct {
	w   io.Writer
	err error
}

func (c *clientWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

func parseRange(h string) (from, to int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	f, t, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	from, err := strconv.ParseInt(f, 10, 64)
	if err != nil || from < 0 {
		return 0, 0, false
	}
	if t == "" {
		return from, -1, true
	}
	to, err = strconv.ParseInt(t, 10, 64)
	if err != nil || to < from {
		return 0, 0, false
	}
	return from, to, true
}

func (a *API) handleItemMetaChange(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.ItemMetaChange
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	it, err := a.svc.ChangeItemMeta(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id")), service.MetaChange{
		Expect: req.Expect, MetaSealed: req.MetaSealed, Category: akte.CategoryID(req.Category), KeyVersion: req.KeyVersion, KeySlot: req.KeySlot,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ItemOf(it))
}

func (a *API) handleItemDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.DeleteItem(r.Context(), p, rid(r), akte.ItemID(r.PathValue("id"))); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
