package seal

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/akte/akte"
)

// testRand returns a deterministic random source for a test.
func testRand(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

// pattern returns n bytes of a fixed pattern (byte i is i mod 251, so that
// segment boundaries do not line up with the pattern's period).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func mustEncrypt(t testing.TB, key, pt []byte, seg int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, key, WithSegmentSize(seg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pt); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// decrypt reads a whole stream and returns the plaintext and the first
// error, from NewReader or from Read.
func decrypt(key, ct []byte) ([]byte, error) {
	r, err := NewReader(bytes.NewReader(ct), key)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// decryptAt opens ct with NewReaderAt and reads it all with ReadAt.
func decryptAt(key, ct []byte) ([]byte, error) {
	r, err := NewReaderAt(bytes.NewReader(ct), int64(len(ct)), key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, r.Size())
	n, err := r.ReadAt(out, 0)
	if err != nil && !(err == io.EOF && n == len(out)) {
		return nil, err
	}
	return out, nil
}

func assertKind(t *testing.T, what string, err error, want akte.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, want)
		return
	}
	if got := akte.KindOf(err); got != want {
		t.Errorf("%s: error %v has kind %v, want %v", what, err, got, want)
	}
}

func TestStreamSizes(t *testing.T) {
	key := NewKey()
	for _, seg := range []int{MinSegmentSize, 64, DefaultSegmentSize} {
		for _, n := range []int{0, 1, seg - 1, seg, seg + 1, 2*seg - 1, 2 * seg, 2*seg + 1, 7*seg + 3} {
			t.Run(fmt.Sprintf("seg=%d/n=%d", seg, n), func(t *testing.T) {
				pt := pattern(n)
				ct := mustEncrypt(t, key, pt, seg)
				if want := CiphertextSize(int64(n), seg); int64(len(ct)) != want {
					t.Errorf("len = %d, CiphertextSize = %d", len(ct), want)
				}
				if got, err := PlaintextSize(int64(len(ct)), seg); err != nil || got != int64(n) {
					t.Errorf("PlaintextSize = %d, %v, want %d", got, err, n)
				}
				got, err := decrypt(key, ct)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("decrypt: %d bytes, %v", len(got), err)
				}
				got, err = decryptAt(key, ct)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("decryptAt: %d bytes, %v", len(got), err)
				}
			})
		}
	}
}

// Reading in odd sizes and writing in odd chunks must not change the
// result: the segmenting is a property of the format, not of the calls.
func TestStreamChunking(t *testing.T) {
	key := NewKey()
	const seg = 64
	pt := pattern(10*seg + 7)
	ref := encryptWith(t, key, pt, seg, 1, [][]byte{pt})
	for _, chunk := range []int{1, 3, seg - 1, seg, seg + 1, 5 * seg} {
		var parts [][]byte
		for p := pt; len(p) > 0; {
			c := min(chunk, len(p))
			parts = append(parts, p[:c])
			p = p[c:]
		}
		if ct := encryptWith(t, key, pt, seg, 1, parts); !bytes.Equal(ct, ref) {
			t.Errorf("writes of %d bytes give another stream", chunk)
		}
	}
	for _, rd := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
		r, err := NewReader(rd(bytes.NewReader(ref)), key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rd(r))
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("read: %d bytes, %v", len(got), err)
		}
	}
	if err := iotest.TestReader(mustReader(t, key, ref), pt); err != nil {
		t.Error(err)
	}
}

