package akte

import "time"

// ItemID identifies an item. The client chooses it at random before the
// upload, because the item key slot and the sealed metadata are bound to it.
type ItemID string

// ItemKind says what an item is.
type ItemKind string

// Item kinds.
const (
	KindDocument ItemKind = "document" // a file with metadata
	// KindEntry is a structured entry: one FHIR R4 resource (or the
	// record's sealed profile) sealed in the metadata, with empty content
	// (decision 0037). The server cannot tell one resource from another.
	KindEntry ItemKind = "entry"
)

// ItemKinds lists the kinds a client may upload.
func ItemKinds() []ItemKind { return []ItemKind{KindDocument, KindEntry} }

// ItemState is where an item is in its life.
type ItemState string

// Item states. An item is created in StateUploading when its upload begins
// and becomes StateComplete, atomically, once every chunk of its declared
// size is stored durably. Only complete items are ever listed or served.
const (
	StateUploading ItemState = "uploading"
	StateComplete  ItemState = "complete"
)

// Item is one document (later also entries) of a record. Its content is a
// seal stream kept in the blob store as chunks of ChunkSize bytes (the last
// may be shorter); the server sees nothing of its metadata but the fields
// below (design §4.4).
type Item struct {
	ID        ItemID
	AccountID AccountID // whose record it is in
	Category  CategoryID
	// KeyVersion is the version of the category key that KeySlot is under.
	KeyVersion uint32
	Kind       ItemKind
	// Replaces names the item this one is a new version of, or is empty.
	Replaces ItemID
	// Size is the number of ciphertext bytes (seal.CiphertextSize of the
	// plaintext), declared when the upload begins and counted against the
	// quota from then on.
	Size      int64
	ChunkSize int64
	State     ItemState
	CreatedAt time.Time // the upload began
	UpdatedAt time.Time // the last chunk arrived, or the item completed
	CreatedBy string    // account id of whoever added it
	// MetaSealed is the metadata (title, type, date, source, comment, file
	// name, media type) sealed with the item key.
	MetaSealed []byte
	// KeySlot is the item key in a slot under the category key.
	KeySlot []byte
	// MetaVersion counts the item's descriptions: 1 for the one sealed at
	// upload, one more for each change (Store.ChangeItemMeta), so that two
	// changes cannot silently overwrite each other.
	MetaVersion int64
}

// ItemCursor is a position in a listing of items, which are ordered by
// CreatedAt then ID: the listing continues after the item with these
// values. The zero ItemCursor is the start.
type ItemCursor struct {
	CreatedAt time.Time
	ID        ItemID
}

// CursorOf returns the cursor just after the item.
func (it *Item) CursorOf() ItemCursor { return ItemCursor{CreatedAt: it.CreatedAt, ID: it.ID} }

// Chunks returns the number of chunks of the item's content.
func (it *Item) Chunks() int {
	if it.ChunkSize <= 0 {
		return 0
	}
	return int((it.Size + it.ChunkSize - 1) / it.ChunkSize)
}

// ChunkLen returns the size of chunk n, or -1 if there is no such chunk.
func (it *Item) ChunkLen(n int) int64 {
	if n < 0 || n >= it.Chunks() {
		return -1
	}
	if rest := it.Size - int64(n)*it.ChunkSize; rest < it.ChunkSize {
		return rest
	}
	return it.ChunkSize
}
