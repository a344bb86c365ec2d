//go:build js && wasm

package main

import (
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// openListing opens the record and the metadata of the items of a
// listing (items that do not open are left out, as ChainProblems takes
// them).
func openListing(a obj) (*core.Record, []wire.Item, map[string]core.Meta, error) {
	rec, err := core.OpenRecord(a.key("umk"), a.get("record").record())
	if err != nil {
		return nil, nil, nil, err
	}
	var items []wire.Item
	metas := map[string]core.Meta{}
	for _, o := range a.get("items").list() {
		it := o.item()
		items = append(items, it)
		if _, m, err := rec.OpenItem(it); err == nil {
			metas[it.ID] = m
		}
	}
	return rec, items, metas, nil
}

// checkManifest compares a listing with the record's manifest
// (core.CheckListing): {problems: [{id, error}], write} where write, if
// not null, is the manifest to store under counter+1.
func checkManifest(a obj) (any, error) {
	rec, items, metas, err := openListing(a)
	if err != nil {
		return nil, err
	}
	counter := a.int("counter")
	problems, m := rec.CheckListing(a.int("seen"), counter, a.bytes("manifest"), items, metas, a.str("category"))
	out := map[string]any{"problems": []any{}, "write": nil}
	var ps []any
	for _, p := range problems {
		ps = append(ps, map[string]any{"id": p.ID, "error": reply(nil, p.Err).Get("error")})
	}
	if ps != nil {
		out["problems"] = ps
	}
	if m != nil {
		b, err := rec.SealManifest(m, counter+1)
		if err != nil {
			return nil, err
		}
		out["write"] = b64(b)
	}
	return out, nil
}

// updateManifest applies changes [{id, category, version, state}] to the
// manifest the server answered (counter, manifest; seen as the highest
// counter this browser has seen; items, the whole listing, needed only if
// there is no manifest yet) and returns it sealed for counter+1.
func updateManifest(a obj) (any, error) {
	rec, items, metas, err := openListing(a)
	if err != nil {
		return nil, err
	}
	counter := a.int("counter")
	m, err := rec.LoadManifest(a.int("seen"), counter, a.bytes("manifest"), func() ([]wire.Item, map[string]core.Meta, error) { return items, metas, nil })
	if err != nil {
		return nil, err
	}
	for _, c := range a.get("changes").list() {
		m.Set(c.str("id"), c.str("category"), c.int("version"), c.str("state"))
	}
	b, err := rec.SealManifest(m, counter+1)
	return b64(b), err
}
