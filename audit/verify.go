package audit

import (
	"errors"
	"fmt"
	"time"

	"github.com/akte/akte"
	"golang.org/x/mod/sumdb/tlog"
)

// Options say what a client expects of a page.
type Options struct {
	// Key is the pinned verifier key; empty on first use, when the page's
	// key is trusted and returned for pinning.
	Key string
	// Log is the log the client asked for.
	Log string
	// Last is the signed checkpoint the client kept from its last
	// verification of the log (Verified.Signed), empty if none. It is
	// opened with the pinned key, so a tampered client state is caught too.
	Last string
	// Complete demands that the page reach the end of the log, and start
	// either where retention allows (only before the newest KeepNewest
	// events) or, for a client that keeps the events it verified before,
	// at the size of Last (an incremental read).
	Complete   bool
	KeepNewest int64
	// MaxAge, if not 0, refuses a checkpoint signed longer than MaxAge
	// before Now: a server that withholds new events cannot do so longer.
	Now    time.Time
	MaxAge time.Duration
}

// Verified is the outcome of a successful verification: the key to pin and
// the checkpoint to keep for the next consistency check (both as text, to
// store as they are), and the events of the page, read from their
// verified leaves.
type Verified struct {
	Key        string
	Signed     string
	Checkpoint Checkpoint
	Events     []Event
}

// Reasons of verification errors (akte.Error.Reason, Kind KindCrypto).
const (
	ReasonKeyChanged          = "key_changed"          // the server presents another key than the pinned one
	ReasonCheckpointMalformed = "checkpoint_malformed" // the checkpoint or key cannot be parsed
	ReasonStateInvalid        = "state_invalid"        // the client's kept checkpoint does not open under the pinned key
	ReasonCheckpointSignature = "checkpoint_signature" // the signature does not verify under the pinned key
	ReasonCheckpointOrigin    = "checkpoint_origin"    // the checkpoint is of another log
	ReasonCheckpointRollback  = "checkpoint_rollback"  // smaller or older than the last verified one
	ReasonCheckpointStale     = "checkpoint_stale"     // older than Options.MaxAge
	ReasonConsistencyFailed   = "consistency_failed"   // does not extend the last verified one
	ReasonEventAltered        = "event_altered"        // an event's fields differ from the logged leaf
	ReasonEventInserted       = "event_inserted"       // an event that the signed tree does not hold at its place
	ReasonEventMissing        = "event_missing"        // an event of the range is left out
	ReasonInclusionFailed     = "inclusion_failed"     // the events do not lead to the signed root
)

const opVerify = "audit.verify"

func fail(reason string, params map[string]any, format string, args ...any) error {
	return akte.R(opVerify, akte.KindCrypto, reason, params, fmt.Sprintf(format, args...))
}

// Verify checks a page against the pinned key and the last verified
// checkpoint, and returns what to keep for the next time. Its error is an
// *akte.Error whose Reason says precisely what failed (the Reason*
// constants) and whose Params name the index or sizes concerned.
func Verify(p *Page, o Options) (*Verified, error) {
	key := o.Key
	if key == "" {
		key = p.Key
	} else if p.Key != o.Key {
		return nil, fail(ReasonKeyChanged, nil, "Der Server signiert sein Protokoll mit einem anderen Schlüssel als bisher. Dem Protokoll kann nicht mehr vertraut werden.")
	}
	pub, err := ParsePublicKey(key)
	if err != nil {
		return nil, fail(ReasonCheckpointMalformed, nil, "Der Schlüssel des Protokolls ist beschädigt.")
	}
	c, err := pub.Open([]byte(p.Checkpoint))
	switch {
	case errors.Is(err, ErrMalformed):
		return nil, fail(ReasonCheckpointMalformed, nil, "Der Prüfpunkt des Protokolls ist beschädigt.")
	case errors.Is(err, ErrUnknownKey), errors.Is(err, ErrBadSignature):
		return nil, fail(ReasonCheckpointSignature, nil, "Die Signatur des Prüfpunkts ist ungültig.")
	case err != nil:
		return nil, fail(ReasonCheckpointMalformed, nil, "Der Prüfpunkt des Protokolls ist beschädigt.")
	}
	if log, _ := c.Log(pub.Name); log != o.Log || p.Log != o.Log {
		return nil, fail(ReasonCheckpointOrigin, nil, "Der Prüfpunkt gehört zu einem anderen Protokoll.")
	}
	var last *Checkpoint
	if o.Last != "" {
		l, err := pub.Open([]byte(o.Last))
		if err != nil || l.Origin != c.Origin {
			return nil, fail(ReasonStateInvalid, nil, "Der gespeicherte Prüfpunkt dieses Protokolls ist beschädigt oder gehört zu einem anderen.")
		}
		last = &l
	}
	if err := checkHistory(p, c, last, o); err != nil {
		return nil, err
	}
	events, err := checkEvents(p, c, last, o)
	if err != nil {
		return nil, err
	}
	return &Verified{Key: key, Signed: p.Checkpoint, Checkpoint: c, Events: events}, nil
}

