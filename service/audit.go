package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
)

// The audit protocol (decision 0013, docs/audit.md). Requests write their
// events pending, through the appender's group commits, before they
// answer; the sequencer (one per deployment, under the jobs lease, and on
// demand before a read) gives them their places in their logs' Merkle
// trees; checkpoints are signed at most once a minute per grown log, and
// on demand for a read.

// logOf names the log of an event of the account: its record's, or the
// system's for events that concern no account. A record's log is named by
// its account, which outlives a reset of the record's keys (a reset gives
// the record a new id; its protocol goes on).
func logOf(account akte.AccountID) string {
	if account == "" {
		return audit.SystemLog
	}
	return audit.RecordLog(string(account))
}

// event records an audit event before the request answers: it returns once
// the event is durably stored, pending. When it cannot be stored the
// failure is logged and returned, and noted in ctx (TrackAudit), so that
// the HTTP layer answers unavailable instead of answering unaudited.
func (s *Service) event(ctx context.Context, e akte.Event) error {
	if s.cfg.Unaudited {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = s.nowUTC()
	}
	if e.Result == "" {
		e.Result = akte.ResultOK
	}
	if e.Log == "" {
		e.Log = logOf(e.AccountID)
	}
	if t, ok := ctx.Value(auditTrackKey{}).(*auditTrack); ok && e.ClientAddr == "" && e.ActorRole != "system" {
		e.ClientAddr = t.addr
	}
	for _, f := range []*string{&e.Object, &e.ActorID, &e.ActorName, &e.Cause, (*string)(&e.DeviceID), &e.ClientAddr} {
		*f = strings.ToValidUTF8(*f, "\uFFFD") // a leaf holds UTF-8 only
	}
	if e.ClientAddr != "" && e.AddrSalt == nil {
		var ae audit.Event
		if err := ae.SetAddr(rand.Reader, e.ClientAddr); err != nil {
			return s.eventFailed(ctx, &e, err)
		}
		e.AddrSalt, e.AddrCommit = ae.AddrSalt, ae.AddrCommit
	}
	if err := s.appender.add(ctx, s.store, &e); err != nil {
		return s.eventFailed(ctx, &e, err)
	}
	return nil
}

// readEvent records the caller's read of its own record or account.
func (s *Service) readEvent(ctx context.Context, p *Principal, op, object string) error {
	return s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: object, ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
}

// refused records that the caller's attempt was refused as err says (an
// item that is not the caller's, or none) and returns err; other errors
// (the server's) pass unrecorded.
func (s *Service) refused(ctx context.Context, p *Principal, op, object string, err error) error {
	if k := akte.KindOf(err); k != akte.KindNotFound && k != akte.KindForbidden {
		return err
	}
	reason, _ := akte.ReasonOf(err)
	account, role := p.Account.ID, "patient"
	if p.Party != nil {
		// A party has no protocol of its own: the operator's log keeps it.
		account, role = "", string(p.Party.Kind)
	}
	if err := s.event(ctx, akte.Event{AccountID: account, Operation: op, Object: object, ActorID: string(p.Account.ID),
		ActorRole: role, DeviceID: p.Session.DeviceID, Result: akte.ResultDenied, Cause: reason}); err != nil {
		return err
	}
	return err
}

// AccountRead records that the caller read its account's data (the
// account, its key bundle).
func (s *Service) AccountRead(ctx context.Context, p *Principal) error {
	return s.readEvent(ctx, p, "account.read", "account:"+string(p.Account.ID))
}

func (s *Service) eventFailed(ctx context.Context, e *akte.Event, err error) error {
	s.log.Error("record event", "operation", e.Operation, "err", err)
	if t, ok := ctx.Value(auditTrackKey{}).(*auditTrack); ok {
		t.err.CompareAndSwap(nil, &err)
	}
	return akte.E("audit.record", akte.KindUnavailable, "", err)
}

type auditTrackKey struct{}

type auditTrack struct {
	err  atomic.Pointer[error]
	addr string // the request's client address
}

// TrackAudit returns a context under which failures to record an audit
// event are noted, and a function that returns the first of them (nil if
// every event was stored). The HTTP layer answers a request whose event
// could not be stored as unavailable: no answer without its event. addr
// is the request's client address, recorded with every event of the
// request that names none itself (the environment of the protocol, kept
// 14 days).
func TrackAudit(ctx context.Context, addr string) (context.Context, func() error) {
	t := &auditTrack{addr: addr}
	return context.WithValue(ctx, auditTrackKey{}, t), func() error {
		if p := t.err.Load(); p != nil {
			return *p
		}
		return nil
	}
}

