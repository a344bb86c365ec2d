package core

import (
	"crypto/rand"
	"encoding/base32"
	"maps"
	"slices"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// randomID returns a random id of 26 lower-case base32 characters (128
// bits), the form the server expects of record and item ids.
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// NewRecordKeys creates the keys of a new record (design §4.1): a record
// master key wrapped under the user master key, the record key pair with
// its private key wrapped under the RMK, and version 1 of every category
// key wrapped under the RMK.
func NewRecordKeys(umk []byte) (*wire.RecordKeys, error) {
	id := randomID()
	rmk := seal.NewKey()
	rk := &wire.RecordKeys{RecordID: id}
	var err error
	if rk.RMKByUMK, err = seal.WrapKey(seal.ViaKey, umk, seal.RecordMasterKey, id, rmk); err != nil {
		return nil, err
	}
	pub, priv, err := seal.NewKeyPair()
	if err != nil {
		return nil, err
	}
	rk.PublicKey = pub
	if rk.PrivateKeyByRMK, err = seal.WrapKey(seal.ViaKey, rmk, seal.RecordPrivateKey, id, priv); err != nil {
		return nil, err
	}
	for _, c := range akte.Categories() {
		slot, err := seal.WrapKey(seal.ViaKey, rmk, seal.CategoryKey, seal.CategoryKeyID(id, string(c.ID), 1), seal.NewKey())
		if err != nil {
			return nil, err
		}
		rk.CategoryKeys = append(rk.CategoryKeys, wire.CategoryKey{Category: string(c.ID), Version: 1, KeyByRMK: slot})
	}
	return rk, nil
}

// Record is an opened record: it holds the record master key and opens
// category and item keys on demand.
type Record struct {
	Info wire.Record
	rmk  []byte
	cats map[string][]byte // "category/version" -> category key
}

// OpenRecord opens the record master key with the user master key and
// checks the record's public key against the private key sealed under it.
func OpenRecord(umk []byte, info wire.Record) (*Record, error) {
	rmk, err := seal.UnwrapKey(seal.ViaKey, umk, seal.RecordMasterKey, info.Keys.RecordID, info.Keys.RMKByUMK)
	if err != nil {
		return nil, fail("record.open", "record_key_unopenable", nil, "Der Schlüssel Ihrer Akte lässt sich mit Ihrem Kontoschlüssel nicht öffnen.", err)
	}
	if err := checkPublicKey(rmk, seal.RecordPrivateKey, info.Keys.RecordID, info.Keys.PrivateKeyByRMK, info.Keys.PublicKey); err != nil {
		return nil, fail("record.open", "record_key_substituted", nil, "Der öffentliche Schlüssel Ihrer Akte passt nicht zu ihrem privaten Schlüssel.", err)
	}
	return &Record{Info: info, rmk: rmk, cats: map[string][]byte{}}, nil
}

// CategoryKey returns one version of a category key.
func (r *Record) CategoryKey(category string, version uint32) ([]byte, error) {
	name := sprintf("%s/%d", category, version)
	if k, ok := r.cats[name]; ok {
		return k, nil
	}
	for _, ck := range r.Info.Keys.CategoryKeys {
		if ck.Category == category && ck.Version == version {
			k, err := seal.UnwrapKey(seal.ViaKey, r.rmk, seal.CategoryKey, seal.CategoryKeyID(r.Info.Keys.RecordID, category, version), ck.KeyByRMK)
			if err != nil {
				return nil, fail("record.category_key", "category_key_unopenable", map[string]any{"category": category, "version": version},
					sprintf("Der Schlüssel der Kategorie %q (Version %d) lässt sich nicht öffnen.", category, version), err)
			}
			r.cats[name] = k
			return k, nil
		}
	}
	return nil, akte.R("record.category_key", akte.KindNotFound, "category_key_version_unknown", map[string]any{"category": category, "version": version},
		sprintf("Die Kategorie %q hat keinen Schlüssel der Version %d.", category, version))
}

// LatestVersion returns the newest key version of a category, or an error
// of KindInvalid naming the known categories.
func (r *Record) LatestVersion(category string) (uint32, error) {
	var v uint32
	for _, ck := range r.Info.Keys.CategoryKeys {
		if ck.Category == category && ck.Version > v {
			v = ck.Version
		}
	}
	if v == 0 {
		var ids []string
		for _, c := range r.Info.Categories {
			ids = append(ids, c.ID)
		}
		return 0, akte.R("record.category", akte.KindInvalid, "category_unknown", map[string]any{"category": category, "known": strings.Join(ids, ", ")},
			sprintf("Unbekannte Kategorie %q. Bekannt sind: %s.", category, strings.Join(ids, ", ")))
	}
	return v, nil
}

// KeyVersions authenticates the newest key version the record lists for
// each category (its slot must open under the RMK, so the server cannot
// make up a version) and compares it with the highest version this client
// has seen (seen, by category; nil if none). A lower one is refused with
// the reason category_key_rollback: after a rotation, a server that
// withholds the new version would have new items sealed under a key that
// a revoked grantee still holds. It returns the versions to remember.
func (r *Record) KeyVersions(seen map[string]uint32) (map[string]uint32, error) {
	latest := map[string]uint32{}
	for _, ck := range r.Info.Keys.CategoryKeys {
		latest[ck.Category] = max(latest[ck.Category], ck.Version)
	}
	for _, c := range slices.Sorted(maps.Keys(latest)) {
		if _, err := r.CategoryKey(c, latest[c]); err != nil {
			return nil, err
		}
	}
	for _, c := range slices.Sorted(maps.Keys(seen)) {
		if latest[c] < seen[c] {
			return nil, akte.R("record.key_versions", akte.KindCrypto, "category_key_rollback", map[string]any{"category": c, "seen": seen[c], "got": latest[c]},
				sprintf("Der Server zeigt für die Kategorie %q nur Schlüssel bis Version %d; dieses Gerät kennt schon Version %d. "+
					"Ein Server, der den neuesten Schlüssel zurückhält, könnte neue Dokumente für jemanden lesbar machen, dem der Zugriff entzogen wurde. Die Akte wurde nicht geöffnet.", c, latest[c], seen[c]))
		}
	}
	return latest, nil
}

// Meta is the metadata of a document. It is sealed with the item key; the
// server never sees it.
type Meta struct {
	Title     string `json:"title"`
	Type      string `json:"type,omitempty"`   // document type, e.g. "Laborbefund"
	Date      string `json:"date,omitempty"`   // YYYY-MM-DD of the finding or letter
	Source    string `json:"source,omitempty"` // author or institution
	Comment   string `json:"comment,omitempty"`
	FileName  string `json:"file_name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size"` // plaintext bytes
	// Digest is the content's plaintext digest (PlainDigest, hex), checked
	// by every download: each stream segment authenticates on its own, so
	// without it a stream put together from two versions encrypted under
	// one key would open. Empty in items uploaded before it existed.
	Digest string `json:"digest,omitempty"`
	// Replaces and Version seal the version chain with the item (issue
	// 10, item 4): the id of the document this one is a new version of,
	// and this one's number in the chain (1 for a first version). The
	// server's own replaces field is only believed where it says the same.
	// Items uploaded before they existed have neither (Version 0).
	Replaces string `json:"replaces,omitempty"`
	Version  int64  `json:"version,omitempty"`
	// Thumb is a small picture of the content (a JPEG, base64) that the
	// uploading client made, for image files (decision 0026); empty for
	// other files and items uploaded before it existed.
	Thumb string `json:"thumb,omitempty"`
	// Origin is the id the document had in the record it was exported
	// from, when it came in by akte import (docs/export.md): importing the
	// same archive again adds nothing.
	Origin string `json:"origin,omitempty"`
	// Entry is the FHIR R4 resource of a structured entry (an item of
	// kind entry, decision 0037), as JSON; empty for documents. Profile
	// is the record's sealed profile (birth date, sex, the services
	// switched on and their consents), as JSON, in the one item that
	// holds it. The core carries both as they are; package client reads
	// them.
	Entry   RawJSON `json:"entry,omitempty"`
	Profile RawJSON `json:"profile,omitempty"`
}

// RawJSON is a JSON value kept as its text ("" for none). A string, not a
// byte slice, so that Meta stays comparable; its JSON methods need no
// encoding/json in the core.
type RawJSON string

// MarshalJSON writes the value as it is (null if empty).
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("null"), nil
	}
	return []byte(r), nil
}