// checkHistory checks c against the last verified checkpoint and the clock.
func checkHistory(p *Page, c Checkpoint, last *Checkpoint, o Options) error {
	if last != nil {
		if c.Size < last.Size {
			return fail(ReasonCheckpointRollback, map[string]any{"size": c.Size, "last_size": last.Size},
				"Der Server zeigt einen älteren Stand des Protokolls als zuvor: %d statt %d Einträge.", c.Size, last.Size)
		}
		if c.Time.Before(last.Time) {
			return fail(ReasonCheckpointRollback, map[string]any{"time": c.Time.Format(time.RFC3339), "last_time": last.Time.Format(time.RFC3339)},
				"Der Server zeigt einen älteren Stand des Protokolls als zuvor (%s statt %s).", c.Time.Format(time.RFC3339), last.Time.Format(time.RFC3339))
		}
		if c.Size > last.Size && p.Since != last.Size {
			return fail(ReasonConsistencyFailed, map[string]any{"since": p.Since, "last_size": last.Size},
				"Der Server beweist nicht, dass das Protokoll den zuletzt geprüften Stand fortsetzt.")
		}
		if err := CheckConsistency(p.Consistency, c.Size, c.Hash, last.Size, last.Hash); err != nil {
			return fail(ReasonConsistencyFailed, map[string]any{"size": c.Size, "last_size": last.Size},
				"Das Protokoll setzt den zuletzt geprüften Stand (%d Einträge) nicht fort: Einträge wurden verändert oder entfernt.", last.Size)
		}
	}
	if o.MaxAge > 0 && o.Now.Sub(c.Time) > o.MaxAge {
		age := o.Now.Sub(c.Time).Truncate(time.Second)
		return fail(ReasonCheckpointStale, map[string]any{"age_seconds": int64(age.Seconds())},
			"Der Prüfpunkt des Protokolls ist %s alt; neuere Einträge könnten zurückgehalten werden.", age)
	}
	return nil
}

