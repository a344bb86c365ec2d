package audit

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func leafN(i int) tlog.Hash { return tlog.RecordHash([]byte{byte(i), byte(i >> 8)}) }

// TestAppendMatchesTlog checks that appending in batches stores exactly
// the hashes that tlog stores record by record, and returns its root.
func TestAppendMatchesTlog(t *testing.T) {
	var want []tlog.Hash
	ref := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for k, i := range idx {
			out[k] = want[i]
		}
		return out, nil
	})
	const total = 300
	for i := range total {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), leafN(i), ref)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, hs...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	l := &memLog{}
	n := 0
	for n < total {
		k := min(rng.IntN(40), total-n) // batches of 0..39, empty ones too
		leaves := make([]tlog.Hash, k)
		for j := range leaves {
			leaves[j] = leafN(n + j)
		}
		start, hs, root, err := Append(l, int64(n), leaves)
		if err != nil {
			t.Fatal(err)
		}
		if start != int64(len(l.hashes)) {
			t.Fatalf("at %d: start %d, want %d", n, start, len(l.hashes))
		}
		l.hashes = append(l.hashes, hs...)
		n += k
		if int64(len(l.hashes)) != tlog.StoredHashCount(int64(n)) {
			t.Fatalf("at %d: %d stored hashes, want %d", n, len(l.hashes), tlog.StoredHashCount(int64(n)))
		}
		wantRoot, err := tlog.TreeHash(int64(n), ref)
		if err != nil {
			t.Fatal(err)
		}
		if root != wantRoot {
			t.Fatalf("at %d: root differs from tlog.TreeHash", n)
		}
	}
	for i := range want {
		if l.hashes[i] != want[i] {
			t.Fatalf("stored hash %d differs", i)
		}
	}
}

// TestRangeProof proves every range of trees up to 33 leaves and checks
// that a changed leaf, size, root or proof hash fails.
func TestRangeProof(t *testing.T) {
	l := &memLog{}
	var leaves []tlog.Hash
	for n := int64(0); n <= 33; n++ {
		root, err := tlog.TreeHash(n, l)
		if err != nil {
			t.Fatal(err)
		}
		for lo := int64(0); lo <= n; lo++ {
			for hi := lo; hi <= n; hi++ {
				p, err := ProveRange(n, lo, hi, l)
				if err != nil {
					t.Fatalf("ProveRange(%d, %d, %d): %v", n, lo, hi, err)
				}
				in := leaves[lo:hi]
				if err := CheckRange(p, n, root, lo, in); err != nil {
					t.Fatalf("CheckRange(%d, [%d,%d)): %v", n, lo, hi, err)
				}
				if n > 0 && len(p) > 2*bitsLen(n)+1 {
					t.Errorf("proof of [%d,%d) in %d has %d hashes", lo, hi, n, len(p))
				}
				if hi > lo {
					bad := append([]tlog.Hash(nil), in...)
					bad[len(bad)/2][0] ^= 1
					if CheckRange(p, n, root, lo, bad) == nil {
						t.Fatalf("[%d,%d) of %d: changed leaf accepted", lo, hi, n)
					}
					if CheckRange(p, n, root, lo, in[1:]) == nil {
						t.Fatalf("[%d,%d) of %d: dropped leaf accepted", lo, hi, n)
					}
				}
				if len(p) > 0 {
					bad := append(RangeProof(nil), p...)
					bad[0][5] ^= 1
					if CheckRange(bad, n, root, lo, in) == nil {
						t.Fatalf("[%d,%d) of %d: changed proof accepted", lo, hi, n)
					}
					if CheckRange(append(p, p[0]), n, root, lo, in) == nil {
						t.Fatalf("[%d,%d) of %d: longer proof accepted", lo, hi, n)
					}
				}
				if n > 0 && lo > 0 && CheckRange(p, n, root, lo-1, leaves[lo-1:hi-1]) == nil && hi > lo {
					t.Fatalf("[%d,%d) of %d: shifted range accepted", lo, hi, n)
				}
			}
		}
		start, hs, _, err := Append(l, n, []tlog.Hash{leafN(int(n))})
		if err != nil || start != int64(len(l.hashes)) {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
		leaves = append(leaves, leafN(int(n)))
	}
	if CheckRange(nil, 0, tlog.Hash(sha256.Sum256(nil)), 0, nil) != nil {
		t.Error("empty tree refused")
	}
	if CheckRange(nil, 0, tlog.Hash{}, 0, nil) == nil {
		t.Error("empty tree with a wrong root accepted")
	}
	if _, err := ProveRange(5, 3, 2, l); err == nil {
		t.Error("ProveRange accepted lo > hi")
	}
	if _, err := ProveRange(5, 0, 6, l); err == nil {
		t.Error("ProveRange accepted hi > n")
	}
}

func bitsLen(n int64) int {
	b := 0
	for n > 0 {
		b++
		n >>= 1
	}
	return b
}

// TestConsistency covers the cases around tlog.CheckTree that the
// verifier relies on.
func TestConsistency(t *testing.T) {
	l := &memLog{}
	var roots []tlog.Hash
	for n := int64(0); n <= 20; n++ {
		r, err := tlog.TreeHash(n, l)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
		_, hs, _, err := Append(l, n, []tlog.Hash{leafN(int(n))})
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
	for n := int64(0); n <= 20; n++ {
		for m := int64(0); m <= n; m++ {
			p, err := ProveConsistency(n, m, l)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckConsistency(p, n, roots[n], m, roots[m]); err != nil {
				t.Fatalf("%d extends %d: %v", n, m, err)
			}
			if m > 0 && m < n && CheckConsistency(p, n, roots[n], m, roots[m-1]) == nil {
				t.Fatalf("%d extends %d with a wrong old root", n, m)
			}
		}
	}
	if CheckConsistency(nil, 5, roots[5], 5, roots[4]) == nil {
		t.Error("same size, different roots accepted")
	}
	if CheckConsistency(nil, 4, roots[4], 5, roots[5]) == nil {
		t.Error("smaller tree accepted")
	}
}