func mustReader(t *testing.T, key, ct []byte) io.Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(ct), key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func encryptWith(t *testing.T, key, pt []byte, seg int, seed uint64, parts [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, key, WithSegmentSize(seg), withRand(testRand(seed)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if n, err := w.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := w.Write([]byte{1}); err == nil {
		t.Error("Write after Close succeeded")
	}
	return buf.Bytes()
}

func TestReaderAt(t *testing.T) {
	key := NewKey()
	const seg = 64
	pt := pattern(5*seg + 9)
	ct := mustEncrypt(t, key, pt, seg)
	r, err := NewReaderAt(bytes.NewReader(ct), int64(len(ct)), key)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(pt)) {
		t.Fatalf("Size = %d", r.Size())
	}
	if err := iotest.TestReader(io.NewSectionReader(r, 0, r.Size()), pt); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct{ off, n int }{{0, 1}, {seg - 1, 2}, {seg, seg}, {3*seg + 5, 100}, {len(pt) - 1, 1}, {len(pt) - 3, 10}, {len(pt), 1}} {
		buf := make([]byte, tc.n)
		n, err := r.ReadAt(buf, int64(tc.off))
		want := pt[min(tc.off, len(pt)):min(tc.off+tc.n, len(pt))]
		if !bytes.Equal(buf[:n], want) {
			t.Errorf("ReadAt(%d, %d) = %d bytes, wrong content", tc.off, tc.n, n)
		}
		if (n < tc.n) != (err == io.EOF) {
			t.Errorf("ReadAt(%d, %d) = %d, %v", tc.off, tc.n, n, err)
		}
	}
	// Damage the third segment: reads of other segments still work, reads
	// touching it fail.
	bad := bytes.Clone(ct)
	bad[streamHeaderSize+2*(seg+tagSize)+5] ^= 1
	r, err = NewReaderAt(bytes.NewReader(bad), int64(len(bad)), key)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := r.ReadAt(buf, seg); err != nil {
		t.Errorf("undamaged segment: %v", err)
	}
	_, err = r.ReadAt(buf, 2*seg+1)
	assertKind(t, "damaged segment", err, akte.KindCrypto)
}

// segments splits a stream into its header and segments.
func segments(ct []byte, seg int) (hdr []byte, segs [][]byte) {
	hdr, body := ct[:streamHeaderSize], ct[streamHeaderSize:]
	for len(body) > 0 {
		n := min(len(body), seg+tagSize)
		segs = append(segs, body[:n])
		body = body[n:]
	}
	return hdr, segs
}

func join(hdr []byte, segs ...[]byte) []byte {
	return bytes.Join(append([][]byte{hdr}, segs...), nil)
}

// TestStreamAttacks changes a valid stream in the ways an attacker who
// holds the ciphertext can, and checks that every change is caught with the
// right error kind by both readers.
func TestStreamAttacks(t *testing.T) {
	key := NewKey()
	const seg = 64
	pt := pattern(4*seg + 10) // five segments, the last one short
	ct := mustEncrypt(t, key, pt, seg)
	hdr, s := segments(ct, seg)
	other := mustEncrypt(t, key, pt, seg) // same key and plaintext, other salt
	_, os := segments(other, seg)
	full := mustEncrypt(t, key, pattern(4*seg), seg) // last segment full
	fh, fs := segments(full, seg)

	cases := []struct {
		name string
		ct   []byte
		kind akte.Kind
	}{
		{"empty input", nil, akte.KindInvalid},
		{"only version", ct[:1], akte.KindInvalid},
		{"truncated header", ct[:streamHeaderSize-1], akte.KindInvalid},
		{"header only", ct[:streamHeaderSize], akte.KindCrypto},
		{"last segment dropped", join(hdr, s[:4]...), akte.KindCrypto},
		{"last two segments dropped", join(hdr, s[:3]...), akte.KindCrypto},
		{"only first segment", join(hdr, s[0]), akte.KindCrypto},
		{"full last segment dropped", join(fh, fs[:3]...), akte.KindCrypto},
		{"cut inside last segment", ct[:len(ct)-1], akte.KindCrypto},
		{"cut inside tag", ct[:len(ct)-tagSize+1], akte.KindCrypto},
		{"cut to less than a tag", ct[:len(ct)-len(s[4])+tagSize-1], akte.KindCrypto},
		{"segments 1 and 2 swapped", join(hdr, s[0], s[2], s[1], s[3], s[4]), akte.KindCrypto},
		{"segment 1 duplicated", join(hdr, s[0], s[1], s[1], s[2], s[3], s[4]), akte.KindCrypto},
		{"segment 1 replaced by segment 2", join(hdr, s[0], s[2], s[2], s[3], s[4]), akte.KindCrypto},
		{"one byte appended", append(bytes.Clone(ct), 0), akte.KindCrypto},
		{"tag appended", append(bytes.Clone(ct), make([]byte, tagSize)...), akte.KindCrypto},
		{"last segment repeated", join(hdr, s[0], s[1], s[2], s[3], s[4], s[4]), akte.KindCrypto},
		{"full segment appended", join(fh, fs[0], fs[1], fs[2], fs[3], fs[3]), akte.KindCrypto},
		{"segment from another stream", join(hdr, s[0], os[1], s[2], s[3], s[4]), akte.KindCrypto},
		{"header of another stream", join(ct[:0], other[:streamHeaderSize], ct[streamHeaderSize:]), akte.KindCrypto},
		{"wrong version", append([]byte{2}, ct[1:]...), akte.KindInvalid},
		{"wrong suite", append([]byte{Version, suiteSmall}, ct[2:]...), akte.KindInvalid},
	}
	for _, c := range cases {
		_, err := decrypt(key, c.ct)
		assertKind(t, c.name, err, c.kind)
		_, err = decryptAt(key, c.ct)
		assertKind(t, c.name+" (ReaderAt)", err, c.kind)
	}

	_, err := decrypt(NewKey(), ct)
	assertKind(t, "wrong key", err, akte.KindCrypto)
	_, err = decryptAt(NewKey(), ct)
	assertKind(t, "wrong key (ReaderAt)", err, akte.KindCrypto)

	// Truncation at every length: only the full stream opens.
	for n := 0; n < len(ct); n++ {
		want := akte.KindCrypto
		if n < streamHeaderSize {
			want = akte.KindInvalid
		}
		_, err := decrypt(key, ct[:n])
		assertKind(t, fmt.Sprintf("truncated to %d", n), err, want)
		_, err = decryptAt(key, ct[:n])
		assertKind(t, fmt.Sprintf("truncated to %d (ReaderAt)", n), err, want)
	}

	// Every bit flip. The version, suite and an out-of-range segment size
	// are rejected as malformed before the commitment is checked; every
	// other change fails authentication.
	for i := range len(ct) * 8 {
		bad := bytes.Clone(ct)
		bad[i/8] ^= 1 << (i % 8)
		want := akte.KindCrypto
		if i/8 < 2 {
			want = akte.KindInvalid
		}
		if i/8 >= 2 && i/8 < 6 {
			if _, err := parseStreamPrefix("", bad); err != nil {
				want = akte.KindInvalid
			}
		}
		_, err := decrypt(key, bad)
		assertKind(t, fmt.Sprintf("bit %d flipped", i), err, want)
		_, err = decryptAt(key, bad)
		assertKind(t, fmt.Sprintf("bit %d flipped (ReaderAt)", i), err, want)
	}
}

// A Read that fails must not have released the plaintext of the segment
// that failed.
func TestStreamNoUnauthenticatedPlaintext(t *testing.T) {
	key := NewKey()
	const seg = 64
	pt := pattern(3 * seg)
	ct := mustEncrypt(t, key, pt, seg)
	ct[streamHeaderSize+(seg+tagSize)+3] ^= 1 // second segment
	got, err := decrypt(key, ct)
	assertKind(t, "damaged second segment", err, akte.KindCrypto)
	if len(got) > seg {
		t.Errorf("released %d bytes, only the first segment (%d) is authentic", len(got), seg)
	}
}

func TestNewWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	_, err := NewWriter(&buf, make([]byte, 16))
	assertKind(t, "short key", err, akte.KindInvalid)
	for _, s := range []int{-1, 0, MinSegmentSize - 1, MaxSegmentSize + 1} {
		_, err = NewWriter(&buf, NewKey(), WithSegmentSize(s))
		assertKind(t, fmt.Sprintf("segment size %d", s), err, akte.KindInvalid)
	}
	_, err = NewReader(bytes.NewReader(nil), make([]byte, 31))
	assertKind(t, "reader short key", err, akte.KindInvalid)
	if buf.Len() != 0 {
		t.Errorf("failed NewWriter wrote %d bytes", buf.Len())
	}
	// A failing destination fails the stream for good.
	w, err := NewWriter(&limitWriter{n: streamHeaderSize}, NewKey(), WithSegmentSize(MinSegmentSize))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(pattern(100)); err == nil {
		t.Error("Write to a failing destination succeeded")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed Write succeeded")
	}
}

