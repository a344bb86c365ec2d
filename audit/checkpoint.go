package audit

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the server: the log Origin had Size
// leaves with root hash Hash at Time. Its text is a C2SP tlog-checkpoint
// (c2sp.org/tlog-checkpoint) with one extension line for the time:
//
//	akte.example.org/audit/record/7q2…    origin: key name + "/" + log name
//	1234                                  tree size
//	CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   root hash, base64
//	time 2026-03-01T12:00:00Z             signing time, UTC, seconds
//
// The text is signed as a C2SP signed note (c2sp.org/signed-note) with the
// server's ECDSA P-256 key, signature type 0x02 (decision 0013).
type Checkpoint struct {
	Origin string
	Size   int64
	Hash   tlog.Hash
	Time   time.Time
}

const timePrefix = "time "

// Text returns the note text of c.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n%s%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash[:]),
		timePrefix, c.Time.UTC().Format(time.RFC3339))
}

// ParseCheckpoint parses the note text of a checkpoint. It accepts exactly
// the form Text writes, so that one checkpoint has one text.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	bad := func(what string) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: %s", what)
	}
	lines := strings.Split(string(text), "\n")
	if len(lines) != 5 || lines[4] != "" {
		return bad("want four lines")
	}
	var c Checkpoint
	c.Origin = lines[0]
	if !validLogName(c.Origin) {
		return bad("origin")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return bad("size")
	}
	c.Size = size
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return bad("root hash")
	}
	copy(c.Hash[:], h)
	ts, ok := strings.CutPrefix(lines[3], timePrefix)
	if !ok {
		return bad("time")
	}
	if c.Time, err = time.Parse(time.RFC3339, ts); err != nil || c.Time.Location() != time.UTC {
		return bad("time")
	}
	if !bytes.Equal(c.Text(), text) {
		return bad("not canonical")
	}
	return c, nil
}

// Log returns the log name of c's origin under the key name, or false if
// the origin does not belong to that key.
func (c Checkpoint) Log(keyName string) (string, bool) {
	log, ok := strings.CutPrefix(c.Origin, keyName+"/")
	return log, ok && log != ""
}

// sigECDSA is the C2SP signed-note signature type of ECDSA signatures
// (as Sigstore's Rekor and transparency-dev's witness use them): ASN.1
// DER over the SHA-256 of the note text, key ID = SHA-256(SPKI DER)[:4].
const sigECDSA = 0x02

// Key is the server's signing key for checkpoints. Name (a schema-less URL
// such as "akte.example.org/audit") prefixes the origin of every log the
// key signs; each checkpoint's signature line carries its own origin as
// key name, as c2sp.org/tlog-checkpoint recommends.
type Key struct {
	name string
	priv *ecdsa.PrivateKey
	spki []byte
}

// GenerateKey returns a new random P-256 key with the name.
func GenerateKey(name string) (*Key, error) {
	if !validLogName(name) {
		return nil, fmt.Errorf("invalid key name %q", name)
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return newKey(name, priv)
}

func newKey(name string, priv *ecdsa.PrivateKey) (*Key, error) {
	point, err := priv.PublicKey.Bytes()
	if err != nil {
		return nil, err
	}
	return &Key{name: name, priv: priv, spki: append(slices.Clip(p256SPKI), point...)}, nil
}

// Name returns the key name.
func (k *Key) Name() string { return k.name }

// Public returns the verifier key in the note format
// name+hex(key ID)+base64(0x02 || SPKI DER), the string a client pins.
func (k *Key) Public() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, keyID(k.spki), base64.StdEncoding.EncodeToString(append([]byte{sigECDSA}, k.spki...)))
}

// Origin returns the origin line of the named log under this key.
func (k *Key) Origin(log string) string { return k.name + "/" + log }

// Sign returns the signed note of c. The origin must be one of this key's.
func (k *Key) Sign(c Checkpoint) ([]byte, error) {
	if _, ok := c.Log(k.name); !ok || !validLogName(c.Origin) {
		return nil, fmt.Errorf("audit: origin %q is not under key %q", c.Origin, k.name)
	}
	c.Time = c.Time.UTC().Truncate(time.Second)
	return note.Sign(&note.Note{Text: string(c.Text())}, signer{k, c.Origin})
}

type signer struct {
	k    *Key
	name string
}

func (s signer) Name() string    { return s.name }
func (s signer) KeyHash() uint32 { return keyID(s.k.spki) }
func (s signer) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	return ecdsa.SignASN1(rand.Reader, s.k.priv, d[:])
}

func keyID(spki []byte) uint32 {
	h := sha256.Sum256(spki)
	return binary.BigEndian.Uint32(h[:4])
}

// PublicKey is a parsed verifier key.
type PublicKey struct {
	Name string
	pub  *ecdsa.PublicKey
	id   uint32
}

// ParsePublicKey parses a verifier key as Key.Public writes it.
func ParsePublicKey(vkey string) (*PublicKey, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	idHex, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !validLogName(name) || len(idHex) != 8 {
		return nil, errors.New("malformed verifier key")
	}
	id, err := strconv.ParseUint(idHex, 16, 32)
	if err != nil {
		return nil, errors.New("malformed verifier key id")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 2 || raw[0] != sigECDSA {
		return nil, errors.New("verifier key: want signature type 0x02 (ECDSA)")
	}
	spki := raw[1:]
	if keyID(spki) != uint32(id) {
		return nil, errors.New("verifier key: id does not match the key")
	}
	point, ok := bytes.CutPrefix(spki, p256SPKI)
	if !ok {
		return nil, errors.New("verifier key: want an ECDSA P-256 key")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	return &PublicKey{Name: name, pub: pub, id: uint32(id)}, nil
}

// p256SPKI is the DER of a SubjectPublicKeyInfo of an ECDSA P-256 key (RFC
// 5480: id-ecPublicKey, secp256r1) up to its uncompressed point, which is
// all that follows. Parsing the key with it instead of crypto/x509 keeps
// x509's parsers out of the browser's verifier (cmd/akte-audit-wasm);
// TestPublicKeyDER checks it against x509.
var p256SPKI = []byte{0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00}

type verifier struct {
	k    *PublicKey
	name string
}

func (v verifier) Name() string    { return v.name }
func (v verifier) KeyHash() uint32 { return v.k.id }
func (v verifier) Verify(msg, sig []byte) bool {
	d := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(v.k.pub, d[:], sig)
}

// Errors of Open, telling apart what the verifier reports as
// checkpoint_malformed, key_changed and checkpoint_signature.
var (
	ErrMalformed    = errors.New("malformed checkpoint")
	ErrUnknownKey   = errors.New("the checkpoint is not signed by the pinned key")
	ErrBadSignature = errors.New("the checkpoint's signature is invalid")
)

// Open verifies the signed checkpoint under the public key and parses it.
// The signature line must name the checkpoint's origin, which must lie
// under the key's name.
func (k *PublicKey) Open(signed []byte) (Checkpoint, error) {
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return Checkpoint{}, ErrMalformed
	}
	c, err := ParseCheckpoint(signed[:i+1]) // the text with its final newline
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, ok := c.Log(k.Name); !ok {
		return Checkpoint{}, fmt.Errorf("%w: origin %q is not under %q", ErrUnknownKey, c.Origin, k.Name)
	}
	_, err = note.Open(signed, note.VerifierList(verifier{k, c.Origin}))
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &invalid):
		return Checkpoint{}, ErrBadSignature
	case errors.As(err, &unverified):
		// No signature line names this origin with the pinned key's id:
		// signed by another key (or under another name).
		return Checkpoint{}, ErrUnknownKey
	default:
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
}
