package core

import (
	"crypto/subtle"
	"slices"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Grants (design §4.2, decision 0035): the patient's client wraps the keys
// a grant covers to the grantee's public key — every version of each
// covered category key, or each granted item's key; never the record
// master key, which wraps every future version — and wraps each new
// version made while a grant runs to it too. The grantee's client opens
// them with its account's private key.

// GrantableCategories returns the record's categories a grant may cover
// (all but the private one).
func GrantableCategories() []string {
	var out []string
	for _, c := range akte.Categories() {
		if c.Grants {
			out = append(out, string(c.ID))
		}
	}
	return out
}

func grantable(category string) bool {
	c, ok := akte.CategoryByID(akte.CategoryID(category))
	return ok && c.Grants
}

// GrantCategoryKeys wraps every version of each category's key to the
// grantee's public key. The private category is refused.
func (r *Record) GrantCategoryKeys(granteePub []byte, categories []string) ([]wire.GrantKey, error) {
	var out []wire.GrantKey
	for _, c := range categories {
		if !grantable(c) {
			return nil, akte.R("grant.keys", akte.KindInvalid, "category_not_grantable", map[string]any{"category": c},
				sprintf("Die Kategorie %q kann nicht freigegeben werden.", c))
		}
		for _, ck := range r.Info.Keys.CategoryKeys {
			if ck.Category != c {
				continue
			}
			k, err := r.CategoryKey(c, ck.Version)
			if err != nil {
				return nil, err
			}
			id := seal.CategoryKeyID(r.Info.Keys.RecordID, c, ck.Version)
			slot, err := seal.WrapKey(seal.ViaPublicKey, granteePub, seal.CategoryKey, id, k)
			if err != nil {
				return nil, err
			}
			out = append(out, wire.GrantKey{ID: id, Slot: slot})
		}
	}
	return out, nil
}

// GrantItemKeys wraps each item's key to the grantee's public key.
func (r *Record) GrantItemKeys(granteePub []byte, items []wire.Item) ([]wire.GrantKey, error) {
	var out []wire.GrantKey
	for _, it := range items {
		if !grantable(it.Category) {
			return nil, akte.R("grant.keys", akte.KindInvalid, "category_not_grantable", map[string]any{"category": it.Category},
				sprintf("Die Kategorie %q kann nicht freigegeben werden.", it.Category))
		}
		key, _, err := r.OpenItem(it)
		if err != nil {
			return nil, err
		}
		slot, err := seal.WrapKey(seal.ViaPublicKey, granteePub, seal.ItemKey, it.ID, key)
		if err != nil {
			return nil, err
		}
		out = append(out, wire.GrantKey{ID: it.ID, Slot: slot})
	}
	return out, nil
}

// GrantCovers says whether a grant hands out the keys of a category.
func GrantCovers(g wire.Grant, category string) bool {
	switch g.Scope {
	case string(akte.ScopeRecord):
		return grantable(category)
	case string(akte.ScopeCategories):
		return slices.Contains(g.Categories, category)
	}
	return false
}

// RotateCategory makes the next version of a category key (lazy rotation
// after a grant ended: new items go under a key no former grantee holds),
// wrapped under the RMK and to every running grant that covers the
// category unless the category is hidden from its grantee (hidden), and
// adds it to the opened record so that new items use it.
func (r *Record) RotateCategory(category string, grants []wire.Grant, hidden func(grantee, category string) bool) (*wire.CategoryKeyAdd, error) {
	v, err := r.LatestVersion(category)
	if err != nil {
		return nil, err
	}
	id := seal.CategoryKeyID(r.Info.Keys.RecordID, category, v+1)
	k := seal.NewKey()
	slot, err := seal.WrapKey(seal.ViaKey, r.rmk, seal.CategoryKey, id, k)
	if err != nil {
		return nil, err
	}
	add := &wire.CategoryKeyAdd{Category: category, Version: v + 1, KeyByRMK: slot, GrantKeys: map[string]wire.GrantKey{}}
	for _, g := range grants {
		if !g.Active || g.RecordID != r.Info.Keys.RecordID || !GrantCovers(g, category) || hidden(g.Grantee, category) {
			continue
		}
		gs, err := seal.WrapKey(seal.ViaPublicKey, g.GranteePublicKey, seal.CategoryKey, id, k)
		if err != nil {
			return nil, err
		}
		add.GrantKeys[g.ID] = wire.GrantKey{ID: id, Slot: gs}
	}
	r.Info.Keys.CategoryKeys = append(r.Info.Keys.CategoryKeys, wire.CategoryKey{Category: category, Version: v + 1, KeyByRMK: slot})
	r.cats[sprintf("%s/%d", category, v+1)] = k
	return add, nil
}

// inboxKey opens the key of an item added through the write-only inbox
// (key version 0: sealed to the record's public key) with the record's
// private key.
func (r *Record) inboxKey(it wire.Item) ([]byte, error) {
	priv, err := seal.UnwrapKey(seal.ViaKey, r.rmk, seal.RecordPrivateKey, r.Info.Keys.RecordID, r.Info.Keys.PrivateKeyByRMK)
	if err != nil {
		return nil, fail("record.private_key", "record_key_unopenable", nil, "Der private Schlüssel Ihrer Akte lässt sich nicht öffnen.", err)
	}
	return seal.UnwrapKey(seal.ViaPublicKey, priv, seal.ItemKey, it.ID, it.KeySlot)
}

// NewInboxItem prepares a document that a party without the category
// keys (a provider with "add") places into a record: a random item key
// sealed to the record's public key (key version 0), which only the
// patient opens, and the metadata sealed with it. recordPub must be a key
// the caller verified (PinRecordKey).
func NewInboxItem(recordID string, recordPub []byte, category string, m Meta) (*NewItem, error) {
	it := &NewItem{ID: randomID(), Category: category, Key: seal.NewKey()}
	var err error
	if it.KeySlot, err = seal.WrapKey(seal.ViaPublicKey, recordPub, seal.ItemKey, it.ID, it.Key); err != nil {
		return nil, err
	}
	if it.MetaSealed, err = seal.SealSmall(it.Key, metaAAD(it.ID), EncodeMeta(m)); err != nil {
		return nil, err
	}
	return it, nil
}

// PinRecordKey checks the record public key a grant carries against the
// one pinned for the record (nil: none yet, trust on first use; its
// fingerprint is shown so that the patient can confirm it). A different
// key is refused (record_key_changed): a server that swapped it would
// have every document this client adds sealed to a key of its own.
func PinRecordKey(pinned, got []byte) error {
	if len(got) == 0 || (pinned != nil && subtle.ConstantTimeCompare(pinned, got) != 1) {
		return akte.R("grant.record_key", akte.KindCrypto, "record_key_changed", nil,
			"Der öffentliche Schlüssel der Akte ist nicht der, den dieses Gerät kennt. Es wurde nichts hochgeladen.")
	}
	return nil
}

// Keyring is what a grantee holds of a record: the keys its running grants
// carry, opened with its private key.
type Keyring struct {
	RecordID  string
	RecordPub []byte
	keys      map[string][]byte // seal.CategoryKeyID or item id -> key
}

// OpenGrants opens the keys of the grantee's grants of one record.
func OpenGrants(priv []byte, recordID string, grants []wire.Grant) (*Keyring, error) {
	kr := &Keyring{RecordID: recordID, keys: map[string][]byte{}}
	for _, g := range grants {
		if g.RecordID != recordID {
			continue
		}
		if len(g.RecordPublicKey) > 0 {
			kr.RecordPub = g.RecordPublicKey
		}
		for _, k := range g.Keys {
			t := seal.ItemKey
			if g.Scope != string(akte.ScopeItems) {
				t = seal.CategoryKey
			}
			key, err := seal.UnwrapKey(seal.ViaPublicKey, priv, t, k.ID, k.Slot)
			if err != nil {
				return nil, fail("grant.open", "grant_key_unopenable", map[string]any{"key": k.ID},
					sprintf("Ein Schlüssel der Freigabe (%s) lässt sich nicht öffnen.", k.ID), err)
			}
			kr.keys[k.ID] = key
		}
	}
	return kr, nil
}

// Keys returns a copy of every key the keyring holds, by id (what a
// former grantee may have kept).
func (kr *Keyring) Keys() map[string][]byte {
	out := map[string][]byte{}
	for id, k := range kr.keys {
		out[id] = slices.Clone(k)
	}
	return out
}

// AddKeys adds keys (from Keys) to the keyring.
func (kr *Keyring) AddKeys(keys map[string][]byte) {
	for id, k := range keys {
		kr.keys[id] = k
	}
}

// OpenItem opens an item's key and metadata with a category key or the
// item key the grants carry.
func (kr *Keyring) OpenItem(it wire.Item) ([]byte, Meta, error) {
	var m Meta
	key, ok := kr.keys[it.ID]
	if !ok {
		ck, ok := kr.keys[seal.CategoryKeyID(kr.RecordID, it.Category, it.KeyVersion)]
		if !ok || it.KeyVersion == 0 {
			return nil, m, akte.R("item.open", akte.KindCrypto, "item_key_unopenable", map[string]any{"item": it.ID},
				sprintf("Der Schlüssel des Dokuments %s lässt sich nicht öffnen.", it.ID))
		}
		var err error
		if key, err = seal.UnwrapKey(seal.ViaKey, ck, seal.ItemKey, it.ID, it.KeySlot); err != nil {
			return nil, m, fail("item.open", "item_key_unopenable", map[string]any{"item": it.ID}, sprintf("Der Schlüssel des Dokuments %s lässt sich nicht öffnen.", it.ID), err)
		}
	}
	return key, m, openMeta(key, it, &m)
}

func openMeta(key []byte, it wire.Item, m *Meta) error {
	b, err := seal.OpenSmall(key, metaAAD(it.ID), it.MetaSealed)
	if err == nil {
		*m, err = DecodeMeta(b)
	}
	if err != nil {
		return fail("item.open", "item_meta_unopenable", map[string]any{"item": it.ID}, sprintf("Die Angaben zum Dokument %s lassen sich nicht öffnen.", it.ID), err)
	}
	return nil
}

// RMKSlot and PrivateKeySlot say what seal.SlotSealed needs to open the
// record master key of one's own record, or one's account private key,
// with the user master key (the browser's grants module has the core,
// which holds the UMK, open them; decision 0046).
func RMKSlot(k wire.RecordKeys) (seal.KeyType, string, []byte) {
	return seal.RecordMasterKey, k.RecordID, k.RMKByUMK
}

func PrivateKeySlot(k akte.KeyBundle) (seal.KeyType, string, []byte) {
	return seal.UserPrivateKey, userSlotID, k.PrivateKeyByUMK
}

// OpenRecordRMK opens one's own record with its record master key (as
// OpenRecord does after unwrapping it from the UMK).
func OpenRecordRMK(rmk []byte, info wire.Record) (*Record, error) {
	if err := checkPublicKey(rmk, seal.RecordPrivateKey, info.Keys.RecordID, info.Keys.PrivateKeyByRMK, info.Keys.PublicKey); err != nil {
		return nil, fail("record.open", "record_key_substituted", nil, "Der öffentliche Schlüssel Ihrer Akte passt nicht zu ihrem privaten Schlüssel.", err)
	}
	return &Record{Info: info, rmk: rmk, cats: map[string][]byte{}}, nil
}
