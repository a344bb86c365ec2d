package akte

import "time"

// Event is one entry of the audit protocol (design §7, docs/audit.md). The
// service writes it pending (Index -1); the sequencer gives it its place
// in its log (Index), fills Code and Class, and raises Time so that a
// log's times never decrease. No field holds health data.
type Event struct {
	ID    int64
	Log   string // "record/<account id>" or "system"
	Index int64  // position in Log; -1 while pending
	Time  time.Time
	// AccountID is whose record or account the event concerns; may be empty.
	AccountID  AccountID
	Operation  string // e.g. "account.register", "session.login"
	Code       string // protocol code of Operation, e.g. "AUT-01"; set when sequenced
	Object     string // what was acted on, e.g. "device:abc", "item:xyz"; never a title
	ActorID    string // account id, "operator:NAME" or "system"
	ActorRole  string // patient, operator, system, anonymous
	ActorName  string
	DeviceID   DeviceID
	ClientAddr string // kept 14 days (retention job), then cleared with AddrSalt
	AddrSalt   []byte // salt of AddrCommit, cleared with ClientAddr
	AddrCommit []byte // commitment to ClientAddr in the leaf; kept
	Result     string // ResultOK, ResultDenied or ResultError
	// Cause is why it was denied or failed, e.g. "wrong_totp": the leaf's
	// reason. It is data of the protocol, not the Reason of an error (no
	// catalogue text), hence another name.
	Cause string
	Class string // retention class: protocol, security, operator; set when sequenced
}

// Event results.
const (
	ResultOK     = "ok"
	ResultDenied = "denied" // refused: wrong credentials, no permission, limit reached
	ResultError  = "error"  // the server failed
)

// AuditLog is the state of one log of the audit protocol: its size (the
// sequenced events), the time of its newest event, and its newest signed
// checkpoint (empty if none yet) with the size and time it was signed at.
type AuditLog struct {
	Name           string
	Size           int64
	LastTime       time.Time
	Checkpoint     []byte
	CheckpointSize int64
	CheckpointAt   time.Time
}

// LogAppend is what one sequencing round appends to one log: the events
// (by ID, with their Index, Time, Code, Class, AddrSalt and AddrCommit as
// sequenced), the stored hashes of the Merkle tree from index HashStart
// on, and the log's new size and newest time. OldSize is the size the
// sequencer started from.
type LogAppend struct {
	Log       string
	OldSize   int64
	NewSize   int64
	LastTime  time.Time
	Events    []*Event
	HashStart int64
	Hashes    [][32]byte
}
