package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/akte/akte"
)

// The item listing is the hottest answer (a page is 100 items, ≈ 60 KB, most
// of it base64). With encoding/json the server spent about a third more CPU
// on a page and the load harness got up to a third fewer pages per second
// (docs/benchmarks.md, 2026-11-30), so it is encoded by hand into a pooled
// buffer, byte for byte as writeJSON would encode the []wire.Item
// (TestItemsJSON compares the two); base64 is encoding/base64's.

var itemBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// itemList is a JSON array of wire.Item being encoded into a pooled buffer.
type itemList struct {
	bp *[]byte
	b  []byte
}

func newItemList() *itemList {
	bp := itemBufs.Get().(*[]byte)
	return &itemList{bp: bp, b: append((*bp)[:0], '[')}
}

// errEncode is an item that encoding/json would refuse too (a creation
// time outside years 0–9999).
var errEncode = akte.E("api.items", akte.KindInternal, "", errors.New("item not encodable as JSON"))

// add appends the item; it does not keep it.
func (l *itemList) add(it *akte.Item) error {
	if y := it.CreatedAt.Year(); y < 0 || y > 9999 {
		return errEncode
	}
	if len(l.b) > 1 {
		l.b = append(l.b, ',')
	}
	l.b = appendItem(l.b, it)
	return nil
}

// write answers 200 with the array, as writeJSON would (a newline after it).
func (l *itemList) write(w http.ResponseWriter) {
	l.b = append(l.b, ']', '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(l.b)))
	w.WriteHeader(http.StatusOK)
	w.Write(l.b)
}

// release returns the buffer to the pool.
func (l *itemList) release() {
	if cap(l.b) <= 1<<20 { // do not keep the buffer of a huge unpaged listing
		*l.bp = l.b[:0]
		itemBufs.Put(l.bp)
	}
}

// appendItem follows the field order and tags of wire.Item.
func appendItem(b []byte, it *akte.Item) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, string(it.ID))
	b = append(b, `,"category":`...)
	b = appendString(b, string(it.Category))
	b = append(b, `,"key_version":`...)
	b = strconv.AppendUint(b, uint64(it.KeyVersion), 10)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(it.Kind))
	if it.Replaces != "" {
		b = append(b, `,"replaces":`...)
		b = appendString(b, string(it.Replaces))
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, it.Size, 10)
	b = append(b, `,"created_at":"`...)
	b = it.CreatedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","created_by":`...)
	b = appendString(b, it.CreatedBy)
	b = append(b, `,"meta_sealed":`...)
	b = appendBytes(b, it.MetaSealed)
	b = append(b, `,"key_slot":`...)
	b = appendBytes(b, it.KeySlot)
	b = append(b, `,"meta_version":`...)
	b = strconv.AppendInt(b, it.MetaVersion, 10)
	return append(b, '}')
}

// appendBytes is encoding/json's []byte: standard base64, nil as null.
func appendBytes(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendString quotes s as encoding/json does without HTML escaping.
// Printable ASCII without '"' and '\' (ids, categories, kinds) is copied;
// anything else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
