package wire

import (
	"time"

	"github.com/akte/akte"
)

// RecordKeys are the keys of a record, every secret wrapped on the client:
// sent at registration and in a reset without recovery key, returned by
// GET /api/v1/records/{rid}.
type RecordKeys struct {
	RecordID        string        `json:"record_id"`
	RMKByUMK        []byte        `json:"rmk_by_umk"`
	PublicKey       []byte        `json:"public_key"`
	PrivateKeyByRMK []byte        `json:"private_key_by_rmk"`
	CategoryKeys    []CategoryKey `json:"category_keys"`
}

// CategoryKey is one version of a category key wrapped under the RMK.
type CategoryKey struct {
	Category string `json:"category"`
	Version  uint32 `json:"version"`
	KeyByRMK []byte `json:"key_by_rmk"`
}

// Category is one category of the record.
type Category struct {
	ID     string `json:"id"`
	NameDE string `json:"name_de"`
	NameEN string `json:"name_en"`
	Grants bool   `json:"grants"`
}

// Record is GET /api/v1/records/{rid}: the keys, the categories and the quota.
// Sizes are ciphertext bytes.
type Record struct {
	Keys RecordKeys `json:"keys"`
	// RMKSlot is, for a representative, the record master key wrapped to
	// its public key by the patient's client (keys.rmk_by_umk is empty
	// then); absent until the patient handed it over.
	RMKSlot    []byte     `json:"rmk_slot,omitempty"`
	Categories []Category `json:"categories"`
	Quota      int64      `json:"quota"`
	Used       int64      `json:"used"`
	Reserved   int64      `json:"reserved"`
	// Rotate names the categories whose newest key a former grantee held:
	// the owner's client adds a new version (POST .../keys) before it adds
	// an item there.
	Rotate []string `json:"rotate,omitempty"`
}

// UploadRequest is POST /api/v1/records/{rid}/uploads. Size is the ciphertext size
// (seal.CiphertextSize of the file); the same request again resumes.
type UploadRequest struct {
	ID         string `json:"id"`
	Category   string `json:"category"`
	KeyVersion uint32 `json:"key_version"`
	Size       int64  `json:"size"`
	MetaSealed []byte `json:"meta_sealed"`
	KeySlot    []byte `json:"key_slot"`
	Replaces   string `json:"replaces,omitempty"`
	// Kind is "document" (the default when empty) or "entry" (decision 0037).
	Kind string `json:"kind,omitempty"`
}

// Upload is the answer of POST /api/v1/records/{rid}/uploads and GET
// /api/v1/records/{rid}/uploads/{id}: chunk n holds ciphertext bytes [n·chunk_size,
// (n+1)·chunk_size); chunks lists those the server has, chunk_sums the
// SHA-256 (lower-case hex) of each as the server received it, by number
// (a chunk stored before the server recorded sums has none), so that a
// client checks them before it resumes.
type Upload struct {
	ID        string         `json:"id"`
	State     string         `json:"state"`
	Size      int64          `json:"size"`
	ChunkSize int64          `json:"chunk_size"`
	Chunks    []int          `json:"chunks"`
	ChunkSums map[int]string `json:"chunk_sums"`
}

// Item is one document as the server sees it: everything a person would
// call health information is in meta_sealed.
type Item struct {
	ID         string    `json:"id"`
	Category   string    `json:"category"`
	KeyVersion uint32    `json:"key_version"`
	Kind       string    `json:"kind"`
	Replaces   string    `json:"replaces,omitempty"`
	Size       int64     `json:"size"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	MetaSealed []byte    `json:"meta_sealed"`
	KeySlot    []byte    `json:"key_slot"`
	// MetaVersion is the version of the description (1 at upload), which
	// a change names as the one it replaces (ItemMetaChange.Expect).
	MetaVersion int64 `json:"meta_version"`
}

// ItemMetaChange is PUT /api/v1/records/{rid}/items/{id}/meta: a new description of a
// complete item, stored only if the item's meta_version is still Expect
// (else 409, reason item_meta_changed, with the current version). To move
// the item to another category it names the category, the key version
// and the item key wrapped under that category key; else those are
// omitted. The answer is the changed Item.
type ItemMetaChange struct {
	Expect     int64  `json:"expect"`
	MetaSealed []byte `json:"meta_sealed"`
	Category   string `json:"category,omitempty"`
	KeyVersion uint32 `json:"key_version,omitempty"`
	KeySlot    []byte `json:"key_slot,omitempty"`
}

// ItemOf converts an item for the wire.
func ItemOf(it *akte.Item) Item {
	return Item{ID: string(it.ID), Category: string(it.Category), KeyVersion: it.KeyVersion, Kind: string(it.Kind),
		Replaces: string(it.Replaces), Size: it.Size, CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy,
		MetaSealed: it.MetaSealed, KeySlot: it.KeySlot, MetaVersion: it.MetaVersion}
}

// RecordKeysOf converts record keys for the wire.
func RecordKeysOf(r *akte.Record) RecordKeys {
	out := RecordKeys{RecordID: string(r.ID), RMKByUMK: r.RMKByUMK, PublicKey: r.PublicKey, PrivateKeyByRMK: r.PrivateKeyByRMK, CategoryKeys: []CategoryKey{}}
	for _, k := range r.CategoryKeys {
		out.CategoryKeys = append(out.CategoryKeys, CategoryKey{Category: string(k.Category), Version: k.Version, KeyByRMK: k.KeyByRMK})
	}
	return out
}

// Record converts wire record keys to the domain type (nil stays nil).
func (k *RecordKeys) Record() *akte.Record {
	if k == nil {
		return nil
	}
	r := &akte.Record{ID: akte.RecordID(k.RecordID), RMKByUMK: k.RMKByUMK, PublicKey: k.PublicKey, PrivateKeyByRMK: k.PrivateKeyByRMK}
	for _, c := range k.CategoryKeys {
		r.CategoryKeys = append(r.CategoryKeys, akte.CategoryKey{Category: akte.CategoryID(c.Category), Version: c.Version, KeyByRMK: c.KeyByRMK})
	}
	return r
}

// Manifest is GET /api/v1/records/{rid}/manifest: the record's manifest as the
// owner's client sealed it (empty if none was written yet) and its
// counter, which every write raises by one (docs/crypto.md §15, row 4).
type Manifest struct {
	Counter  int64  `json:"counter"`
	Manifest []byte `json:"manifest"`
}

// ManifestSwap is PUT /api/v1/records/{rid}/manifest: the new manifest, stored
// only if the counter is still Expect (else 409, reason manifest_changed:
// the client reads it again and applies its change anew). The answer is a
// Manifest with the new counter and no blob.
type ManifestSwap struct {
	Expect   int64  `json:"expect"`
	Manifest []byte `json:"manifest"`
}

// RecordAccess is one entry of GET /api/v1/records: a record the caller
// may act on, its role there (docs/permissions.md), and the owner as far
// as the caller may see it.
type RecordAccess struct {
	RecordID   string `json:"record_id"`
	Role       string `json:"role"`
	OwnerEmail string `json:"owner_email,omitempty"`
	OwnerKVNR  string `json:"owner_kvnr,omitempty"`
	// OpensAt is, for an emergency representative with a request, when
	// its access opens.
	OpensAt *time.Time `json:"opens_at,omitempty"`
	// Until is when the caller's grants of the record end (absent: not a
	// provider, or unlimited).
	Until *time.Time `json:"until,omitempty"`
}