// UnmarshalJSON keeps the value's text (null as empty).
func (r *RawJSON) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = ""
	} else {
		*r = RawJSON(b)
	}
	return nil
}

func metaAAD(itemID string) []byte { return []byte("akte v1 item meta " + itemID) }

// NewItem prepares a new document in a category: a random id and item
// key, the key wrapped under the category's newest key, and the metadata
// sealed with the item key.
func (r *Record) NewItem(category string, m Meta) (*NewItem, error) {
	v, err := r.LatestVersion(category)
	if err != nil {
		return nil, err
	}
	ck, err := r.CategoryKey(category, v)
	if err != nil {
		return nil, err
	}
	// The raw fields are copied into the sealed JSON as they are: only a
	// JSON object may go there, or the metadata would never open again.
	for _, raw := range []RawJSON{m.Entry, m.Profile} {
		if raw != "" && !IsJSONObject(string(raw)) {
			return nil, akte.R("item.new", akte.KindInvalid, "fhir_json_invalid", nil, "Der Eintrag ist kein gültiges JSON.")
		}
	}
	it := &NewItem{ID: randomID(), Category: category, KeyVersion: v, Key: seal.NewKey()}
	if it.KeySlot, err = seal.WrapKey(seal.ViaKey, ck, seal.ItemKey, it.ID, it.Key); err != nil {
		return nil, err
	}
	if it.MetaSealed, err = seal.SealSmall(it.Key, metaAAD(it.ID), EncodeMeta(m)); err != nil {
		return nil, err
	}
	return it, nil
}

