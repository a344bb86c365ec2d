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
// between. seen is the highest counter this client has seen for the
// record: a lower one is refused (list_rolled_back), so no write builds on
// a list the server rolled back. A record without a manifest gets its
// first from the whole listing. It returns the new counter.
func (c *API) UpdateManifest(ctx context.Context, rec *core.Record, seen int64, change func(*core.Manifest)) (int64, error) {
	for try := 1; ; try++ {
		mf, err := c.Manifest(ctx)
		if err != nil {
			return 0, err
		}
		m, err := rec.LoadManifest(seen, mf.Counter, mf.Manifest, func() ([]wire.Item, map[string]core.Meta, error) { return c.listing(ctx, rec) })
		if err != nil {
			return 0, err
		}
		change(m)
		blob, err := rec.SealManifest(m, mf.Counter+1)
		if err != nil {
			return 0, err
		}
		n, err := c.SwapManifest(ctx, wire.ManifestSwap{Expect: mf.Counter, Manifest: blob})
		if err == nil || !akte.Is(err, akte.KindConflict) || try == manifestTries {
			return n, err
		}
	}
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
