package seal

import (
	"bytes"
	"io"
	"testing"

	"github.com/akte/akte"
)

// Every decoder of untrusted bytes has a fuzz target. Besides not
// panicking, a decoder may fail only with KindInvalid or KindCrypto.

var fuzzKey = bytes.Repeat([]byte{0x42}, KeySize)

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if k := akte.KindOf(err); k != akte.KindInvalid && k != akte.KindCrypto {
		t.Fatalf("error of kind %v: %v", k, err)
	}
}

func streamSeeds(f *testing.F) {
	for _, n := range []int{0, 1, 15, 16, 17, 50} {
		ct := encryptSeed(f, pattern(n), MinSegmentSize)
		f.Add(ct)
		f.Add(ct[:len(ct)-1])
	}
	f.Add([]byte{})
	f.Add([]byte{Version, suiteStream, 0, 0, 0, 16})
}

func encryptSeed(f *testing.F, pt []byte, seg int) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, fuzzKey, WithSegmentSize(seg), withRand(testRand(7)))
	if err != nil {
		f.Fatal(err)
	}
	w.Write(pt)
	w.Close()
	return buf.Bytes()
}

func FuzzStreamHeader(f *testing.F) {
	streamSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, prefix, seg, err := openStreamHeader("fuzz", b, fuzzKey)
		checkFuzzErr(t, err)
		if err == nil && (len(prefix) != prefixSize || !validSegmentSize(seg)) {
			t.Fatalf("accepted header with prefix %x, segment size %d", prefix, seg)
		}
	})
}

// FuzzStreamReader also checks that the sequential and the random-access
// reader agree on every input.
func FuzzStreamReader(f *testing.F) {
	streamSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decrypt(fuzzKey, b)
		checkFuzzErr(t, err)
		gotAt, errAt := decryptAt(fuzzKey, b)
		checkFuzzErr(t, errAt)
		if (err == nil) != (errAt == nil) {
			t.Fatalf("NewReader: %v, NewReaderAt: %v", err, errAt)
		}
		if err == nil && !bytes.Equal(got, gotAt) {
			t.Fatal("readers disagree on the plaintext")
		}
	})
}

func FuzzStreamRoundTrip(f *testing.F) {
	f.Add([]byte("hello"), uint16(16), uint16(3))
	f.Add(pattern(100), uint16(32), uint16(32))
	f.Add([]byte{}, uint16(17), uint16(1))
	f.Fuzz(func(t *testing.T, pt []byte, seg, chunk uint16) {
		s := MinSegmentSize + int(seg)%256
		c := 1 + int(chunk)%100
		var buf bytes.Buffer
		w, err := NewWriter(&buf, fuzzKey, WithSegmentSize(s))
		if err != nil {
			t.Fatal(err)
		}
		for p := pt; len(p) > 0; {
			n := min(c, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != CiphertextSize(int64(len(pt)), s) {
			t.Fatalf("size %d, CiphertextSize %d", buf.Len(), CiphertextSize(int64(len(pt)), s))
		}
		r, err := NewReader(bytes.NewReader(buf.Bytes()), fuzzKey)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzPlaintextSize(f *testing.F) {
	f.Add(int64(streamHeaderSize+tagSize), uint32(16))
	f.Add(int64(1<<40), uint32(DefaultSegmentSize))
	f.Fuzz(func(t *testing.T, c int64, seg uint32) {
		n, err := PlaintextSize(c, int(seg))
		checkFuzzErr(t, err)
		if err == nil && CiphertextSize(n, int(seg)) != c {
			t.Fatalf("PlaintextSize(%d, %d) = %d, CiphertextSize back = %d", c, seg, n, CiphertextSize(n, int(seg)))
		}
	})
}

func FuzzOpenSmall(f *testing.F) {
	for _, pt := range [][]byte{nil, []byte("metadata")} {
		ct, _ := sealSmall(testRand(3), fuzzKey, []byte("aad"), pt)
		f.Add([]byte("aad"), ct)
	}
	f.Add([]byte{}, []byte{Version, suiteSmall})
	f.Fuzz(func(t *testing.T, aad, b []byte) {
		_, err := OpenSmall(fuzzKey, aad, b)
		checkFuzzErr(t, err)
	})
}

func fuzzKeyPair(f *testing.F) (pub, priv []byte) {
	pub, priv, err := newKeyPair(testRand(9))
	if err != nil {
		f.Fatal(err)
	}
	return pub, priv
}

func FuzzOpenFrom(f *testing.F) {
	pub, priv := fuzzKeyPair(f)
	ct, err := SealTo(pub, []byte("aad"), []byte("secret"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("aad"), ct)
	f.Add([]byte{}, ct[:hpkeOverhead])
	f.Fuzz(func(t *testing.T, aad, b []byte) {
		_, err := OpenFrom(priv, aad, b)
		checkFuzzErr(t, err)
	})
}

// FuzzKeys feeds arbitrary bytes to the key parsers.
func FuzzKeys(f *testing.F) {
	pub, priv := fuzzKeyPair(f)
	f.Add(pub)
	f.Add(priv)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := PublicKey(b)
		checkFuzzErr(t, err)
		_, err = SealTo(b, nil, []byte("x"))
		checkFuzzErr(t, err)
	})
}

func FuzzUnwrapKey(f *testing.F) {
	pub, priv := fuzzKeyPair(f)
	for _, via := range []Via{ViaKey, ViaPublicKey, ViaShare} {
		k := fuzzKey
		if via == ViaPublicKey {
			k = pub
		}
		slot, err := WrapKey(via, k, ItemKey, "item-1", fuzzKey)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(via), uint8(ItemKey), "item-1", slot)
	}
	f.Add(uint8(0), uint8(0), "", []byte{Version, suiteSlot, 0, 0})
	f.Fuzz(func(t *testing.T, via, kt uint8, id string, slot []byte) {
		k := fuzzKey
		if Via(via) == ViaPublicKey {
			k = priv
		}
		_, err := UnwrapKey(Via(via), k, KeyType(kt), id, slot)
		checkFuzzErr(t, err)
	})
}
