package core

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// The upload protocol, once for both clients (decision 0003, 0017): the
// CLI runs it through package client, the browser asks the WebAssembly
// build for the layout of each chunk, the retry delays and the resume
// check, and only moves bytes itself.

// Layout is the arithmetic of one upload: a seal stream of PlainSize bytes
// in segments of Segment plaintext bytes, cut into server chunks of
// ChunkSize ciphertext bytes (the last may be shorter).
type Layout struct {
	PlainSize int64 `json:"plain_size"`
	Segment   int   `json:"segment"`
	ChunkSize int64 `json:"chunk_size"`
}

// Size is the ciphertext size: what the upload declares to the server.
func (l Layout) Size() int64 { return seal.CiphertextSize(l.PlainSize, l.Segment) }

// Segments is the number of stream segments (docs/crypto.md §5.2).
func (l Layout) Segments() int64 {
	return max(1, (l.PlainSize+int64(l.Segment)-1)/int64(l.Segment))
}

// Chunks is the number of server chunks.
func (l Layout) Chunks() int { return int((l.Size() + l.ChunkSize - 1) / l.ChunkSize) }

// Chunk returns the ciphertext bytes [from, to) of chunk n.
func (l Layout) Chunk(n int) (from, to int64) {
	from = int64(n) * l.ChunkSize
	return from, min(from+l.ChunkSize, l.Size())
}

// Piece is the part of one chunk that comes from the stream header
// (Segment -1) or from one segment's ciphertext: bytes [From, To) of it.
// A segment's plaintext is the file's bytes [PlainFrom, PlainTo); Last
// says it is the stream's last segment (its nonce flag, §5.2).
type Piece struct {
	Segment   int64 `json:"segment"`
	Last      bool  `json:"last"`
	PlainFrom int64 `json:"plain_from"`
	PlainTo   int64 `json:"plain_to"`
	From      int64 `json:"from"`
	To        int64 `json:"to"`
}

// Pieces lists the pieces of chunk n in order: what a client encrypts to
// produce that chunk alone (a stream segment depends only on the key, the
// header's random bytes, its index and its plaintext).
func (l Layout) Pieces(n int) []Piece {
	from, to := l.Chunk(n)
	var ps []Piece
	const h = seal.StreamHeaderSize
	if from < h {
		ps = append(ps, Piece{Segment: -1, From: from, To: min(to, h)})
	}
	seg := int64(l.Segment) + seal.SegmentOverhead
	last := l.Segments() - 1
	for i := max(0, (from-h)/seg); i <= last; i++ {
		start := h + i*seg // the segment's ciphertext in the stream
		pf, pt := i*int64(l.Segment), min((i+1)*int64(l.Segment), l.PlainSize)
		end := start + (pt - pf) + seal.SegmentOverhead
		if start >= to {
			break
		}
		ps = append(ps, Piece{Segment: i, Last: i == last, PlainFrom: pf, PlainTo: pt, From: max(from, start) - start, To: min(to, end) - start})
	}
	return ps
}

// RetryRule says which failed requests of a transfer are sent again, how
// often and after what wait: requests without an answer (status 0), and
// the answers 408, 429, 500, 502, 503 and 504; up to Tries times, waiting
// First, then twice as long each time, at most Max (with the defaults
// about 48 s in all). Every other answer is final.
type RetryRule struct {
	Tries      int
	First, Max time.Duration
}

// DefaultRetry is the rule both clients use.
func DefaultRetry() RetryRule {
	return RetryRule{Tries: 10, First: 250 * time.Millisecond, Max: 8 * time.Second}
}

// Retryable reports whether a request that failed with the HTTP status (0:
// no answer at all) may succeed if sent again.
func Retryable(status int) bool {
	switch status {
	case 0, 408, 429, 500, 502, 503, 504:
		return true
	}
	return false
}

