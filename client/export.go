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
//
// Structured entries (the newest version of each) come as archive.Entry;
// the record's profile is not exported (its services are switched on
// again after an import).
func (c *API) ExportDocuments(ctx context.Context, rec *core.Record, seen *Seen, lang string) ([]archive.Document, []archive.Entry, error) {
	its, err := c.Items(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	docs := make([]archive.Document, 0, len(its))
	var entries []archive.Entry
	metas := map[string]core.Meta{}
	replaced := map[string]bool{}
	for _, it := range its {
		key, m, err := rec.OpenItem(it)
		if err != nil {
			return nil, nil, err
		}
		metas[it.ID] = m
		if m.Entry != "" || m.Profile != "" {
			if m.Entry != "" {
				entries = append(entries, archive.Entry{ID: it.ID, Category: it.Category, JSON: []byte(m.Entry)})
				replaced[core.VerifiedReplaces(it, m)] = true
			}
			continue
		}
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
		return nil, nil, err
	}
	problems, err := c.CheckManifest(ctx, rec, seen, its, metas, "")
	if err != nil {
		return nil, nil, err
	}
	for _, p := range problems {
		return nil, nil, p.Err
	}
	newest := entries[:0]
	for _, e := range entries {
		if !replaced[e.ID] {
			newest = append(newest, e)
		}
	}
	return docs, newest, nil
}