type limitWriter struct{ n int }

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, io.ErrShortWrite
	}
	w.n -= len(p)
	return len(p), nil
}

func TestCiphertextSize(t *testing.T) {
	const seg = DefaultSegmentSize
	for _, tc := range []struct {
		n    int64
		want int64
	}{
		{0, streamHeaderSize + tagSize},
		{1, streamHeaderSize + 1 + tagSize},
		{seg, streamHeaderSize + seg + tagSize},
		{seg + 1, streamHeaderSize + seg + 1 + 2*tagSize},
		{1 << 40, streamHeaderSize + 1<<40 + (1<<20)*tagSize},
		{-1, -1},
		{seg * maxSegments, streamHeaderSize + seg*maxSegments + maxSegments*tagSize},
		{seg*maxSegments + 1, -1},
	} {
		if got := CiphertextSize(tc.n, seg); got != tc.want {
			t.Errorf("CiphertextSize(%d) = %d, want %d", tc.n, got, tc.want)
		}
		if tc.want < 0 {
			continue
		}
		if got, err := PlaintextSize(tc.want, seg); err != nil || got != tc.n {
			t.Errorf("PlaintextSize(%d) = %d, %v, want %d", tc.want, got, err, tc.n)
		}
	}
	if CiphertextSize(1, 0) != -1 || CiphertextSize(1, MaxSegmentSize+1) != -1 {
		t.Error("CiphertextSize accepts a bad segment size")
	}
	// Lengths no writer produces.
	for _, c := range []int64{-1, 0, streamHeaderSize, streamHeaderSize + tagSize - 1,
		streamHeaderSize + seg + tagSize + 1, streamHeaderSize + seg + 2*tagSize,
		streamHeaderSize + (seg+tagSize)*(maxSegments+1)} {
		_, err := PlaintextSize(c, seg)
		assertKind(t, fmt.Sprintf("PlaintextSize(%d)", c), err, akte.KindInvalid)
	}
	// Every length around a few boundaries round-trips or is rejected.
	for c := int64(0); c < streamHeaderSize+5*(64+tagSize); c++ {
		n, err := PlaintextSize(c, 64)
		if err == nil && CiphertextSize(n, 64) != c {
			t.Errorf("PlaintextSize(%d) = %d, but CiphertextSize(%d) = %d", c, n, n, CiphertextSize(n, 64))
		}
	}
}

