package client

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/akte/akte/archive"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/dicom"
	"github.com/akte/akte/fhir"
)

// importEntries adds the archive's structured entries, each checked as an
// entry typed by hand is (health.Parse), with its exported id as origin.
func (c *API) importEntries(ctx context.Context, rec *core.Record, a *archive.Archive, have map[string]string, transfer func(string, int64) Transfer, res *ImportResult) error {
	for _, e := range a.Entries {
		if _, ok := have[e.ID]; ok {
			res.Skipped++
			continue
		}
		r, data, err := health.Parse(e.JSON, fhir.Context{Today: time.Now()})
		if err != nil {
			return err
		}
		m := core.Meta{Title: health.Title(r), Type: r.ResourceType(), Date: dateOnly(health.Date(r)), Entry: core.RawJSON(data), Origin: e.ID}
		m.Replaces, m.Version = core.NextVersion("", core.Meta{})
		it, err := c.putEntry(ctx, rec, transfer(m.Title, 0).Seen, e.Category, m, "")
		if err != nil {
			return err
		}
		have[e.ID] = it.ID
		res.Added = append(res.Added, it.ID)
	}
	return nil
}

// ImportResult says what an import did.
type ImportResult struct {
	Added   []string `json:"added"`   // new item ids, in the archive's order
	Skipped int      `json:"skipped"` // documents the record holds already
}

// ImportArchive adds the documents of an export archive to the record, in
// the archive's order, as new items under the record's keys: a newer
// version as the new version of the imported older one, a study rebuilt
// from its instances. A document the record holds already (an item of the
// same id, or one imported from it before: Meta.Origin) is skipped, so
// running an import again adds nothing, and an interrupted import goes on
// where it stopped (the upload plans are kept under the archive's ids).
// transfer returns the Transfer settings for a document's upload.
func (c *API) ImportArchive(ctx context.Context, rec *core.Record, a *archive.Archive, plans Plans, transfer func(title string, size int64) Transfer) (*ImportResult, error) {
	its, err := c.Items(ctx, "")
	if err != nil {
		return nil, err
	}
	have := map[string]string{}     // exported id -> item id here
	metas := map[string]core.Meta{} // item id -> its metadata
	for _, it := range its {
		_, m, err := rec.OpenItem(it)
		if err != nil {
			return nil, err
		}
		metas[it.ID] = m
		have[it.ID] = it.ID
		if m.Origin != "" {
			have[m.Origin] = it.ID
		}
	}
	res := &ImportResult{Added: []string{}}
	if err := c.importEntries(ctx, rec, a, have, transfer, res); err != nil {
		return nil, err
	}
	for _, d := range a.Documents {
		if _, ok := have[d.ID]; ok {
			res.Skipped++
			continue
		}
		m := d.Meta
		m.Origin = d.ID
		replaces := ""
		if m.Replaces != "" {
			replaces = have[m.Replaces]
		}
		m.Replaces, m.Version = core.NextVersion(replaces, metas[replaces])
		f := File{Key: strings.Join([]string{"import", d.ID, d.Category}, "\x00")}
		if d.Study {
			st, err := a.Study(d)
			if err != nil {
				return nil, err
			}
			item, err := dicom.NewStudyItem(st)
			if err != nil {
				return nil, err
			}
			f.Size, f.Open = item.Size(), item.Open
		} else {
			zf := d.Files[0]
			f.Size, f.Open = int64(zf.UncompressedSize64), func() (io.ReadCloser, error) { return zf.Open() }
		}
		it, err := c.Upload(ctx, rec, f, d.Category, m, replaces, plans, transfer(m.Title, f.Size))
		if err != nil {
			return nil, err
		}
		have[d.ID], metas[it.ID] = it.ID, m
		res.Added = append(res.Added, it.ID)
	}
	return res, nil
}
