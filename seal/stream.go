package seal

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"

	"github.com/akte/akte"
)

// A stream is laid out as a 77-byte header followed by segments:
//
//	version(1) = 0x01 | suite(1) = 0x02 | segment size(4, big endian) |
//	salt(32) | nonce prefix(7) | commitment(32)
//
// The segment size counts plaintext bytes. With Ks and Kc derived from the
// item key and the salt by HKDF-SHA-256, commitment = HMAC-SHA-256(Kc,
// header[0:45]), and segment i (from 0) is AES-256-GCM under Ks with nonce
// prefix‖uint32(i)‖flag, flag 1 for the last segment and 0 otherwise, and
// empty associated data. Every segment but the last holds exactly one
// segment size of plaintext; the last holds 1 to segment size bytes, or 0
// if the whole plaintext is empty. This is Tink's AES-GCM-HKDF streaming
// construction: the counter in the nonce detects reordering, the flag
// detects truncation at a segment boundary and extension.
const (
	streamHeaderSize = 2 + 4 + saltSize + prefixSize + commitSize
	saltSize         = 32
	prefixSize       = 7
)

// StreamHeaderSize is the size of a stream's header, and SegmentOverhead
// what encryption adds to each segment (its tag): segment i of a stream
// with segment size S starts at StreamHeaderSize + i·(S+SegmentOverhead)
// (docs/crypto.md §5.5).
const (
	StreamHeaderSize = streamHeaderSize
	SegmentOverhead  = tagSize
)

// Segment sizes. The maximum bounds the memory a reader allocates for a
// header it has not authenticated yet.
const (
	DefaultSegmentSize = 1 << 20
	MinSegmentSize     = 16
	MaxSegmentSize     = 16 << 20
)

// maxSegments is the number of segments the 32-bit counter can name.
const maxSegments = 1 << 32

// An Option configures NewWriter.
type Option func(*options)

type options struct {
	segmentSize int
	rand        io.Reader
}

// WithSegmentSize sets the plaintext bytes per segment (default
// DefaultSegmentSize). The size is written into the header, so readers need
// no configuration. Small segments cost 16 bytes each; large ones cost
// reader memory.
func WithSegmentSize(n int) Option {
	return func(o *options) { o.segmentSize = n }
}

// withRand replaces the random source for salt and nonce prefix; only the
// test vectors use it.
func withRand(r io.Reader) Option {
	return func(o *options) { o.rand = r }
}

// StreamRandomSize is the number of random bytes NewWriter draws: the salt
// and the nonce prefix of the header.
const StreamRandomSize = saltSize + prefixSize

// WithStreamRandom makes NewWriter take the salt and nonce prefix from r
// (StreamRandomSize bytes) instead of crypto/rand. It exists for resumable
// uploads: a client that keeps the item key and these bytes can encrypt the
// same plaintext again after an interruption and get exactly the same
// stream, so that the chunks the server already holds stay valid. The bytes
// must be random, and must never be used again with the same key for a
// different plaintext: that would reuse AES-GCM nonces, which loses
// confidentiality and authenticity.
func WithStreamRandom(r io.Reader) Option {
	return func(o *options) { o.rand = r }
}

func validSegmentSize(n int) bool { return n >= MinSegmentSize && n <= MaxSegmentSize }

// CiphertextSize returns the exact size of the stream NewWriter produces for
// plainSize bytes of plaintext with the given segment size, so that a server
// can check a quota before it stores a byte. It returns -1 if plainSize is
// negative, segmentSize is out of range or the plaintext would need more
// segments than the format can count.
func CiphertextSize(plainSize int64, segmentSize int) int64 {
	if plainSize < 0 || !validSegmentSize(segmentSize) {
		return -1
	}
	seg := int64(segmentSize)
	n := (plainSize + seg - 1) / seg
	if n == 0 {
		n = 1 // an empty plaintext is one empty final segment
	}
	if n > maxSegments {
		return -1
	}
	return streamHeaderSize + plainSize + n*tagSize
}

// PlaintextSize is the inverse of CiphertextSize: it returns the plaintext
// size of a stream of cipherSize bytes, or an error of Kind akte.KindInvalid
// if no stream with this segment size has that length.
func PlaintextSize(cipherSize int64, segmentSize int) (int64, error) {
	const op = "seal.PlaintextSize"
	if !validSegmentSize(segmentSize) {
		return 0, errInvalid(op, "segment size out of range")
	}
	body := cipherSize - streamHeaderSize
	if body < tagSize {
		return 0, errInvalid(op, "not a valid stream length")
	}
	seg := int64(segmentSize)
	full, rem := body/(seg+tagSize), body%(seg+tagSize)
	switch {
	case rem == 0:
		// The last segment is full.
	case rem == tagSize && full == 0:
		// The empty stream.
	case rem <= tagSize:
		return 0, errInvalid(op, "not a valid stream length")
	}
	n := full
	if rem > 0 {
		n++
	}
	if n > maxSegments {
		return 0, errInvalid(op, "too many segments")
	}
	return body - n*tagSize, nil
}

