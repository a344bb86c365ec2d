package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// SystemLog names the log of the events that concern no record: failed
// logins to unknown accounts, operator actions without a record, the
// system's own jobs.
const SystemLog = "system"

// RecordLog names the log of one record.
func RecordLog(record string) string { return "record/" + record }

// Logs are RFC 6962 Merkle trees in the layout of golang.org/x/mod/sumdb/tlog:
// the store keeps, per log, the "stored hashes" by their index
// (tlog.StoredHashIndex): every leaf hash and every complete subtree's
// hash, about two per leaf. Proofs and tree hashes need only these, so
// they keep working after retention deleted the event rows.

// Append returns the hashes to store when the leaves with the hashes
// leaves are appended to a log of size n whose stored hashes r reads. They
// belong at the stored indexes start, start+1, ... (tlog numbers a log's
// hashes so that appending only ever adds at the end). root is the tree
// hash of the new size n+len(leaves). One call handles a whole group
// commit: it reads at most log₂ n old hashes per leaf, the new ones it
// takes from what it computed.
func Append(r tlog.HashReader, n int64, leaves []tlog.Hash) (start int64, hashes []tlog.Hash, root tlog.Hash, err error) {
	start = tlog.StoredHashIndex(0, n)
	over := overlay{r: r, start: start}
	for i, h := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(n+int64(i), h, &over)
		if err != nil {
			return 0, nil, tlog.Hash{}, err
		}
		over.hashes = append(over.hashes, hs...)
	}
	root, err = tlog.TreeHash(n+int64(len(leaves)), &over)
	if err != nil {
		return 0, nil, tlog.Hash{}, err
	}
	return start, over.hashes, root, nil
}

// Sequence prepares a group of events for appending to a log of size n
// whose newest event was logged at prev: it normalizes each event, gives it
// its index, and raises a time earlier than its predecessor's to that
// (the clocks of two replicas differ by milliseconds). A log's times never
// decrease, so retention always deletes a prefix of it. It returns the
// time of the last event, the next call's prev.
func Sequence(n int64, prev time.Time, es []Event) time.Time {
	for i := range es {
		e := &es[i]
		e.Normalize()
		if e.Time.Before(prev) {
			e.Time = prev
		}
		e.Index = n + int64(i)
		prev = e.Time
	}
	return prev
}

// overlay reads stored hashes from r below start and from hashes above.
type overlay struct {
	r      tlog.HashReader
	start  int64
	hashes []tlog.Hash
}

func (o *overlay) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var old []int64
	for _, i := range indexes {
		if i < o.start {
			old = append(old, i)
		}
	}
	var got []tlog.Hash
	if len(old) > 0 {
		var err error
		if got, err = o.r.ReadHashes(old); err != nil {
			return nil, err
		}
		if len(got) != len(old) {
			return nil, fmt.Errorf("audit: ReadHashes(%d indexes) = %d hashes", len(old), len(got))
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		if i < o.start {
			out[k], got = got[0], got[1:]
			continue
		}
		j := i - o.start
		if j >= int64(len(o.hashes)) {
			return nil, fmt.Errorf("audit: stored hash %d is not written yet", i)
		}
		out[k] = o.hashes[j]
	}
	return out, nil
}

// A RangeProof proves that the leaves [lo, hi) are, in this order, the
// leaves at those positions of a tree of size n: it holds the hashes of
// the subtrees outside the range, in the order in which the RFC 6962
// recursion meets them. It has at most about 2·log₂ n hashes, whatever
// the size of the range, and checking it costs one hash per leaf and node
// of the range — far less than one inclusion proof per leaf.
type RangeProof []tlog.Hash

// ProveRange returns the proof for the leaves [lo, hi) of the tree of size
// n whose stored hashes r reads.
func ProveRange(n, lo, hi int64, r tlog.HashReader) (RangeProof, error) {
	if lo < 0 || lo > hi || hi > n {
		return nil, fmt.Errorf("audit: invalid range [%d, %d) of %d", lo, hi, n)
	}
	var nodes [][2]int64 // the subtrees outside the range, in proof order
	var walk func(l, h int64)
	walk = func(l, h int64) {
		switch {
		case h <= lo || l >= hi:
			nodes = append(nodes, [2]int64{l, h})
		case lo <= l && h <= hi:
		default:
			k := split(h - l)
			walk(l, l+k)
			walk(l+k, h)
		}
	}
	if n > 0 {
		walk(0, n)
	}
	var need []int64
	for _, nd := range nodes {
		need = blockIndexes(nd[0], nd[1], need)
	}
	hashes, err := r.ReadHashes(need)
	if err != nil {
		return nil, err
	}
	if len(hashes) != len(need) {
		return nil, fmt.Errorf("audit: ReadHashes(%d indexes) = %d hashes", len(need), len(hashes))
	}
	p := make(RangeProof, 0, len(nodes))
	for _, nd := range nodes {
		var h tlog.Hash
		h, hashes = foldBlocks(nd[0], nd[1], hashes)
		p = append(p, h)
	}
	return p, nil
}

