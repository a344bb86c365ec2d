package client

import (
	"context"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// manifestTries bounds how often a manifest update is tried again after
// another client wrote in between.
const manifestTries = 50

// UpdateManifest applies change to the record's manifest and stores it,
// reading it again and applying change anew when another client wrote in
// between. seen holds the highest counter this client has seen for the
// record: a lower one is refused (list_rolled_back), so no write builds on
// a list the server rolled back; the new one is remembered there. A record
// without a manifest gets its first from the whole listing.
func (c *API) UpdateManifest(ctx context.Context, rec *core.Record, seen *Seen, change func(*core.Manifest)) error {
	id := rec.Info.Keys.RecordID
	for try := 1; ; try++ {
		mf, err := c.Manifest(ctx)
		if err != nil {
			return err
		}
		m, err := rec.LoadManifest(seen.Manifests[id], mf.Counter, mf.Manifest, func() ([]wire.Item, map[string]core.Meta, error) { return c.listing(ctx, rec) })
		if err != nil {
			return err
		}
		change(m)
		blob, err := rec.SealManifest(m, mf.Counter+1)
		if err != nil {
			return err
		}
		n, err := c.SwapManifest(ctx, wire.ManifestSwap{Expect: mf.Counter, Manifest: blob})
		if err == nil {
			seen.SeeManifest(id, n)
		}
		if err == nil || !akte.Is(err, akte.KindConflict) || try == manifestTries {
			return err
		}
	}
}

// DeleteItemNoted deletes an item as DeleteItem does, marked in the
// record's manifest as begun before and as done after (seen as for
// UpdateManifest).
func (c *API) DeleteItemNoted(ctx context.Context, rec *core.Record, seen *Seen, id string) error {
	mark := func(state string) error {
		return c.UpdateManifest(ctx, rec, seen, func(m *core.Manifest) { m.Set(id, "", 0, state) })
	}
	if err := mark(core.Deleting); err != nil {
		return err
	}
	if err := c.DeleteItem(ctx, id); err != nil {
		return err
	}
	return mark(core.Deleted)
}

// Describe gives an item of the record a new description: edit changes
// the sealed metadata as read (title, type, date, source, comment; what is
// bound to the content stays, core.Record.Describe), and a category that
// is not empty and not the item's own moves it there, noted in the
// manifest after the server took it (seen as for UpdateManifest). It
// returns the changed item and the metadata sealed with it.
func (c *API) Describe(ctx context.Context, rec *core.Record, seen *Seen, id string, edit func(*core.Meta), category string) (*wire.Item, core.Meta, error) {
	it, err := c.Item(ctx, id)
	if err != nil {
		return nil, core.Meta{}, err
	}
	if err := core.Expect("item", id, it.ID); err != nil {
		return nil, core.Meta{}, err
	}
	_, m, err := rec.OpenItem(*it)
	if err != nil {
		return nil, m, err
	}
	edit(&m)
	ch, m, err := rec.Describe(*it, m, category)
	if err != nil {
		return nil, m, err
	}
	out, err := c.ChangeItemMeta(ctx, id, ch)
	if err != nil {
		return nil, m, err
	}
	if err := core.Expect("item", id, out.ID); err != nil {
		return nil, m, err
	}
	if ch.Category != "" {
		err = c.UpdateManifest(ctx, rec, seen, func(mf *core.Manifest) { mf.Set(id, ch.Category, m.Version, core.Live) })
	}
	return out, m, err
}

// listing lists and opens every item of the record.
func (c *API) listing(ctx context.Context, rec *core.Record) ([]wire.Item, map[string]core.Meta, error) {
	its, err := c.Items(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	metas := map[string]core.Meta{}
	for _, it := range its {
		_, meta, err := rec.OpenItem(it)
		if err != nil {
			return nil, nil, err
		}
		metas[it.ID] = meta
	}
	return its, metas, nil
}

// CheckManifest compares a listing with the record's manifest
// (core.Record.CheckListing; seen is the highest counter this client has
// seen) and stores the manifest CheckListing makes or settles (another
// client's write in between wins; the next listing settles). It returns
// the problems and remembers the counter in seen (unless the whole list
// has a problem).
func (c *API) CheckManifest(ctx context.Context, rec *core.Record, seen *Seen, its []wire.Item, metas map[string]core.Meta, category string) ([]core.Problem, error) {
	id := rec.Info.Keys.RecordID
	mf, err := c.Manifest(ctx)
	if err != nil {
		return nil, err
	}
	problems, m := rec.CheckListing(seen.Manifests[id], mf.Counter, mf.Manifest, its, metas, category)
	if len(problems) > 0 && problems[0].ID == "" {
		return problems, nil
	}
	n := mf.Counter
	if m != nil {
		blob, err := rec.SealManifest(m, mf.Counter+1)
		if err != nil {
			return nil, err
		}
		if n, err = c.SwapManifest(ctx, wire.ManifestSwap{Expect: mf.Counter, Manifest: blob}); akte.Is(err, akte.KindConflict) {
			n = mf.Counter
		} else if err != nil {
			return nil, err
		}
	}
	seen.SeeManifest(id, n)
	return problems, nil
}