// appender inserts events in group commits: the first caller to find it
// idle becomes the leader and commits what is queued, including its own
// event, in one transaction; callers that arrive meanwhile queue and wait.
// When the leader's batch is done it hands the lead to the first of the
// queued callers. One fsync serves a batch, not one per event, and no
// goroutine outlives its request.
type appender struct {
	mu      sync.Mutex
	queue   []*appending
	leading bool
}

type appending struct {
	e    *akte.Event
	done chan appendResult
}

type appendResult struct {
	err  error
	lead bool // the caller is to commit the queue now
}

// maxBatch bounds a group commit.
const maxBatch = 256

func (a *appender) add(ctx context.Context, st akte.Store, e *akte.Event) error {
	me := &appending{e: e, done: make(chan appendResult, 1)}
	a.mu.Lock()
	a.queue = append(a.queue, me)
	if a.leading {
		a.mu.Unlock()
		r := <-me.done
		if !r.lead {
			return r.err
		}
		a.mu.Lock()
	}
	a.leading = true
	n := min(len(a.queue), maxBatch)
	batch := a.queue[:n:n]
	a.queue = a.queue[n:]
	a.mu.Unlock()

	es := make([]*akte.Event, len(batch))
	for i, p := range batch {
		es[i] = p.e
	}
	// The batch is committed whatever happens to this request: others
	// wait for it.
	err := st.AddEvents(context.WithoutCancel(ctx), es)
	for _, p := range batch {
		if p != me {
			p.done <- appendResult{err: err}
		}
	}
	a.mu.Lock()
	if len(a.queue) > 0 {
		a.queue[0].done <- appendResult{lead: true}
	} else {
		a.leading = false
	}
	a.mu.Unlock()
	return err
}

// toAudit is the audit package's view of a stored event.
func toAudit(e *akte.Event) audit.Event {
	return audit.Event{Index: e.Index, Time: e.Time, Operation: audit.Operation(e.Operation), Code: e.Code,
		Result: audit.Result(e.Result), Reason: e.Cause, Object: e.Object, ActorID: e.ActorID, ActorRole: audit.Role(e.ActorRole),
		ActorName: e.ActorName, Device: string(e.DeviceID), Addr: e.ClientAddr, AddrSalt: e.AddrSalt, AddrCommit: e.AddrCommit}
}

// hashReader reads a log's stored hashes from the store.
type hashReader struct {
	ctx   context.Context
	store akte.Store
	log   string
}

func (h hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	hs, err := h.store.AuditHashes(h.ctx, h.log, indexes)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(hs))
	for i, x := range hs {
		out[i] = tlog.Hash(x)
	}
	return out, nil
}

// sequenceBatch is how many pending events one sequencing round takes.
// Each round is one transaction on the database's one writer, which the
// requests' group commits wait for: rounds of 1,000 held it for 25–40 ms
// and set the audited reads' p99 (docs/benchmarks.md); rounds of 128 hold
// it for a few milliseconds and halve that p99 at the same throughput.
const sequenceBatch = 128

