package core

import (
	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Describe seals a new description m (title, type, date, source, comment)
// of a complete document with its item key, and, if category is neither
// empty nor the item's own, wraps the item key under the newest key of
// that category: a document is described anew, or moved, without its
// content being sent again (docs/decisions/0026). What is bound to the
// content (file name, media type, size, digest, the version chain, the
// thumbnail) is kept from the sealed metadata, whatever m says. It returns the change
// for PUT /api/v1/records/{rid}/items/{id}/meta, naming the item's meta_version as the
// one it replaces, and the metadata it sealed.
func (r *Record) Describe(it wire.Item, m Meta, category string) (wire.ItemMetaChange, Meta, error) {
	ch := wire.ItemMetaChange{Expect: it.MetaVersion}
	if m.Title == "" {
		return ch, m, akte.R("item.describe", akte.KindInvalid, "title_missing", nil, "Ein Dokument braucht einen Titel.")
	}
	key, old, err := r.OpenItem(it)
	if err != nil {
		return ch, m, err
	}
	m.FileName, m.MediaType, m.Size, m.Digest, m.Replaces, m.Version, m.Thumb = old.FileName, old.MediaType, old.Size, old.Digest, old.Replaces, old.Version, old.Thumb
	m.Origin = old.Origin
	if ch.MetaSealed, err = seal.SealSmall(key, metaAAD(it.ID), EncodeMeta(m)); err != nil {
		return ch, m, err
	}
	// An item still in the inbox (key version 0, added by a provider, an
	// app or the insurer) is filed under its category's key with its new
	// description (decision 0043): the web app files the inbox this way.
	if category == "" {
		category = it.Category
	}
	if category == it.Category && it.KeyVersion != 0 {
		return ch, m, nil
	}
	v, err := r.LatestVersion(category)
	if err != nil {
		return ch, m, err
	}
	ck, err := r.CategoryKey(category, v)
	if err != nil {
		return ch, m, err
	}
	if ch.KeySlot, err = seal.WrapKey(seal.ViaKey, ck, seal.ItemKey, it.ID, key); err != nil {
		return ch, m, err
	}
	ch.Category, ch.KeyVersion = category, v
	return ch, m, nil
}

// Described returns the fields of the metadata a patient describes a
// document with (title, type, date, source, comment; the rest is bound to
// the content), by their JSON names.
func (m *Meta) Described() map[string]*string {
	return map[string]*string{"title": &m.Title, "type": &m.Type, "date": &m.Date, "source": &m.Source, "comment": &m.Comment}
}
