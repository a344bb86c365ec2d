package seal

import (
	"crypto/cipher"
	"io"
	"sync"

	"github.com/akte/akte"
)

// A ReaderAt decrypts parts of a stream held in an io.ReaderAt, such as a
// file or a ranged download, reading and authenticating only the segments
// that cover the requested range. It is safe for concurrent use.
type ReaderAt struct {
	src    io.ReaderAt
	aead   cipher.AEAD
	prefix []byte
	seg    int64
	size   int64 // plaintext size, authenticated by the last segment
	nseg   int64

	mu    sync.Mutex
	cache []byte // plaintext of segment cached
	ci    int64  // index of the cached segment, -1 if none
	ct    []byte // ciphertext buffer
}

// NewReaderAt returns a ReaderAt for the stream of size bytes in src under
// the 32-byte item key. It authenticates the header and the last segment
// before it returns, so that Size is trustworthy and a truncated or
// extended stream fails here with an error of Kind akte.KindCrypto.
func NewReaderAt(src io.ReaderAt, size int64, key []byte) (*ReaderAt, error) {
	const op = "seal.NewReaderAt"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, errInvalid(op, "negative size")
	}
	hdr := make([]byte, min(size, streamHeaderSize))
	n, err := src.ReadAt(hdr, 0)
	if n < len(hdr) && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	aead, prefix, seg, err := openStreamHeader(op, hdr[:n], key)
	if err != nil {
		return nil, err
	}
	plain, err := PlaintextSize(size, seg)
	if err != nil {
		// The header is authentic, so a length no writer produces means
		// the stream was cut or extended.
		return nil, errCrypto(op, "stream truncated or extended", err)
	}
	r := &ReaderAt{
		src:    src,
		aead:   aead,
		prefix: prefix,
		seg:    int64(seg),
		size:   plain,
		nseg:   max(1, (plain+int64(seg)-1)/int64(seg)),
		ci:     -1,
		ct:     make([]byte, seg+tagSize),
		cache:  make([]byte, 0, seg),
	}
	if err := r.load(r.nseg - 1); err != nil {
		return nil, err
	}
	return r, nil
}

// Size returns the size of the plaintext.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt implements io.ReaderAt over the plaintext. It returns an error of
// Kind akte.KindCrypto if a segment it needs fails to authenticate.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errInvalid("seal.ReadAt", "negative offset")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) && off < r.size {
		i := off / r.seg
		if err := r.load(i); err != nil {
			return n, err
		}
		c := copy(p[n:], r.cache[off-i*r.seg:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// load decrypts segment i into the cache; r.mu must be held (or r not yet
// shared).
func (r *ReaderAt) load(i int64) error {
	if r.ci == i {
		return nil
	}
	start := streamHeaderSize + i*(r.seg+tagSize)
	ct := r.ct
	last := i == r.nseg-1
	if last {
		ct = ct[:r.size-i*r.seg+tagSize]
	}
	// io.ReaderAt may report io.EOF along with a full read at the end.
	if n, err := r.src.ReadAt(ct, start); n < len(ct) {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errCrypto("seal.ReadAt", "stream shorter than its size", err)
		}
		return err
	}
	var nonce [nonceSize]byte
	segmentNonce(&nonce, r.prefix, uint64(i), last)
	out, err := r.aead.Open(r.cache[:0], nonce[:], ct, nil)
	if err != nil {
		r.ci = -1
		return akte.E("seal.ReadAt", akte.KindCrypto, "stream damaged or reordered", err)
	}
	r.cache, r.ci = out, i
	return nil
}