// Sequence integrates the pending events into their logs, round after
// round until none is left, and returns the logs that gained events an
// alarm looks at (audit.Alarming): the logs to run detection on. Rounds
// of concurrent sequencers (a read's and the job's, or two replicas')
// exclude each other in the store (KindConflict); the loser reads again.
func (s *Service) Sequence(ctx context.Context) ([]string, error) {
	touched := map[string]bool{}
	conflicts := 0
	for {
		logs, err := s.sequenceRound(ctx)
		if akte.Is(err, akte.KindConflict) && conflicts < 20 {
			conflicts++
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(logs) == 0 {
			break
		}
		for _, l := range logs {
			touched[l] = true
		}
	}
	out := make([]string, 0, len(touched))
	for l := range touched {
		out = append(out, l)
	}
	return out, nil
}

func (s *Service) sequenceRound(ctx context.Context) ([]string, error) {
	pending, err := s.store.PendingEvents(ctx, sequenceBatch)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	var order []string
	byLog := map[string][]*akte.Event{}
	for _, e := range pending {
		if byLog[e.Log] == nil {
			order = append(order, e.Log)
		}
		byLog[e.Log] = append(byLog[e.Log], e)
	}
	appends := make([]akte.LogAppend, 0, len(order))
	var alarming []string
	for _, log := range order {
		a, alarm, err := s.appendOf(ctx, log, byLog[log])
		if err != nil {
			return nil, err
		}
		appends = append(appends, a)
		if alarm {
			alarming = append(alarming, log)
		}
	}
	if err := s.store.AppendLeaves(ctx, appends); err != nil {
		return nil, err
	}
	return alarming, nil
}

// appendOf sequences the pending events of one log and reports whether
// any of them is one an alarm looks at.
func (s *Service) appendOf(ctx context.Context, log string, es []*akte.Event) (_ akte.LogAppend, alarming bool, err error) {
	var size int64
	var last time.Time
	switch l, err := s.store.AuditLog(ctx, log); {
	case err == nil:
		size, last = l.Size, l.LastTime
	case !akte.Is(err, akte.KindNotFound):
		return akte.LogAppend{}, false, err
	}
	aes := make([]audit.Event, len(es))
	for i, e := range es {
		if e.ClientAddr != "" && len(e.AddrSalt) != audit.AddrSaltSize {
			// An event written before the addresses were committed to.
			aes[i].SetAddr(rand.Reader, e.ClientAddr)
			e.AddrSalt, e.AddrCommit = aes[i].AddrSalt, aes[i].AddrCommit
		}
		if e.ClientAddr == "" && len(e.AddrCommit) == 0 {
			e.AddrSalt, e.AddrCommit = nil, nil
		}
		aes[i] = toAudit(e)
	}
	lastTime := audit.Sequence(size, last, aes)
	leaves := make([]tlog.Hash, len(es))
	for i, e := range es {
		ae := &aes[i]
		e.Index, e.Time, e.Code = ae.Index, ae.Time, ae.Code
		e.Class = string(audit.ClassOf(log, ae.Operation))
		h, err := audit.LeafHash(log, ae)
		if err != nil {
			return akte.LogAppend{}, false, fmt.Errorf("event %d: %w", e.ID, err)
		}
		leaves[i] = h
		alarming = alarming || audit.Alarming(ae)
	}
	start, hashes, _, err := audit.Append(hashReader{ctx, s.store, log}, size, leaves)
	if err != nil {
		return akte.LogAppend{}, false, err
	}
	a := akte.LogAppend{Log: log, OldSize: size, NewSize: size + int64(len(es)), LastTime: lastTime, Events: es, HashStart: start}
	a.Hashes = make([][32]byte, len(hashes))
	for i, h := range hashes {
		a.Hashes[i] = h
	}
	return a, alarming, nil
}

// keyName is the name of the server's audit key: the host of its public
// URL and "/audit" (decision 0013).
func keyName(baseURL string) string {
	host := "akte"
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		host = u.Host
	}
	return host + "/audit"
}

// auditSecret is the name under which the key is kept in the database
// (akte.Store.Secret: the first replica's key wins).
const auditSecret = "audit_key"

// AuditKey returns the checkpoint signing key: the one given in
// Options.AuditKeyPEM, else the one kept in the database, made on first
// use.
func (s *Service) AuditKey(ctx context.Context) (*audit.Key, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.akey != nil {
		return s.akey, nil
	}
	name := keyName(s.cfg.BaseURL)
	pem := s.keyPEM
	if pem == nil {
		k, err := audit.GenerateKey(name)
		if err != nil {
			return nil, internal("audit.key", err)
		}
		if pem, err = k.MarshalPEM(); err != nil {
			return nil, internal("audit.key", err)
		}
		if pem, err = s.store.Secret(ctx, auditSecret, pem); err != nil {
			return nil, internal("audit.key", err)
		}
	}
	k, err := audit.ParseKey(name, pem)
	if err != nil {
		return nil, akte.E("audit.key", akte.KindInvalid, "", err)
	}
	s.akey = k
	return k, nil
}