var errProof = errors.New("the proof does not lead to the checkpoint's root")

// emptyRoot is the RFC 6962 hash of the empty tree, SHA-256 of nothing.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// CheckRange checks that leaves, the leaf hashes of [lo, lo+len(leaves)),
// are those leaves of the tree of size n with root hash root.
func CheckRange(p RangeProof, n int64, root tlog.Hash, lo int64, leaves []tlog.Hash) error {
	hi := lo + int64(len(leaves))
	if lo < 0 || hi > n {
		return fmt.Errorf("audit: range [%d, %d) outside a tree of %d", lo, hi, n)
	}
	if n == 0 {
		if len(p) != 0 || root != emptyRoot {
			return errProof
		}
		return nil
	}
	var walk func(l, h int64) (tlog.Hash, bool)
	walk = func(l, h int64) (tlog.Hash, bool) {
		switch {
		case h <= lo || l >= hi:
			if len(p) == 0 {
				return tlog.Hash{}, false
			}
			x := p[0]
			p = p[1:]
			return x, true
		case lo <= l && h <= hi:
			return subtree(leaves[l-lo : h-lo]), true
		default:
			k := split(h - l)
			left, ok := walk(l, l+k)
			if !ok {
				return tlog.Hash{}, false
			}
			right, ok := walk(l+k, h)
			return tlog.NodeHash(left, right), ok
		}
	}
	got, ok := walk(0, n)
	if !ok || len(p) != 0 || got != root {
		return errProof
	}
	return nil
}

// subtree returns the RFC 6962 hash of the leaves (at least one).
func subtree(leaves []tlog.Hash) tlog.Hash {
	if len(leaves) == 1 {
		return leaves[0]
	}
	k := split(int64(len(leaves)))
	return tlog.NodeHash(subtree(leaves[:k]), subtree(leaves[k:]))
}

// split returns the largest power of two smaller than n (n ≥ 2): where
// RFC 6962 splits a subtree of n leaves.
func split(n int64) int64 {
	return 1 << (bits.Len64(uint64(n-1)) - 1)
}

// blockIndexes appends the stored indexes of the complete subtrees that
// make up [l, h), a subtree of the RFC 6962 recursion (l is a multiple of
// a power of two at least h-l): the binary digits of h-l, largest first.
func blockIndexes(l, h int64, need []int64) []int64 {
	for l < h {
		level := bits.Len64(uint64(h-l)) - 1
		need = append(need, tlog.StoredHashIndex(level, l>>level))
		l += 1 << level
	}
	return need
}

// foldBlocks combines the block hashes of [l, h) (as blockIndexes lists
// them) into its hash and returns the hashes left over.
func foldBlocks(l, h int64, hashes []tlog.Hash) (tlog.Hash, []tlog.Hash) {
	m := len(blockIndexes(l, h, nil))
	blocks, rest := hashes[:m], hashes[m:]
	x := blocks[m-1]
	for i := m - 2; i >= 0; i-- {
		x = tlog.NodeHash(blocks[i], x)
	}
	return x, rest
}

// CheckInclusion checks that leaf is the leaf hash at index i of the tree
// of size n with root hash root (RFC 6962 audit path).
func CheckInclusion(p tlog.RecordProof, n int64, root tlog.Hash, i int64, leaf tlog.Hash) error {
	return tlog.CheckRecord(p, n, root, i, leaf)
}

// ProveInclusion returns the inclusion proof of leaf i in the tree of size n.
func ProveInclusion(n, i int64, r tlog.HashReader) (tlog.RecordProof, error) {
	return tlog.ProveRecord(n, i, r)
}

// ProveConsistency returns the proof that the tree of size n extends the
// tree of size m (empty when m is 0 or m equals n).
func ProveConsistency(n, m int64, r tlog.HashReader) (tlog.TreeProof, error) {
	if m == 0 || m == n {
		return nil, nil
	}
	return tlog.ProveTree(n, m, r)
}

// CheckConsistency checks that the tree of size n with root hash root
// extends the tree of size m with root hash old: its first m leaves are
// those of the old tree. A tree of size 0 is extended by every tree; a
// tree of the same size only by itself.
func CheckConsistency(p tlog.TreeProof, n int64, root tlog.Hash, m int64, old tlog.Hash) error {
	switch {
	case m == 0:
		return nil
	case m > n:
		return errors.New("the new tree is smaller than the old one")
	case m == n:
		if root != old || len(p) != 0 {
			return errors.New("two different trees of the same size")
		}
		return nil
	}
	return tlog.CheckTree(p, n, root, m, old)
}

// validLogName reports whether a log name can be part of an origin line:
// non-empty, no spaces, no plus, no control characters.
func validLogName(s string) bool {
	return s != "" && !strings.ContainsAny(s, " +\t\n\r") && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}
