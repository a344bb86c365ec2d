package client

import (
	"context"
	"io"

	"github.com/akte/akte"
	"github.com/akte/akte/archive"
	"github.com/akte/akte/client/core"
)

// ExportDocuments lists every item of the record (older versions too) as
// an archive.Document whose Write downloads and decrypts it (checked
// against the digest sealed in its metadata), category names in lang. An
// item whose key or metadata does not open fails the export: an archive
// that silently lacks a document is worse than none.
//
// The list is held against the record's sealed manifest (CheckManifest) and
// the version chains: a document the server withholds or a chain it bent
// fails the export with the problem's reason.
func (c *API) ExportDocuments(ctx context.Context, rec *core.Record, seen *Seen, lang string) ([]archive.Document, error) {
	its, err := c.Items(ctx, "")
	if err != nil {
		return nil, err
	}
	docs := make([]archive.Document, 0, len(its))
	metas := map[string]core.Meta{}
	for _, it := range its {
		key, m, err := rec.OpenItem(it)
		if err != nil {
			return nil, err
		}
		metas[it.ID] = m
		name := it.Category
		if cat, ok := akte.CategoryByID(akte.CategoryID(it.Category)); ok {
			name = cat.NameDE
			if lang == "en" {
				name = cat.NameEN
			}
		}
		it := it
		docs = append(docs, archive.Document{ID: it.ID, Category: it.Category, CategoryName: name, Meta: m, Created: it.CreatedAt, CreatedBy: it.CreatedBy,
			Write: func(ctx context.Context, w io.Writer) error { return c.Download(ctx, &it, key, m, w, Transfer{}) }})
	}
	for _, err := range core.ChainProblems(its, metas) {
		return nil, err
	}
	problems, err := c.CheckManifest(ctx, rec, seen, its, metas, "")
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		return nil, p.Err
	}
	return docs, nil
}