// ReadAt may be called concurrently, as io.ReaderAt promises.
func TestReaderAtConcurrent(t *testing.T) {
	key := NewKey()
	const seg = 64
	pt := pattern(40*seg + 3)
	ct := mustEncrypt(t, key, pt, seg)
	r, err := NewReaderAt(bytes.NewReader(ct), int64(len(ct)), key)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			buf := make([]byte, 100)
			for i := range 200 {
				off := (g*977 + i*131) % len(pt)
				n, err := r.ReadAt(buf, int64(off))
				if err != nil && err != io.EOF {
					done <- err
					return
				}
				if !bytes.Equal(buf[:n], pt[off:off+n]) {
					done <- fmt.Errorf("ReadAt(%d): wrong content", off)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestWithStreamRandomRepeats(t *testing.T) {
	key := NewKey()
	seed := make([]byte, StreamRandomSize)
	io.ReadFull(testRand(7), seed)
	pt := make([]byte, 3*MinSegmentSize+5)
	io.ReadFull(testRand(8), pt)
	enc := func() []byte {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, key, WithSegmentSize(MinSegmentSize), WithStreamRandom(bytes.NewReader(seed)))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(pt)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := enc(), enc()
	if !bytes.Equal(a, b) {
		t.Fatal("same key, seed and plaintext gave different streams")
	}
	r, err := NewReader(bytes.NewReader(a), key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := NewWriter(io.Discard, key, WithStreamRandom(bytes.NewReader(seed[:10]))); err == nil {
		t.Fatal("short seed accepted")
	}
}
