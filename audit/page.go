package audit

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Page is one read of a log: what the server answers and a client
// verifies. The entries are either the contiguous range [Start,
// Start+len(Entries)) of the log, proven together by Range, or any
// selection (a filtered view), each with its own inclusion Proof.
type Page struct {
	Key        string // the server's verifier key (Key.Public)
	Log        string // "record/ID" or "system"
	Checkpoint string // signed note
	// Since is the size of the client's last checkpoint, and Consistency
	// the proof that the checkpoint extends it.
	Since       int64
	Consistency tlog.TreeProof
	Start       int64
	Range       RangeProof
	Entries     []Entry
}

// Entry is one event on a page: its leaf, exactly as logged, and beside it
// what is not part of the leaf.
type Entry struct {
	Index int64
	Leaf  []byte
	// LeafHash is the hash the server stored for the leaf. A client
	// compares it with the hash of Leaf, to tell an altered event
	// (event_altered) from a broken proof (inclusion_failed).
	LeafHash tlog.Hash
	Addr     string // the client address while it is kept
	AddrSalt []byte
	Proof    tlog.RecordProof // filtered pages only
}

// NewEntry returns the entry of the event at its index in the log, with
// the leaf hash the store keeps for it.
func NewEntry(log string, e *Event, stored tlog.Hash) (Entry, error) {
	leaf, err := Leaf(log, e)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Index: e.Index, Leaf: leaf, LeafHash: stored, Addr: e.Addr, AddrSalt: e.AddrSalt}, nil
}

// The page format is binary, because a client verifies thousands of
// events in a browser, where Go's reflective JSON decoding would take
// longer than all the hashing (docs/audit.md has the figures):
//
//	page  = "AKTEAUDITPAGE" version(1) str(key) str(log) str(checkpoint)
//	        uvarint(since) hashes(consistency)
//	        uvarint(start) hashes(range)
//	        uvarint(count) entry*
//	entry = uvarint(index) str(leaf) hash(leaf_hash) str(addr) str(addr_salt) hashes(proof)
//	hashes = uvarint(count) hash*,  hash = 32 bytes,  str = uvarint(len) bytes
//
// ContentType is its media type in the HTTP API.
const (
	ContentType = "application/vnd.akte.audit-page"
	pageMagic   = "AKTEAUDITPAGE"
	pageVersion = 1
)

// limits of a page a client accepts: a log of a billion events needs
// proofs of 2·30 hashes; a leaf is small.
const (
	maxProof    = 128
	maxLeaf     = 16 << 10
	maxEntries  = 1 << 20
	maxStr      = 64 << 10
	maxPageSize = 1 << 30
)

// MarshalBinary encodes the page.
func (p *Page) MarshalBinary() ([]byte, error) {
	n := len(pageMagic) + 1 + len(p.Key) + len(p.Log) + len(p.Checkpoint) + 64 + 32*(len(p.Consistency)+len(p.Range))
	for _, e := range p.Entries {
		n += 40 + len(e.Leaf) + 32 + len(e.Addr) + len(e.AddrSalt) + 32*len(e.Proof)
	}
	b := make([]byte, 0, n)
	b = append(b, pageMagic...)
	b = append(b, pageVersion)
	b = appendString(b, p.Key)
	b = appendString(b, p.Log)
	b = appendString(b, p.Checkpoint)
	b = binary.AppendUvarint(b, uint64(p.Since))
	b = appendHashes(b, p.Consistency)
	b = binary.AppendUvarint(b, uint64(p.Start))
	b = appendHashes(b, p.Range)
	b = binary.AppendUvarint(b, uint64(len(p.Entries)))
	for _, e := range p.Entries {
		if e.Index < 0 {
			return nil, fmt.Errorf("audit: negative index %d", e.Index)
		}
		b = binary.AppendUvarint(b, uint64(e.Index))
		b = appendString(b, string(e.Leaf))
		b = append(b, e.LeafHash[:]...)
		b = appendString(b, e.Addr)
		b = appendString(b, string(e.AddrSalt))
		b = appendHashes(b, e.Proof)
	}
	return b, nil
}

func appendHashes(b []byte, hs []tlog.Hash) []byte {
	b = binary.AppendUvarint(b, uint64(len(hs)))
	for _, h := range hs {
		b = append(b, h[:]...)
	}
	return b
}

var errPage = errors.New("malformed audit page")

// ParsePage decodes a page. It checks the format only; Verify checks the
// content. Slices of the page (leaves, salts) alias b.
func ParsePage(b []byte) (*Page, error) {
	if len(b) > maxPageSize || len(b) < len(pageMagic)+1 || string(b[:len(pageMagic)]) != pageMagic || b[len(pageMagic)] != pageVersion {
		return nil, errPage
	}
	r := pageReader{leafReader{b: b[len(pageMagic)+1:], last: new(lastFields)}}
	p := &Page{}
	p.Key = r.limited(maxStr)
	p.Log = r.limited(maxStr)
	p.Checkpoint = r.limited(maxStr)
	p.Since = r.int()
	p.Consistency = r.hashes()
	p.Start = r.int()
	p.Range = r.hashes()
	n := r.int()
	if r.bad || n > maxEntries || n > int64(len(r.b)/35) { // an entry has at least 35 bytes
		return nil, errPage
	}
	p.Entries = make([]Entry, n)
	for k := range p.Entries {
		e := &p.Entries[k]
		e.Index = r.int()
		if e.Leaf = r.bytes(); len(e.Leaf) > maxLeaf {
			r.bad = true
		}
		e.LeafHash = r.hash()
		e.Addr = r.limited(maxStr)
		if s := r.bytes(); len(s) > 0 {
			e.AddrSalt = s
		}
		if h := r.hashes(); len(h) > 0 {
			e.Proof = tlog.RecordProof(h)
		}
		if r.bad {
			return nil, errPage
		}
	}
	if r.bad || len(r.b) != 0 {
		return nil, errPage
	}
	return p, nil
}

type pageReader struct{ leafReader }

func (r *pageReader) int() int64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 || (k > 1 && r.b[k-1] == 0) || v > 1<<62 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[k:]
	return int64(v)
}

func (r *pageReader) limited(max int) string {
	s := r.str(0)
	if len(s) > max {
		r.bad = true
	}
	return s
}

func (r *pageReader) hash() tlog.Hash {
	var h tlog.Hash
	if len(r.b) < len(h) {
		r.bad, r.b = true, nil
		return h
	}
	copy(h[:], r.b)
	r.b = r.b[len(h):]
	return h
}

func (r *pageReader) hashes() []tlog.Hash {
	n := r.int()
	if n > maxProof || n*32 > int64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	if n == 0 {
		return nil
	}
	hs := make([]tlog.Hash, n)
	for i := range hs {
		hs[i] = r.hash()
	}
	return hs
}
