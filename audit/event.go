package audit

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// Role is the role an actor acted in.
type Role string

const (
	RolePatient        Role = "patient"
	RoleRepresentative Role = "representative"
	RoleProvider       Role = "provider"
	RoleApp            Role = "app"
	RoleInsurer        Role = "insurer"
	RoleShare          Role = "share" // someone holding a share link or access code
	RoleOperator       Role = "operator"
	RoleSystem         Role = "system"
	RoleAnonymous      Role = "anonymous" // not (yet) authenticated
)

// Result is the outcome of the recorded attempt.
type Result string

const (
	ResultOK     Result = "ok"
	ResultDenied Result = "denied" // refused: wrong credentials, no permission, limit reached
	ResultError  Result = "error"  // the server failed
)

// Event is one entry of a log, as the server records it and a client shows
// it after verification. Everything but Index and the address and its salt
// is part of the leaf; the log it belongs to is part of the leaf too.
//
// The client address is personal data kept only 14 days, while the leaf
// must verify for years. So the leaf commits to AddrCommit =
// SHA-256("akte audit addr v1" || 0x00 || AddrSalt || Addr) with a random
// 16-byte salt per event: retention blanks Addr and AddrSalt and keeps
// AddrCommit, which cannot be turned back into the address (the salt makes
// guessing the 2^32 IPv4 addresses useless). While Addr is present a
// client recomputes the commitment, so the address shown is the one
// logged.
type Event struct {
	Index     int64     `json:"index"`
	Time      time.Time `json:"time"`
	Operation Operation `json:"operation"`
	Code      string    `json:"code"` // protocol code of Operation
	Result    Result    `json:"result"`
	Reason    string    `json:"reason,omitempty"` // why it was denied or failed, e.g. "wrong_password"
	Object    string    `json:"object,omitempty"` // what was acted on: "item:ID", "device:ID"; never a title
	ActorID   string    `json:"actor_id,omitempty"`
	ActorRole Role      `json:"actor_role"`
	ActorName string    `json:"actor_name,omitempty"` // as the actor was named at the time
	Device    string    `json:"device,omitempty"`
	Addr      string    `json:"addr,omitempty"` // client address; blank after 14 days
	AddrSalt  []byte    `json:"-"`              // blank with Addr
	// AddrCommit is the commitment to Addr (empty when there was none).
	AddrCommit []byte `json:"-"`
}

// leafVersion is the first byte of every leaf. A new leaf format gets a new
// version; leaves of the old one keep verifying under their own.
const leafVersion = 1

const addrDomain = "akte audit addr v1\x00"

// AddrSaltSize is the size of the random salt of an address commitment.
const AddrSaltSize = 16

// CommitAddr returns the commitment to a client address under salt.
func CommitAddr(salt []byte, addr string) []byte {
	h := sha256.New()
	h.Write([]byte(addrDomain))
	h.Write(salt)
	h.Write([]byte(addr))
	return h.Sum(nil)
}

// SetAddr records the client address addr in e with a fresh salt from rand
// (crypto/rand.Reader in production) and its commitment. An empty address
// leaves all three fields empty.
func (e *Event) SetAddr(rand io.Reader, addr string) error {
	e.Addr, e.AddrSalt, e.AddrCommit = "", nil, nil
	if addr == "" {
		return nil
	}
	salt := make([]byte, AddrSaltSize)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return fmt.Errorf("address salt: %w", err)
	}
	e.Addr, e.AddrSalt, e.AddrCommit = addr, salt, CommitAddr(salt, addr)
	return nil
}

// ForgetAddr removes the address and its salt, keeping the commitment: what
// retention does after 14 days.
func (e *Event) ForgetAddr() { e.Addr, e.AddrSalt = "", nil }

var (
	errAddrMismatch = errors.New("the address does not match its commitment")
	errNotUTF8      = errors.New("a field is not valid UTF-8")
	errNoTime       = errors.New("the time is missing")
	errBadSalt      = errors.New("the address salt has the wrong size")
)