// signLog signs a checkpoint of the log at size and stores it (unless a
// larger one was stored meanwhile), and returns it. Its time never goes
// back behind the stored checkpoint's, so a client never sees a log's
// checkpoints go back in time, whichever replica signs.
func (s *Service) signLog(ctx context.Context, l *akte.AuditLog, size int64) ([]byte, error) {
	key, err := s.AuditKey(ctx)
	if err != nil {
		return nil, err
	}
	root, err := tlog.TreeHash(size, hashReader{ctx, s.store, l.Name})
	if err != nil {
		return nil, internal("audit.sign", err)
	}
	at := s.nowUTC().Truncate(time.Second)
	if at.Before(l.CheckpointAt) {
		at = l.CheckpointAt
	}
	signed, err := key.Sign(audit.Checkpoint{Origin: key.Origin(l.Name), Size: size, Hash: root, Time: at})
	if err != nil {
		return nil, internal("audit.sign", err)
	}
	if err := s.store.SaveCheckpoint(ctx, l.Name, size, signed, at); err != nil && !akte.Is(err, akte.KindConflict) {
		return nil, internal("audit.sign", err)
	}
	return signed, nil
}

// CheckpointEvery is how often at most a grown log gets a new checkpoint
// from the sequencer (reads sign on demand).
const CheckpointEvery = time.Minute

// SignCheckpoints signs a checkpoint for every log that grew since its
// last one, if that is at least CheckpointEvery old.
func (s *Service) SignCheckpoints(ctx context.Context) (int, error) {
	logs, err := s.store.LogsToCheckpoint(ctx, s.nowUTC().Add(-CheckpointEvery))
	if err != nil {
		return 0, err
	}
	for _, name := range logs {
		l, err := s.store.AuditLog(ctx, name)
		if err != nil {
			return 0, err
		}
		if _, err := s.signLog(ctx, l, l.Size); err != nil {
			return 0, err
		}
	}
	return len(logs), nil
}

// auditRetention applies the retention policy (docs/audit.md §7): it
// forgets client addresses, deletes expired entries (never the newest
// KeepNewest of a record) and expired system events. The logs' hashes and
// checkpoints stay, so every proof keeps working.
func (s *Service) auditRetention(ctx context.Context, now time.Time) (int, error) {
	p := s.cfg.Retention
	total := 0
	// A period of 0 (a configuration that names none) keeps everything:
	// retention never deletes by default value.
	steps := []func() (int, error){
		func() (int, error) { return s.store.ClearEventAddrsBefore(ctx, p.AddrCutoff(now)) },
		func() (int, error) {
			if p.KeepNewest <= 0 {
				return 0, nil
			}
			return s.store.DeleteProtocolEvents(ctx, p.Cutoff(now, audit.ClassProtocol), p.KeepNewest)
		},
		func() (int, error) {
			if p.Security <= 0 {
				return 0, nil
			}
			return s.store.DeleteSystemEvents(ctx, string(audit.ClassSecurity), p.Cutoff(now, audit.ClassSecurity))
		},
		func() (int, error) {
			if p.Operator <= 0 {
				return 0, nil
			}
			return s.store.DeleteSystemEvents(ctx, string(audit.ClassOperator), p.Cutoff(now, audit.ClassOperator))
		},
	}
	for i, step := range steps {
		if i == 0 && p.Addr <= 0 {
			continue
		}
		n, err := step()
		if err != nil {
			return total, err
		}
		if i > 0 {
			total += n
		}
	}
	return total, nil
}

// AuditRound sequences the pending events, raises the alarms they meet and
// signs the checkpoints that are due: what the job runs every
// SequenceInterval on the replica that holds the jobs lease.
func (s *Service) AuditRound(ctx context.Context) error {
	if err := s.sequenceAndDetect(ctx); err != nil {
		return err
	}
	_, err := s.SignCheckpoints(ctx)
	return err
}

// sequenceAndDetect sequences the pending events and runs the alarms'
// detection on the logs that gained events an alarm looks at: whoever
// sequences (the job, or a read of the protocol on any replica) detects.
func (s *Service) sequenceAndDetect(ctx context.Context) error {
	logs, err := s.Sequence(ctx)
	if err != nil {
		return err
	}
	for _, l := range logs {
		if err := s.detectAlarms(ctx, l); err != nil {
			return err
		}
	}
	return nil
}

// SequenceInterval is how often the sequencer runs: an alarm is raised
// within about this long of its event. (A read of the protocol sequences
// what is pending itself.) Rounds are not run sooner when events arrive:
// under load a round every 200 ms takes large batches and leaves the
// database's one writer to the requests' group commits in between.
const SequenceInterval = 200 * time.Millisecond

