package core

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// TestPieces: every chunk put together from its pieces, each segment
// encrypted on its own (as the browser does), is the chunk of the stream
// the sequential writer makes; sizes around segment and chunk boundaries.
func TestPieces(t *testing.T) {
	key := seal.NewKey()
	seed := bytes.Repeat([]byte{7}, seal.StreamRandomSize)
	const S = 64 // a small segment size makes many boundaries
	for _, size := range []int64{0, 1, S - 1, S, S + 1, 3*S - 5, 10 * S, 10*S + 17} {
		for _, chunk := range []int64{16, 77, S + 16, 100, 1000} {
			plain := bytes.Repeat([]byte("0123456789abcdefghij"), int(size/20)+1)[:size]
			var stream bytes.Buffer
			w, err := seal.NewWriter(&stream, key, seal.WithSegmentSize(S), seal.WithStreamRandom(bytes.NewReader(seed)))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(plain)
			w.Close()
			l := Layout{PlainSize: size, Segment: S, ChunkSize: chunk}
			if l.Size() != int64(stream.Len()) {
				t.Fatalf("size %d: layout says %d bytes, the stream has %d", size, l.Size(), stream.Len())
			}
			for n := range l.Chunks() {
				from, to := l.Chunk(n)
				var got []byte
				for _, p := range l.Pieces(n) {
					var ct []byte
					if p.Segment < 0 {
						ct = stream.Bytes()[:seal.StreamHeaderSize]
					} else {
						// The segment's ciphertext as a random-access
						// encryptor makes it: here cut from the stream
						// at the offset the layout names.
						start := seal.StreamHeaderSize + p.Segment*(S+seal.SegmentOverhead)
						ct = stream.Bytes()[start : start+(p.PlainTo-p.PlainFrom)+seal.SegmentOverhead]
						if p.Last != (p.Segment == l.Segments()-1) || p.PlainTo > size {
							t.Fatalf("size %d chunk %d: piece %+v", size, n, p)
						}
					}
					got = append(got, ct[p.From:p.To]...)
				}
				if !bytes.Equal(got, stream.Bytes()[from:to]) {
					t.Fatalf("size %d, chunk size %d: chunk %d differs from the stream's", size, chunk, n)
				}
			}
		}
	}
}

// TestRetryRule: which answers are retried, how often, with what waits.
func TestRetryRule(t *testing.T) {
	r := DefaultRetry()
	var waits []time.Duration
	for a := 0; ; a++ {
		d, again := r.Delay(a, 503)
		if !again {
			break
		}
		waits = append(waits, d)
	}
	want := []time.Duration{250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if !slicesEqual(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	for _, s := range []int{0, 408, 429, 500, 502, 503, 504} {
		if _, again := r.Delay(0, s); !again {
			t.Errorf("status %d is not retried", s)
		}
	}
	for _, s := range []int{-1, 200, 400, 401, 403, 404, 409, 413, 416, 501} {
		if _, again := r.Delay(0, s); again {
			t.Errorf("status %d is retried", s)
		}
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var update = flag.Bool("update", false, "rewrite testdata/digest.json")

// digestVector is one entry of testdata/digest.json, which the browser's
// implementation (web/src/transfer.js) checks too (web/src/selftest.js):
// the plaintext of Size bytes has byte i = i mod 251.
type digestVector struct {
	Size   int64  `json:"size"`
	Digest string `json:"digest"`
}

// TestDigestVectors: the plaintext digest of pattern files around the
// piece size, written in any pieces, is the recorded one.
func TestDigestVectors(t *testing.T) {
	var vs []digestVector
	for _, n := range []int64{0, 1, DigestPiece - 1, DigestPiece, DigestPiece + 1, 3*DigestPiece + 5} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 251)
		}
		d := NewDigester()
		for len(b) > 0 { // odd write sizes
			k := min(len(b), 333331)
			d.Write(b[:k])
			b = b[k:]
		}
		vs = append(vs, digestVector{n, d.Sum()})
	}
	if *update {
		b, _ := json.MarshalIndent(vs, "", "  ")
		os.WriteFile("testdata/digest.json", append(b, '\n'), 0o644)
	}
	b, err := os.ReadFile("testdata/digest.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []digestVector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !slicesEqual(vs, want) {
		t.Errorf("digests %v, want %v", vs, want)
	}
	if vs[0].Digest == vs[1].Digest {
		t.Error("the empty file and one byte share a digest")
	}
}

// TestCheckResume: a plan goes on only if the file is what it was made
// for, every chunk sent is what is sent again, and every chunk the server
// holds is what the file encrypts to.
func TestCheckResume(t *testing.T) {
	p := &Plan{Request: wire.UploadRequest{Size: 300}, Digest: "d", Sent: map[int]string{0: "a", 1: "b"}}
	sums := map[int]string{0: "a", 1: "b", 2: "c"}
	st := func(chunks []int, s map[int]string) *wire.Upload {
		return &wire.Upload{Size: 300, ChunkSize: 100, Chunks: chunks, ChunkSums: s}
	}
	cases := []struct {
		name   string
		digest string
		sums   map[int]string
		st     *wire.Upload
		ok     bool
	}{
		{"unchanged", "d", sums, st([]int{0}, map[int]string{0: "a"}), true},
		{"answer lost, server's sum agrees", "d", sums, st([]int{0, 1}, map[int]string{0: "a", 1: "b"}), true},
		{"held without a sum, sent by this client", "d", sums, st([]int{1}, nil), true},
		{"other file", "e", sums, st([]int{0}, map[int]string{0: "a"}), false},
		{"a sent chunk encrypts differently", "d", map[int]string{0: "a", 1: "x", 2: "c"}, st([]int{0}, map[int]string{0: "a"}), false},
		{"the server holds other bytes", "d", sums, st([]int{0, 1}, map[int]string{0: "a", 1: "y"}), false},
		{"held without a sum, never sent", "d", sums, st([]int{2}, nil), false},
		{"another chunk size", "d", sums, &wire.Upload{Size: 300, ChunkSize: 0}, false},
	}
	for _, c := range cases {
		err := CheckResume(p, c.digest, c.sums, c.st)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
		if r, _ := akte.ReasonOf(err); err != nil && (r != "upload_changed" || !akte.Is(err, akte.KindConflict)) {
			t.Errorf("%s: %v, want upload_changed", c.name, err)
		}
	}
}

// TestSprintf: the core's messages format every integer kind they use.
func TestSprintf(t *testing.T) {
	got := sprintf("%s %d %d %d %d %d %q %", "a", 1, int64(-2), uint64(3), uint32(4), uint8(5), "x")
	if want := `a 1 -2 3 4 5 "x" %`; got != want {
		t.Errorf("sprintf = %q, want %q", got, want)
	}
}