// Leaf returns the canonical bytes of e as a leaf of the log named log:
//
//	leaf = 0x01                          version
//	       str(log)
//	       uint64 big-endian             time, Unix microseconds
//	       str(operation) str(code) str(result) str(reason) str(object)
//	       str(actor_id) str(actor_role) str(actor_name) str(device)
//	       str(addr_commit)              0 or 32 bytes
//	str(s) = uvarint(len(s)) || s
//
// Every field is length-prefixed and in a fixed order, so two different
// events never share a leaf, and binding the log's name keeps an event of
// one record from being shown in another's. Strings must be valid UTF-8,
// so that a leaf survives a JSON round trip. Leaf checks that Addr, when
// present, matches AddrCommit, and uses the commitment computed from Addr
// and AddrSalt. Index is not part of the leaf.
func Leaf(log string, e *Event) ([]byte, error) {
	commit, err := e.addrCommit()
	if err != nil {
		return nil, err
	}
	if e.Time.IsZero() {
		return nil, errNoTime
	}
	strs := [...]string{string(e.Operation), e.Code, string(e.Result), e.Reason, e.Object,
		e.ActorID, string(e.ActorRole), e.ActorName, e.Device}
	n := 1 + 10 + len(log) + 8 + 10 + len(commit)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return nil, errNotUTF8
		}
		n += 10 + len(s)
	}
	if !utf8.ValidString(log) {
		return nil, errNotUTF8
	}
	b := make([]byte, 0, n)
	b = append(b, leafVersion)
	b = appendString(b, log)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixMicro()))
	for _, s := range strs {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(commit)))
	return append(b, commit...), nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// addrCommit returns the commitment the leaf carries: computed from Addr
// and AddrSalt while the address is kept (and then equal to AddrCommit if
// that is given), else AddrCommit as stored.
func (e *Event) addrCommit() ([]byte, error) {
	if e.Addr == "" {
		return e.AddrCommit, nil
	}
	if len(e.AddrSalt) != AddrSaltSize {
		return nil, errBadSalt
	}
	c := CommitAddr(e.AddrSalt, e.Addr)
	if e.AddrCommit != nil && subtle.ConstantTimeCompare(c, e.AddrCommit) != 1 {
		return nil, errAddrMismatch
	}
	return c, nil
}

var errLeaf = errors.New("malformed leaf")

// ParseLeaf parses a leaf as Leaf writes it, strictly: only the bytes Leaf
// would write for the event it returns are accepted (minimal lengths,
// valid UTF-8, nothing after the last field), so one event has one leaf.
// The event has AddrCommit but neither Index nor Addr, which travel beside
// the leaf.
func ParseLeaf(b []byte) (log string, e Event, err error) {
	return parseLeaf(b, new(lastFields))
}

// lastFields holds the string fields of the previous leaf parsed: a
// protocol repeats its log, actors, devices and results from one event to
// the next, and reusing the previous string instead of allocating a new
// one is much of what verifying costs in a browser.
type lastFields [10]string

func parseLeaf(b []byte, last *lastFields) (log string, e Event, err error) {
	if len(b) < 1 || b[0] != leafVersion {
		return "", Event{}, errLeaf
	}
	r := leafReader{b: b[1:], last: last}
	log = r.str(0)
	if len(r.b) < 8 {
		return "", Event{}, errLeaf
	}
	t := time.UnixMicro(int64(binary.BigEndian.Uint64(r.b))).UTC()
	r.b = r.b[8:]
	// The fields in leaf order: the calls of a composite literal run
	// from left to right.
	e = Event{Time: t, Operation: Operation(r.str(1)), Code: r.str(2), Result: Result(r.str(3)), Reason: r.str(4),
		Object: r.str(5), ActorID: r.str(6), ActorRole: Role(r.str(7)), ActorName: r.str(8), Device: r.str(9)}
	if c := r.bytes(); len(c) > 0 {
		e.AddrCommit = []byte(c)
	}
	if r.bad || len(r.b) != 0 || (len(e.AddrCommit) != 0 && len(e.AddrCommit) != sha256.Size) {
		return "", Event{}, errLeaf
	}
	return log, e, nil
}

type leafReader struct {
	b    []byte
	bad  bool
	last *lastFields
}

func (r *leafReader) bytes() []byte {
	n, k := binary.Uvarint(r.b)
	if k <= 0 || (k > 1 && r.b[k-1] == 0) || n > uint64(len(r.b)-k) {
		r.bad = true
		r.b = nil
		return nil
	}
	out := r.b[k : k+int(n)]
	r.b = r.b[k+int(n):]
	return out
}

// str reads string field i (an index into lastFields).
func (r *leafReader) str(i int) string {
	b := r.bytes()
	if string(b) == r.last[i] {
		return r.last[i]
	}
	if !utf8.Valid(b) {
		r.bad = true
	}
	r.last[i] = string(b)
	return r.last[i]
}

// LeafHash returns the RFC 6962 leaf hash of e in the log named log.
func LeafHash(log string, e *Event) (tlog.Hash, error) {
	b, err := Leaf(log, e)
	if err != nil {
		return tlog.Hash{}, err
	}
	return tlog.RecordHash(b), nil
}

// Normalize prepares an event for appending: the time in UTC to the
// microsecond (what the stores keep and the leaf encodes), the protocol
// code from the catalogue, ResultOK for an empty result.
func (e *Event) Normalize() {
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if e.Code == "" {
		e.Code = e.Operation.Code()
	}
	if e.Result == "" {
		e.Result = ResultOK
	}
}