// NewItem is a document prepared for upload. Key is secret.
type NewItem struct {
	ID         string
	Category   string
	KeyVersion uint32
	Key        []byte
	KeySlot    []byte
	MetaSealed []byte
}

// OpenItem opens an item's key and metadata.
func (r *Record) OpenItem(it wire.Item) (key []byte, m Meta, err error) {
	if it.KeyVersion == 0 {
		// Added through the inbox (a provider with "add").
		key, err = r.inboxKey(it)
	} else {
		var ck []byte
		if ck, err = r.CategoryKey(it.Category, it.KeyVersion); err != nil {
			return nil, m, err
		}
		key, err = seal.UnwrapKey(seal.ViaKey, ck, seal.ItemKey, it.ID, it.KeySlot)
	}
	if err != nil {
		return nil, m, fail("item.open", "item_key_unopenable", map[string]any{"item": it.ID}, sprintf("Der Schlüssel des Dokuments %s lässt sich nicht öffnen.", it.ID), err)
	}
	b, err := seal.OpenSmall(key, metaAAD(it.ID), it.MetaSealed)
	if err != nil {
		return nil, m, fail("item.open", "item_meta_unopenable", map[string]any{"item": it.ID}, sprintf("Die Angaben zum Dokument %s lassen sich nicht öffnen.", it.ID), err)
	}
	if m, err = DecodeMeta(b); err != nil {
		return nil, m, fail("item.open", "item_meta_unopenable", map[string]any{"item": it.ID}, sprintf("Die Angaben zum Dokument %s lassen sich nicht öffnen.", it.ID), err)
	}
	return key, m, nil
}

// ChainProblems checks the version chain the server lists against the one
// sealed in the items' metadata (issue 10, item 4). metas holds the opened
// metadata by item id (items that did not open are left out). It returns,
// by item id, an error for each item whose chain the server bent:
// replaces_forged when the server's replaces is not the sealed one (a
// chain made up, or cut), version_forged when an item's sealed version is
// not one more than that of the item it replaces. Items sealed before the
// chain was (Version 0) keep the server's word.
func ChainProblems(items []wire.Item, metas map[string]Meta) map[string]error {
	out := map[string]error{}
	for _, it := range items {
		m, ok := metas[it.ID]
		if !ok || m.Version == 0 {
			continue
		}
		if it.Replaces != m.Replaces {
			out[it.ID] = akte.R("record.chain", akte.KindCrypto, "replaces_forged", map[string]any{"item": it.ID},
				sprintf("Der Server nennt für das Dokument %s eine andere Vorgängerversion, als mit ihm verschlüsselt wurde.", it.ID))
			continue
		}
		if prev, ok := metas[m.Replaces]; ok && m.Replaces != "" && prev.Version > 0 && m.Version != prev.Version+1 {
			out[it.ID] = akte.R("record.chain", akte.KindCrypto, "version_forged", map[string]any{"item": it.ID},
				sprintf("Die Versionsnummer des Dokuments %s folgt nicht auf die seiner Vorgängerversion.", it.ID))
		}
	}
	return out
}

// VerifiedReplaces is the item's previous version as the client believes
// it: the sealed one, or the server's for an item sealed before the chain
// was (Version 0).
func VerifiedReplaces(it wire.Item, m Meta) string {
	if m.Version > 0 {
		return m.Replaces
	}
	return it.Replaces
}

// NextVersion returns the metadata fields of a new version of the item
// whose metadata is prev (the first version if replaces is empty).
func NextVersion(replaces string, prev Meta) (string, int64) {
	if replaces == "" {
		return "", 1
	}
	return replaces, max(prev.Version, 1) + 1
}
