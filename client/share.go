package client

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// ShareSpec is a share as a person asks for it (akte share create).
type ShareSpec struct {
	Items    []string
	Code     bool
	Password string // empty: none
	Expires  *time.Time
}

// CreatedShare is a new share with what only the patient's client ever
// knows: the link, and the access code for a code share.
type CreatedShare struct {
	Share *wire.Share
	Link  string
	Code  string // XXXX-XXXX-XXXX, for a code share
}

// CreateShare draws the share's secret, derives its id, key and proof
// (core.ShareKeys), wraps each item's key under the share key and stores
// the share. The secret never leaves this function but in the link.
func (c *API) CreateShare(ctx context.Context, rec *core.Record, s ShareSpec) (*CreatedShare, error) {
	var its []wire.Item
	for _, id := range s.Items {
		it, err := c.Item(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := core.Expect("item", id, it.ID); err != nil {
			return nil, err
		}
		its = append(its, *it)
	}
	sec := core.NewShareSecret(s.Code)
	id, key, proof, err := core.ShareKeys(sec.Secret, s.Password)
	if err != nil {
		return nil, err
	}
	slots, err := rec.ShareItemKeys(key, its)
	if err != nil {
		return nil, err
	}
	req := wire.ShareRequest{ID: id, Code: s.Code, Password: s.Password != "", ExpiresAt: s.Expires, Proof: proof, Items: slots}
	var out wire.Share
	if _, err := c.do(ctx, "POST", c.rec()+"/shares", req, &out, nil); err != nil {
		return nil, err
	}
	cs := &CreatedShare{Share: &out, Link: core.ShareLink(c.Base, sec.Text)}
	if s.Code {
		cs.Code = sec.Text
	}
	return cs, nil
}

// Shares is GET /api/v1/records/{rid}/shares.
func (c *API) Shares(ctx context.Context) ([]wire.Share, error) {
	var out []wire.Share
	_, err := c.do(ctx, "GET", c.rec()+"/shares", nil, &out, nil)
	return out, err
}

// RevokeShare is DELETE /api/v1/records/{rid}/shares/{sid}.
func (c *API) RevokeShare(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", c.rec()+"/shares/"+esc(id), nil, nil, nil)
	return err
}

// OpenedShare is a share opened by a recipient: its items with their keys
// and metadata opened.
type OpenedShare struct {
	ID    string
	proof []byte
	Items []SharedItem
}

// SharedItem is one item of an opened share.
type SharedItem struct {
	Item wire.SharedItem
	Key  []byte
	Meta core.Meta
}

// OpenShare opens a share from its link or code and password, without an
// account: it derives id, key and proof, asks the server (POST
// /api/v1/shares/open) and opens each item's key and metadata.
func (c *API) OpenShare(ctx context.Context, secret core.ShareSecret, password string) (*OpenedShare, error) {
	id, key, proof, err := core.ShareKeys(secret.Secret, password)
	if err != nil {
		return nil, err
	}
	var out wire.OpenedShare
	if _, err := c.do(ctx, "POST", prefix+"/shares/open", wire.ShareOpen{ID: id, Proof: proof}, &out, nil); err != nil {
		return nil, err
	}
	if err := core.Expect("share", id, out.ID); err != nil {
		return nil, err
	}
	os := &OpenedShare{ID: id, proof: proof}
	for _, it := range out.Items {
		k, m, err := core.OpenSharedItem(key, it)
		if err != nil {
			return nil, err
		}
		os.Items = append(os.Items, SharedItem{Item: it, Key: k, Meta: m})
	}
	return os, nil
}

// DownloadShared writes a shared item's plaintext to w, checked like
// Download.
func (c *API) DownloadShared(ctx context.Context, sh *OpenedShare, it SharedItem, w io.Writer, t Transfer) error {
	src := &resumeReader{ctx: ctx, c: c, id: it.Item.ID, size: it.Item.Size, progress: t.Progress,
		fetch: func(from int64) (io.ReadCloser, int64, int, error) { return c.sharedContent(ctx, sh, it.Item.ID, from) }}
	return c.download(ctx, src, &wire.Item{ID: it.Item.ID, Size: it.Item.Size}, it.Key, it.Meta, w)
}

// sharedContent is GET /api/v1/shares/{id}/items/{item}/content.
func (c *API) sharedContent(ctx context.Context, sh *OpenedShare, item string, from int64) (io.ReadCloser, int64, int, error) {
	path := prefix + "/shares/" + esc(sh.ID) + "/items/" + esc(item) + "/content"
	op := "GET " + path
	req, err := http.NewRequestWithContext(ctx, "GET", c.Base+path, nil)
	if err != nil {
		return nil, 0, -1, badURL(op, err)
	}
	req.Header.Set("Accept", "application/octet-stream")
	req.Header.Set(wire.ShareProofHeader, base64.StdEncoding.EncodeToString(sh.proof))
	want := http.StatusOK
	if from > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
		want = http.StatusPartialContent
	}
	resp, status, err := c.stream(req)
	if err != nil {
		return nil, 0, status, err
	}
	if resp.StatusCode != want || (from > 0 && !strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", from))) {
		resp.Body.Close()
		return nil, 0, status, &akte.Error{Op: op, Kind: akte.KindUnavailable, Reason: "server_answer_unexpected", Params: map[string]any{"status": resp.StatusCode},
			Message: fmt.Sprintf("Unerwartete Antwort des Servers (HTTP %d).", resp.StatusCode)}
	}
	return resp.Body, resp.ContentLength, status, nil
}

// SavedFile is a shared item written to a file.
type SavedFile struct {
	ID    string `json:"id"`
	File  string `json:"file"`
	Title string `json:"title"`
	Size  int64  `json:"size"`
}

// SaveShare opens a share and writes each item's plaintext into dir under
// its file name (made safe and unique), each whole or not at all.
func SaveShare(ctx context.Context, c *API, secret core.ShareSecret, password, dir string) ([]SavedFile, error) {
	sh, err := c.OpenShare(ctx, secret, password)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	out := []SavedFile{}
	used := map[string]bool{}
	for _, it := range sh.Items {
		name := safeFileName(it.Meta.FileName, it.Item.ID)
		for i := 2; used[name] || exists(filepath.Join(dir, name)); i++ {
			ext := filepath.Ext(name)
			name = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(safeFileName(it.Meta.FileName, it.Item.ID), ext), i, ext)
		}
		used[name] = true
		path := filepath.Join(dir, name)
		tmp, err := os.CreateTemp(dir, ".akte-share-*")
		if err != nil {
			return nil, err
		}
		err = c.DownloadShared(ctx, sh, it, tmp, Transfer{})
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return nil, err
		}
		out = append(out, SavedFile{ID: it.Item.ID, File: path, Title: it.Meta.Title, Size: it.Meta.Size})
	}
	return out, nil
}

// safeFileName keeps the base name of a file name someone else chose, or
// falls back to the item's id.
func safeFileName(name, id string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "" || name == "." || name == "/" || name == ".." || strings.HasPrefix(name, ".") {
		return id
	}
	return name
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