// AuditPage returns the caller's record's protocol as a page (docs/audit.md
// §5): every event still kept, with a range proof, under a checkpoint
// covering them, and a consistency proof from since, the size of the
// checkpoint the client verified last. The read itself is recorded
// (audit.read) and shows on the next read.
func (s *Service) AuditPage(ctx context.Context, p *Principal, since int64) ([]byte, error) {
	const op = "audit.read"
	if since < 0 {
		return nil, akte.R(op, akte.KindInvalid, "invalid_since", nil, "")
	}
	if err := s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "record:" + string(p.Account.ID),
		ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID}); err != nil {
		return nil, err
	}
	key, err := s.AuditKey(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.sequenceAndDetect(ctx); err != nil {
		// The page shows what is sequenced: a sequencer that cannot
		// append (a forged row taking the next index, say) must not hide
		// the log from the client that would detect the forgery.
		s.log.Error("audit sequencer", "err", err)
	}
	log := logOf(p.Account.ID)
	l, err := s.store.AuditLog(ctx, log)
	if err != nil {
		return nil, internal(op, err)
	}
	n := l.Size
	// Everything the store holds of the log, read after its size: every
	// legitimate event below n is here. Rows at n or beyond are either
	// appended since (their indexes are below the log's size now, and are
	// left for the next read) or were never appended (they are shown, and
	// the client reports them as inserted).
	es, err := s.store.LogEvents(ctx, log, 0, math.MaxInt64, 1<<20)
	if err != nil {
		return nil, internal(op, err)
	}
	later, err := s.store.AuditLog(ctx, log) // the log's size after the read
	if err != nil {
		return nil, internal(op, err)
	}
	signed := l.Checkpoint
	if l.CheckpointSize != n {
		if signed, err = s.signLog(ctx, l, n); err != nil {
			return nil, err
		}
	}
	hr := hashReader{ctx, s.store, log}
	page := &audit.Page{Key: key.Public(), Log: log, Checkpoint: string(signed), Since: since}
	if since < n {
		if page.Consistency, err = audit.ProveConsistency(n, since, hr); err != nil {
			return nil, internal(op, err)
		}
	}
	var idx []int64
	for _, e := range es {
		if e.Index >= n && e.Index < later.Size {
			continue
		}
		ae := toAudit(e)
		leaf, err := audit.Leaf(log, &ae)
		if err != nil {
			// A row that cannot make a leaf (its address no longer
			// matches its commitment): shown as it is, for the client
			// to report.
			leaf = []byte(e.Operation)
		}
		page.Entries = append(page.Entries, audit.Entry{Index: e.Index, Leaf: leaf, Addr: e.ClientAddr, AddrSalt: e.AddrSalt})
		if e.Index < n {
			idx = append(idx, tlog.StoredHashIndex(0, e.Index))
		}
	}
	hs, err := s.store.AuditHashes(ctx, log, idx)
	if err != nil {
		return nil, internal(op, err)
	}
	for i := range hs {
		page.Entries[i].LeafHash = tlog.Hash(hs[i])
	}
	if len(page.Entries) > 0 {
		page.Start = page.Entries[0].Index
	}
	if end := page.Start + int64(len(page.Entries)); end <= n {
		if page.Range, err = audit.ProveRange(n, page.Start, end, hr); err != nil {
			return nil, internal(op, err)
		}
	}
	b, err := page.MarshalBinary()
	if err != nil {
		return nil, internal(op, err)
	}
	return b, nil
}

// VerifierKey returns the verifier key of the server's audit key, the
// string clients pin and an operator publishes.
func (s *Service) VerifierKey(ctx context.Context) (string, error) {
	k, err := s.AuditKey(ctx)
	if err != nil {
		return "", err
	}
	return k.Public(), nil
}

// PublicAuditKey returns the verifier key to anyone (GET
// /api/v1/audit/key), counted on the client address's hourly limit as
// the other unauthenticated paths are.
func (s *Service) PublicAuditKey(ctx context.Context, cl Client) (string, error) {
	const op = "audit.key"
	if _, err := s.take(ctx, op, counter{"audit_key:addr:" + cl.Addr, PerHour(s.cfg.PreloginPerAddr)}); err != nil {
		return "", err
	}
	return s.VerifierKey(ctx)
}