// checkEvents checks the entries against the checkpoint and returns their
// events.
func checkEvents(p *Page, c Checkpoint, last *Checkpoint, o Options) ([]Event, error) {
	leaves := make([]tlog.Hash, len(p.Entries))
	events := make([]Event, len(p.Entries))
	filtered := false
	fields := new(lastFields)
	for k := range p.Entries {
		en := &p.Entries[k]
		if en.Index < 0 || en.Index >= c.Size || (k > 0 && en.Index <= p.Entries[k-1].Index) {
			return nil, fail(ReasonEventInserted, map[string]any{"index": en.Index},
				"Eintrag #%d ist nicht an dieser Stelle im signierten Protokoll enthalten.", en.Index)
		}
		leaves[k] = tlog.RecordHash(en.Leaf)
		e, err := en.event(o.Log, fields)
		if err != nil || leaves[k] != en.LeafHash {
			return nil, fail(ReasonEventAltered, map[string]any{"index": en.Index}, "Eintrag #%d wurde nachträglich verändert.", en.Index)
		}
		events[k] = e
		filtered = filtered || en.Proof != nil
	}
	if filtered {
		for k, en := range p.Entries {
			if CheckInclusion(en.Proof, c.Size, c.Hash, en.Index, leaves[k]) != nil {
				return nil, fail(ReasonInclusionFailed, map[string]any{"index": en.Index},
					"Eintrag #%d ist nicht im signierten Stand des Protokolls enthalten.", en.Index)
			}
		}
		return events, nil
	}
	end := p.Start + int64(len(p.Entries))
	for k, en := range p.Entries {
		if want := p.Start + int64(k); en.Index != want {
			return nil, fail(ReasonEventMissing, map[string]any{"index": want}, "Eintrag #%d fehlt.", want)
		}
	}
	if o.Complete {
		if end != c.Size {
			return nil, fail(ReasonEventMissing, map[string]any{"index": end}, "Eintrag #%d fehlt.", end)
		}
		incremental := last != nil && p.Start == last.Size
		if keep := min(o.KeepNewest, c.Size); p.Start > 0 && !incremental && c.Size-p.Start < keep {
			return nil, fail(ReasonEventMissing, map[string]any{"index": p.Start - 1},
				"Eintrag #%d fehlt, obwohl die neuesten %d Einträge immer aufbewahrt werden.", p.Start-1, keep)
		}
	}
	if p.Start < 0 || end > c.Size || CheckRange(p.Range, c.Size, c.Hash, p.Start, leaves) != nil {
		return nil, fail(ReasonInclusionFailed, map[string]any{"start": p.Start, "end": end},
			"Die Einträge #%d bis #%d passen nicht zum signierten Stand des Protokolls.", p.Start, end-1)
	}
	return events, nil
}

// event parses the entry's leaf into its event in the log, with the
// address beside it, which must match the leaf's commitment.
func (en *Entry) event(log string, fields *lastFields) (Event, error) {
	l, e, err := parseLeaf(en.Leaf, fields)
	if err != nil {
		return Event{}, err
	}
	if l != log {
		return Event{}, errors.New("leaf of another log")
	}
	e.Index = en.Index
	if en.Addr != "" {
		e.Addr, e.AddrSalt = en.Addr, en.AddrSalt
		if _, err := e.addrCommit(); err != nil || e.AddrCommit == nil {
			return Event{}, errAddrMismatch
		}
	}
	return e, nil
}

// A client's full read of a record's log (docs/audit.md §6), the same in
// the CLI (client.State.VerifyAudit) and in the browser
// (cmd/akte-audit-wasm): ask for the page since ReadSince, then check it
// with VerifyRead.

// ReadSince returns the size of the checkpoint the client kept (0 if
// none), the since=N of its next read. key and last are what it pinned and
// kept; a kept checkpoint that does not open under the key is
// state_invalid.
func ReadSince(key, last string) (int64, error) {
	if last == "" {
		return 0, nil
	}
	pk, err := ParsePublicKey(key)
	if err != nil {
		return 0, fail(ReasonStateInvalid, nil, "Der gespeicherte Schlüssel des Protokolls ist beschädigt.")
	}
	c, err := pk.Open([]byte(last))
	if err != nil {
		return 0, fail(ReasonStateInvalid, nil, "Der gespeicherte Prüfpunkt dieses Protokolls ist beschädigt.")
	}
	return c.Size, nil
}

// VerifyRead parses and verifies a full read of log: the whole log as
// kept (Complete, the newest DefaultPolicy().KeepNewest always there),
// consistent with last, under key (empty on first use: the page's key is
// trusted and returned for pinning).
func VerifyRead(b []byte, log, key, last string, now time.Time) (*Verified, error) {
	page, err := ParsePage(b)
	if err != nil {
		return nil, fail(ReasonCheckpointMalformed, nil, "Die Antwort des Servers ist kein lesbares Protokoll.")
	}
	return Verify(page, Options{Key: key, Log: log, Last: last, Complete: true, KeepNewest: DefaultPolicy().KeepNewest, Now: now})
}
