package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"io"
	"testing"
)

// BenchmarkStream measures the streaming format end to end through its io
// interfaces; compare with BenchmarkRawGCM, the cost of AES-256-GCM alone
// on the same segment size.
func BenchmarkStream(b *testing.B) {
	const size = 64 << 20
	key := NewKey()
	pt := pattern(size)
	b.Run("encrypt", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			w, err := NewWriter(io.Discard, key)
			if err != nil {
				b.Fatal(err)
			}
			w.Write(pt)
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, key)
	w.Write(pt)
	w.Close()
	ct := buf.Bytes()
	b.Run("decrypt", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			r, err := NewReader(bytes.NewReader(ct), key)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decrypt-at", func(b *testing.B) {
		b.SetBytes(size)
		out := make([]byte, DefaultSegmentSize)
		for b.Loop() {
			r, err := NewReaderAt(bytes.NewReader(ct), int64(len(ct)), key)
			if err != nil {
				b.Fatal(err)
			}
			for off := int64(0); off < r.Size(); off += int64(len(out)) {
				if _, err := r.ReadAt(out, off); err != nil && err != io.EOF {
					b.Fatal(err)
				}
			}
		}
	})
}

func BenchmarkRawGCM(b *testing.B) {
	block, _ := aes.NewCipher(NewKey())
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, nonceSize)
	pt := pattern(DefaultSegmentSize)
	out := make([]byte, 0, len(pt)+tagSize)
	b.Run("seal", func(b *testing.B) {
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			out = aead.Seal(out[:0], nonce, pt, nil)
		}
	})
	ct := aead.Seal(nil, nonce, pt, nil)
	b.Run("open", func(b *testing.B) {
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			var err error
			out, err = aead.Open(out[:0], nonce, ct, nil)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSmall(b *testing.B) {
	key := NewKey()
	pt := pattern(256)
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		ct, _ := SealSmall(key, []byte("aad"), pt)
		if _, err := OpenSmall(key, []byte("aad"), ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHPKE(b *testing.B) {
	pub, priv, _ := NewKeyPair()
	key := NewKey()
	for b.Loop() {
		ct, _ := SealTo(pub, nil, key)
		if _, err := OpenFrom(priv, nil, ct); err != nil {
			b.Fatal(err)
		}
	}
}
