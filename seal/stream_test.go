package seal

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

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