// streamKeys derives the segment cipher and the commitment key.
func streamKeys(key, salt []byte) (cipher.AEAD, []byte) {
	return newGCM(deriveKey(key, salt, infoStreamKey)), deriveKey(key, salt, infoStreamCommit)
}

func segmentNonce(nonce *[nonceSize]byte, prefix []byte, i uint64, last bool) {
	copy(nonce[:], prefix)
	binary.BigEndian.PutUint32(nonce[prefixSize:], uint32(i))
	nonce[nonceSize-1] = 0
	if last {
		nonce[nonceSize-1] = 1
	}
}

// NewWriter returns a WriteCloser that encrypts everything written to it
// under the 32-byte item key and writes the stream to dst. It writes the
// header before it returns. The stream is complete only when Close has
// returned nil; Close does not close dst. One item key may seal any number
// of streams: the random 256-bit salt gives each its own segment key.
func NewWriter(dst io.Writer, key []byte, opts ...Option) (io.WriteCloser, error) {
	const op = "seal.NewWriter"
	o := options{segmentSize: DefaultSegmentSize, rand: rand.Reader}
	for _, f := range opts {
		f(&o)
	}
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	if !validSegmentSize(o.segmentSize) {
		return nil, errInvalid(op, "segment size out of range")
	}
	hdr := make([]byte, 6, streamHeaderSize)
	hdr[0], hdr[1] = Version, suiteStream
	binary.BigEndian.PutUint32(hdr[2:6], uint32(o.segmentSize))
	random, err := randomBytes(o.rand, saltSize+prefixSize)
	if err != nil {
		return nil, err
	}
	hdr = append(hdr, random...)
	salt, prefix := hdr[6:6+saltSize], hdr[6+saltSize:6+saltSize+prefixSize]
	aead, ck := streamKeys(key, salt)
	hdr = append(hdr, commitment(ck, hdr)...)
	if _, err := dst.Write(hdr); err != nil {
		return nil, err
	}
	return &writer{
		dst:    dst,
		aead:   aead,
		prefix: prefix,
		seg:    o.segmentSize,
		buf:    make([]byte, 0, o.segmentSize),
		out:    make([]byte, 0, o.segmentSize+tagSize),
	}, nil
}

type writer struct {
	dst    io.Writer
	aead   cipher.AEAD
	prefix []byte
	seg    int
	buf    []byte // pending plaintext, at most seg bytes
	out    []byte // ciphertext of one segment
	i      uint64 // index of the next segment
	err    error  // sticky: after a failed write the stream is broken
}

var errClosed = errors.New("seal: write to closed stream")

func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		// A full buffer is written only once more plaintext arrives:
		// until then it might be the last segment.
		if len(w.buf) == w.seg {
			if err := w.flush(w.buf, false); err != nil {
				return n, err
			}
			w.buf = w.buf[:0]
		}
		// Encrypt straight from p when it holds more than a segment,
		// saving a copy.
		if len(w.buf) == 0 && len(p) > w.seg {
			if err := w.flush(p[:w.seg], false); err != nil {
				return n, err
			}
			n += w.seg
			p = p[w.seg:]
			continue
		}
		c := copy(w.buf[len(w.buf):w.seg], p)
		w.buf = w.buf[:len(w.buf)+c]
		n += c
		p = p[c:]
	}
	return n, nil
}

// Close writes the last segment. It does not close the underlying writer.
func (w *writer) Close() error {
	if w.err != nil {
		if w.err == errClosed {
			return nil
		}
		return w.err
	}
	if err := w.flush(w.buf, true); err != nil {
		return err
	}
	w.err = errClosed
	return nil
}

func (w *writer) flush(p []byte, last bool) error {
	if w.i >= maxSegments || (!last && w.i == maxSegments-1) {
		w.err = akte.E("seal.Write", akte.KindTooLarge, "stream too long for its segment size", nil)
		return w.err
	}
	var nonce [nonceSize]byte
	segmentNonce(&nonce, w.prefix, w.i, last)
	w.out = w.aead.Seal(w.out[:0], nonce[:], p, nil)
	if _, err := w.dst.Write(w.out); err != nil {
		w.err = err
		return err
	}
	w.i++
	return nil
}