// Delay returns the wait before retry number attempt (0 for the first) of
// a request that failed with status, and false if the client must give up.
func (r RetryRule) Delay(attempt, status int) (time.Duration, bool) {
	if !Retryable(status) || attempt >= r.Tries {
		return 0, false
	}
	d := r.First
	for range attempt {
		if d *= 2; d >= r.Max {
			return r.Max, true
		}
	}
	return min(d, r.Max), true
}

// DigestPiece is the piece size of PlainDigest.
const DigestPiece = 1 << 20

// Digester computes the plaintext digest of a document, which its sealed
// metadata carries (Meta.Digest): SHA-256 over the ASCII bytes "akte
// plaintext digest v1", a zero byte, and the SHA-256 of each DigestPiece
// bytes of the plaintext in order (the last piece may be shorter; the
// empty plaintext is one empty piece). Pieces let the browser compute it
// with WebCrypto, which has no streaming hash (docs/crypto.md §4.1).
type Digester struct {
	root, piece hash.Hash
	n           int  // bytes in the current piece
	any         bool // a piece was started
}

// NewDigester returns an empty digester.
func NewDigester() *Digester {
	d := &Digester{root: sha256.New(), piece: sha256.New()}
	d.root.Write([]byte("akte plaintext digest v1\x00"))
	return d
}

// Write adds plaintext.
func (d *Digester) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if d.n == DigestPiece {
			d.root.Write(d.piece.Sum(nil))
			d.piece.Reset()
			d.n = 0
		}
		k := min(len(p), DigestPiece-d.n)
		d.piece.Write(p[:k])
		d.n += k
		d.any = true
		p = p[k:]
	}
	return n, nil
}

// Sum finishes the digest and returns it in lower-case hex; nothing may
// be written after it.
func (d *Digester) Sum() string {
	if d.n > 0 || !d.any {
		d.root.Write(d.piece.Sum(nil))
		d.n, d.any = 0, true
	}
	return hex.EncodeToString(d.root.Sum(nil))
}

// Plan is everything needed to send, and after an interruption resume,
// the upload of one file. Key and Seed are secret: a caller that keeps a
// plan must seal them. Encrypting the same plaintext with the same Key and
// Seed gives the same stream (seal.WithStreamRandom), so the chunks the
// server holds stay valid; encrypting other plaintext with them would
// reuse AES-GCM nonces, so a plan is resumed only after CheckResume.
type Plan struct {
	Request   wire.UploadRequest `json:"request"`
	PlainSize int64              `json:"plain_size"`
	// Digest is the plaintext digest of the file the plan was made for
	// (also sealed in the item's metadata).
	Digest string `json:"digest"`
	Key    []byte `json:"key,omitempty"`
	Seed   []byte `json:"seed,omitempty"`
	// Sent holds the SHA-256 (hex) of every chunk this client has begun
	// to send, by number, recorded before its first byte left: also a
	// chunk whose request broke off, which the server may have seen.
	Sent map[int]string `json:"sent,omitempty"`
}

// NewPlan prepares the upload of a file of plainSize bytes with the given
// plaintext digest (the one sealed in the prepared item's metadata) as
// the prepared item, with a fresh stream seed.
func NewPlan(it *NewItem, plainSize int64, digest, replaces string) *Plan {
	seed := make([]byte, seal.StreamRandomSize)
	rand.Read(seed)
	return &Plan{
		Request: wire.UploadRequest{ID: it.ID, Category: it.Category, KeyVersion: it.KeyVersion,
			Size: seal.CiphertextSize(plainSize, seal.DefaultSegmentSize), MetaSealed: it.MetaSealed, KeySlot: it.KeySlot, Replaces: replaces},
		PlainSize: plainSize, Digest: digest, Key: it.Key, Seed: seed, Sent: map[int]string{},
	}
}

// Layout is the plan's layout for the server's chunk size.
func (p *Plan) Layout(chunkSize int64) Layout {
	return Layout{PlainSize: p.PlainSize, Segment: seal.DefaultSegmentSize, ChunkSize: chunkSize}
}

// ChunkSum is the form of a chunk's sum in plans and upload status: the
// SHA-256 of its bytes in lower-case hex.
func ChunkSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Scan reads a file once and returns its plaintext digest and, for a plan
// (nil: none), the sums of the chunks of chunkSize bytes that the plan's
// key and seed make of it: what CheckResume compares.
func Scan(r io.Reader, p *Plan, chunkSize int64) (digest string, sums map[int]string, err error) {
	d := NewDigester()
	if p == nil {
		_, err := io.Copy(d, r)
		return d.Sum(), nil, err
	}
	sums = map[int]string{}
	cs := &chunkSums{size: chunkSize, sums: sums, h: sha256.New()}
	w, err := seal.NewWriter(cs, p.Key, seal.WithStreamRandom(bytes.NewReader(p.Seed)))
	if err != nil {
		return "", nil, err
	}
	if _, err := io.Copy(io.MultiWriter(w, d), r); err != nil {
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	cs.flush()
	return d.Sum(), sums, nil
}

// chunkSums hashes a ciphertext stream chunk by chunk.
type chunkSums struct {
	size int64
	sums map[int]string
	h    hash.Hash
	n    int   // current chunk
	in   int64 // its bytes so far
}

func (c *chunkSums) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		k := min(int64(len(p)), c.size-c.in)
		c.h.Write(p[:k])
		c.in += k
		p = p[k:]
		if c.in == c.size {
			c.flush()
		}
	}
	return total, nil
}

func (c *chunkSums) flush() {
	if c.in == 0 {
		return
	}
	c.sums[c.n] = hex.EncodeToString(c.h.Sum(nil))
	c.h.Reset()
	c.n++
	c.in = 0
}

// CheckResume decides whether an interrupted upload may go on, before a
// byte of it is sent again: the file's plaintext digest must be the
// plan's, every chunk this client began to send must encrypt to what it
// sent then (sums: the chunk sums of the file under the plan's key and
// seed, for the server's chunk size), and every chunk the server holds
// must be what the file encrypts to (the server reports each chunk's
// SHA-256; a chunk held without one is accepted only if this client's
// record of sending it agrees). Anything else fails with the reason
// upload_changed: the caller then starts over under a new key and seed,
// since sending other plaintext under the plan's nonces would give the
// server the XOR of two plaintexts and the GHASH key.
func CheckResume(p *Plan, digest string, sums map[int]string, st *wire.Upload) error {
	changed := UploadChanged
	if p.Digest == "" || digest != p.Digest {
		return changed("plaintext digest differs")
	}
	if st.Size != p.Request.Size || st.ChunkSize <= 0 {
		return changed("upload size or chunk size differs")
	}
	for n, s := range p.Sent {
		if sums[n] != s {
			return changed(sprintf("chunk %d differs from what was sent", n))
		}
	}
	for _, n := range st.Chunks {
		got, ok := st.ChunkSums[n]
		switch {
		case sums[n] == "":
			return changed(sprintf("the server holds chunk %d, which the file does not have", n))
		case ok && got != sums[n]:
			return changed(sprintf("the server's chunk %d differs", n))
		case !ok && p.Sent[n] != sums[n]:
			return changed(sprintf("the server's chunk %d has no sum and was not sent by this client", n))
		}
	}
	return nil
}

// UploadChanged is CheckResume's refusal (reason upload_changed, kind
// KindConflict); detail, for the log, says what differed.
func UploadChanged(detail string) error {
	return &akte.Error{Op: "upload.resume", Kind: akte.KindConflict, Reason: "upload_changed",
		Message: "Die Datei ist nicht mehr die, deren Hochladen unterbrochen wurde; sie wird unter einem neuen Schlüssel von vorn hochgeladen.",
		Err:     errors.New(detail)}
}

// FileChanged is the error of an upload whose file changed while it was
// read (reason file_changed_during_upload, kind KindConflict).
func FileChanged(detail string) error {
	return &akte.Error{Op: "upload", Kind: akte.KindConflict, Reason: "file_changed_during_upload",
		Message: "Die Datei hat sich während des Hochladens geändert. Bitte laden Sie sie erneut hoch.", Err: errors.New(detail)}
}