// parseStreamPrefix checks the fixed fields of a stream header and returns
// the segment size. It looks at no more than the first 6 bytes.
func parseStreamPrefix(op string, hdr []byte) (int, error) {
	if err := checkHeader(op, hdr, suiteStream, 6); err != nil {
		return 0, err
	}
	seg := binary.BigEndian.Uint32(hdr[2:6])
	if seg < MinSegmentSize || seg > MaxSegmentSize {
		return 0, errInvalid(op, "segment size out of range")
	}
	return int(seg), nil
}

// openStreamHeader parses and authenticates a stream header. It returns
// the segment cipher, the nonce prefix and the segment size.
func openStreamHeader(op string, hdr []byte, key []byte) (cipher.AEAD, []byte, int, error) {
	seg, err := parseStreamPrefix(op, hdr)
	if err != nil {
		return nil, nil, 0, err
	}
	if len(hdr) < streamHeaderSize {
		return nil, nil, 0, errInvalid(op, "truncated header")
	}
	salt := hdr[6 : 6+saltSize]
	prefix := hdr[6+saltSize : 6+saltSize+prefixSize]
	aead, ck := streamKeys(key, salt)
	if !hmac.Equal(commitment(ck, hdr[:streamHeaderSize-commitSize]), hdr[streamHeaderSize-commitSize:streamHeaderSize]) {
		return nil, nil, 0, errCrypto(op, "wrong key or damaged header", nil)
	}
	return aead, prefix, seg, nil
}

// NewReader returns a Reader that decrypts the stream read from src with
// the 32-byte item key. It reads and authenticates the header before it
// returns: an error of Kind akte.KindInvalid means src is not a stream of
// this format version, one of Kind akte.KindCrypto means the key is wrong
// or the header was changed.
//
// Read releases plaintext one segment at a time, only after the segment has
// been authenticated, and returns io.EOF only after the authenticated last
// segment. A truncated, reordered or extended stream makes Read return an
// error of Kind akte.KindCrypto, possibly after earlier segments were
// returned: a caller must not act on the plaintext before Read returned
// io.EOF. Errors of src are returned as they are.
func NewReader(src io.Reader, key []byte) (io.Reader, error) {
	const op = "seal.NewReader"
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	hdr := make([]byte, streamHeaderSize)
	// Check the fixed fields first, so that the input of another format
	// or version says so rather than "truncated".
	n, err := io.ReadFull(src, hdr[:6])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	if _, err := parseStreamPrefix(op, hdr[:n]); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(src, hdr[6:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errInvalid(op, "truncated header")
		}
		return nil, err
	}
	aead, prefix, seg, err := openStreamHeader(op, hdr, key)
	if err != nil {
		return nil, err
	}
	return &reader{
		src:    src,
		aead:   aead,
		prefix: prefix,
		seg:    seg,
		in:     make([]byte, 0, seg+tagSize+1),
		buf:    make([]byte, 0, seg),
	}, nil
}

type reader struct {
	src    io.Reader
	aead   cipher.AEAD
	prefix []byte
	seg    int
	in     []byte // ciphertext read ahead: up to one segment and one byte
	buf    []byte // plaintext of the current segment
	out    []byte // the part of buf not yet returned
	i      uint64 // index of the next segment
	last   bool   // the last segment has been read
	err    error  // sticky; io.EOF after the last segment
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		switch {
		case r.err != nil:
			return 0, r.err
		case r.last:
			r.err = io.EOF
		default:
			r.err = r.next()
		}
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// next reads, authenticates and decrypts one segment into r.out.
func (r *reader) next() error {
	const op = "seal.Read"
	// Read one byte past a full segment: whether it exists decides if
	// this segment must be the last.
	n, err := io.ReadFull(r.src, r.in[len(r.in):cap(r.in)])
	r.in = r.in[:len(r.in)+n]
	last := false
	switch err {
	case nil:
	case io.EOF, io.ErrUnexpectedEOF:
		last = true
	default:
		return err
	}
	seg := r.in
	if !last {
		seg = r.in[:r.seg+tagSize]
	}
	if len(seg) < tagSize {
		return errCrypto(op, "stream truncated", nil)
	}
	if last && len(seg) == tagSize && r.i > 0 {
		// Only an empty stream ends in an empty segment; the writer
		// never produces one otherwise.
		return errCrypto(op, "stream truncated or extended", nil)
	}
	if r.i >= maxSegments {
		return errCrypto(op, "too many segments", nil)
	}
	var nonce [nonceSize]byte
	segmentNonce(&nonce, r.prefix, r.i, last)
	out, err := r.aead.Open(r.buf[:0], nonce[:], seg, nil)
	if err != nil {
		return errCrypto(op, "stream damaged, truncated or reordered", err)
	}
	r.out = out
	r.i++
	if last {
		r.in = r.in[:0]
		r.last = true
		return nil
	}
	// Keep the extra byte for the next segment.
	r.in = r.in[:copy(r.in, r.in[r.seg+tagSize:])]
	return nil
}
