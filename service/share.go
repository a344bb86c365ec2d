package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"regexp"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/mail"
)

// Shares hand chosen items of a record to anyone who holds the share's
// secret — a link's fragment or a printed access code — and its password
// (design §4.3, decision 0042). The client derives the share's id and a
// proof from the secret and the password; the server stores the id and
// the proof's hash, never the secret, and cannot open the items' keys,
// which are wrapped under the share key.
//
// Every attempt to open a share, or to download one of its items, takes
// an attempt from the share's counter and the client address's before the
// proof is checked (attempt.go), so that parallel guesses check no more
// than the limits allow; wrong proofs of an existing share are counted on
// the share itself, and the ShareLockAt-th locks it for good and tells
// the patient. An unknown id, a wrong proof, an expired, revoked or
// locked share all answer share_unavailable with the same work done.

// Share limits.
const (
	DefaultShareDays = 14
	MaxShareDays     = 366 // a year, counted generously for a leap year
	ShareLockAt      = 10  // wrong proofs that lock a share
	maxShareItems    = 100
	shareProofSize   = 32
	// shareFailFloor is the least time a refused proof takes to answer,
	// so that an existing share (whose refusal writes to the store) and
	// an unknown one answer alike in timing too.
	shareFailFloor = 150 * time.Millisecond
)

// The audit operations of shares.
const (
	opShareCreate = string(audit.ShareCreate)
	opShareOpen   = string(audit.ShareOpen)
	opShareRevoke = string(audit.ShareRevoke)
	opShareLock   = string(audit.ShareLock)
)

// shareIDRe is the form of a share id: 32 lowercase hex digits, derived by
// the client from the secret (client/core ShareID).
var shareIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ShareRequest is a new share as the patient's client made it.
type ShareRequest struct {
	ID       akte.ShareID
	Code     bool
	Password bool
	// ExpiresAt ends the share; zero means DefaultShareDays from now.
	ExpiresAt time.Time
	Proof     []byte
	Items     []akte.ShareItem
}

// CreateShare stores a share of items of the record. Only what the
// principal may download can be shared, at most maxShareItems, each
// once; the expiry is in the future and at most MaxShareDays away.
func (s *Service) CreateShare(ctx context.Context, p *Principal, rid akte.RecordID, r ShareRequest) (*akte.Share, error) {
	const op = opShareCreate
	acc, err := s.authorize(ctx, p, rid, ActShareCreate)
	if err != nil {
		return nil, err
	}
	if !shareIDRe.MatchString(string(r.ID)) {
		return nil, invalid(op, "share_id_invalid", nil)
	}
	if len(r.Proof) != shareProofSize {
		return nil, invalid(op, "share_proof_invalid", nil)
	}
	now := s.nowUTC()
	expires := r.ExpiresAt.UTC()
	switch {
	case r.ExpiresAt.IsZero():
		expires = now.AddDate(0, 0, DefaultShareDays)
	case !expires.After(now):
		return nil, invalid(op, "share_expiry_past", nil)
	case expires.After(now.AddDate(0, 0, MaxShareDays)):
		return nil, invalid(op, "share_expiry_too_far", map[string]any{"days": MaxShareDays})
	}
	if len(r.Items) == 0 || len(r.Items) > maxShareItems {
		return nil, invalid(op, "share_items_invalid", map[string]any{"max": maxShareItems})
	}
	seen := map[akte.ItemID]bool{}
	for _, si := range r.Items {
		it, err := s.ownItem(ctx, op, acc, ActItemDownload, si.Item)
		if err == nil && it.State != akte.StateComplete {
			err = itemNotFound(op)
		}
		if err != nil {
			return nil, s.refused(ctx, p, op, "item:"+string(si.Item), err)
		}
		if seen[si.Item] {
			return nil, invalid(op, "share_items_invalid", map[string]any{"max": maxShareItems})
		}
		seen[si.Item] = true
		if err := validateWrapped(op, "items.slot", si.Slot); err != nil {
			return nil, err
		}
	}
	h := sha256.Sum256(r.Proof)
	sh := &akte.Share{ID: r.ID, Owner: acc.Owner, Record: rid, CreatedAt: now, CreatedBy: p.Account.ID, ExpiresAt: expires,
		Code: r.Code, Password: r.Password, ProofHash: h[:], Items: r.Items}
	if err := s.store.CreateShare(ctx, sh); err != nil {
		if akte.Is(err, akte.KindConflict) {
			return nil, akte.R(op, akte.KindConflict, "share_exists", nil, "")
		}
		return nil, internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, op, "share:"+string(sh.ID), akte.Event{}); err != nil {
		return nil, err
	}
	return sh, nil
}

// Shares lists the shares of the record with their view logs.
func (s *Service) Shares(ctx context.Context, p *Principal, rid akte.RecordID) ([]*akte.Share, error) {
	acc, err := s.authorize(ctx, p, rid, ActShareList)
	if err != nil {
		return nil, err
	}
	ss, err := s.store.Shares(ctx, acc.Owner)
	if err != nil {
		return nil, internal("share.list", err)
	}
	for _, sh := range ss {
		sh.ProofHash = nil
		for i := range sh.Items {
			sh.Items[i].Slot = nil
		}
	}
	return ss, nil
}

// RevokeShare ends a share at once: from the next request on it answers
// like one that never existed, and its key slots are deleted.
func (s *Service) RevokeShare(ctx context.Context, p *Principal, rid akte.RecordID, id akte.ShareID) error {
	const op = opShareRevoke
	acc, err := s.authorize(ctx, p, rid, ActShareRevoke)
	if err != nil {
		return err
	}
	notFound := akte.R(op, akte.KindNotFound, "share_not_found", nil, "")
	if !shareIDRe.MatchString(string(id)) {
		return notFound
	}
	if err := s.store.RevokeShare(ctx, acc.Owner, id, s.nowUTC()); akte.Is(err, akte.KindNotFound) {
		return s.refused(ctx, p, op, "share:"+string(id), notFound)
	} else if err != nil {
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "share:"+string(id), akte.Event{})
}

// SharedItem is an item of an opened share with its key wrapped under the
// share key.
type SharedItem struct {
	*akte.Item
	Slot []byte
}

// OpenedShare is what a recipient gets for the right proof.
type OpenedShare struct {
	ID        akte.ShareID
	ExpiresAt time.Time
	Items     []SharedItem
}

// errShareUnavailable is the one answer to every failed attempt.
func errShareUnavailable(op string) error {
	return akte.R(op, akte.KindNotFound, "share_unavailable", nil, "")
}

// shareCounters count attempts at one share id and from one client
// address: ShareLockAt in FailureWindow on the share (a success gives its
// attempt back), AnonPerAddr an hour from the address.
func (s *Service) shareCounters(id akte.ShareID, addr string) []counter {
	return []counter{
		{"share:id:" + string(id), Limit{Free: ShareLockAt, Max: ShareLockAt, Window: s.cfg.FailureWindow}},
		s.anonCounter("share.open", addr),
	}
}

// unlockShare checks a proof of a share after taking the attempts; it
// returns the share if it is open and the proof is right. A wrong proof of
// an existing share is counted on the share (and locks it at
// ShareLockAt) and recorded in the owner's protocol.
func (s *Service) unlockShare(ctx context.Context, op string, id akte.ShareID, proof []byte, addr string) (*akte.Share, error) {
	cs := s.shareCounters(id, addr)
	if _, err := s.take(ctx, op, cs...); err != nil {
		return nil, err
	}
	start := time.Now()
	floor := func() {
		if d := shareFailFloor - time.Since(start); d > 0 {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		}
	}
	var sh *akte.Share
	if shareIDRe.MatchString(string(id)) {
		var err error
		sh, err = s.store.Share(ctx, id)
		if err != nil && !akte.Is(err, akte.KindNotFound) {
			return nil, internal(op, err)
		}
	}
	want := make([]byte, sha256.Size) // compared alike when there is no share
	if sh != nil {
		want = sh.ProofHash
	}
	got := sha256.Sum256(proof)
	right := subtle.ConstantTimeCompare(got[:], want) == 1 && len(proof) == shareProofSize
	now := s.nowUTC()
	if sh == nil || !sh.Open(now) {
		floor()
		return nil, errShareUnavailable(op)
	}
	if !right {
		defer floor()
		event := akte.Event{AccountID: sh.Owner, Operation: opShareOpen, Object: "share:" + string(sh.ID), ActorRole: "share",
			Result: akte.ResultDenied, Cause: "share_unavailable"}
		if err := s.event(ctx, event); err != nil {
			return nil, err
		}
		if _, locked, err := s.store.ShareFailed(ctx, sh.ID, ShareLockAt, now); err != nil {
			return nil, internal(op, err)
		} else if locked {
			s.shareLocked(ctx, sh)
		}
		return nil, errShareUnavailable(op)
	}
	// A restricted record is processed for nobody but its patient
	// (decision 0044): its shares answer like any unavailable one.
	if restricted, err := s.restricted(ctx, sh.Owner); err != nil {
		return nil, internal(op, err)
	} else if restricted {
		floor()
		return nil, errShareUnavailable(op)
	}
	s.release(ctx, cs[0].key, cs[1].key)
	return sh, nil
}

// shareLocked records the lock and tells the patient.
func (s *Service) shareLocked(ctx context.Context, sh *akte.Share) {
	if err := s.event(ctx, akte.Event{AccountID: sh.Owner, Operation: opShareLock, Object: "share:" + string(sh.ID), ActorRole: "system"}); err != nil {
		s.log.Error("record share lock", "err", err)
	}
	a, err := s.store.Account(ctx, sh.Owner)
	if err != nil {
		s.log.Error("share owner", "err", err)
		return
	}
	s.mail(ctx, opShareLock, a, mail.ShareLocked{Created: sh.CreatedAt.Format(time.DateOnly), Attempts: ShareLockAt})
}

// OpenShare opens a share for a recipient without an account: with the
// right proof it returns the share's items that still exist and records
// the view in the share's log and the owner's protocol.
func (s *Service) OpenShare(ctx context.Context, id akte.ShareID, proof []byte, addr string) (*OpenedShare, error) {
	const op = opShareOpen
	sh, err := s.unlockShare(ctx, op, id, proof, addr)
	if err != nil {
		return nil, err
	}
	out := &OpenedShare{ID: sh.ID, ExpiresAt: sh.ExpiresAt}
	for _, si := range sh.Items {
		it, err := s.store.Item(ctx, si.Item)
		if akte.Is(err, akte.KindNotFound) || (err == nil && (it.AccountID != sh.Owner || it.State != akte.StateComplete)) {
			continue // deleted since
		}
		if err != nil {
			return nil, internal(op, err)
		}
		out.Items = append(out.Items, SharedItem{Item: it, Slot: si.Slot})
	}
	if err := s.store.AddShareView(ctx, sh.ID, s.nowUTC()); err != nil {
		return nil, internal(op, err)
	}
	if err := s.event(ctx, akte.Event{AccountID: sh.Owner, Operation: op, Object: "share:" + string(sh.ID), ActorRole: "share"}); err != nil {
		return nil, err
	}
	return out, nil
}

// SharedContent opens the ciphertext of one item of a share, from byte
// offset from, for a recipient with the right proof. An item the share
// does not hold answers as a missing item.
func (s *Service) SharedContent(ctx context.Context, id akte.ShareID, item akte.ItemID, proof []byte, addr string, from int64) (*akte.Item, io.ReadCloser, error) {
	const op = "share.content"
	sh, err := s.unlockShare(ctx, op, id, proof, addr)
	if err != nil {
		return nil, nil, err
	}
	shared := false
	for _, si := range sh.Items {
		shared = shared || si.Item == item
	}
	if !shared {
		return nil, nil, itemNotFound(op)
	}
	it, err := s.store.Item(ctx, item)
	if akte.Is(err, akte.KindNotFound) || (err == nil && (it.AccountID != sh.Owner || it.State != akte.StateComplete)) {
		return nil, nil, itemNotFound(op)
	}
	if err != nil {
		return nil, nil, internal(op, err)
	}
	if from < 0 || (from > 0 && from >= it.Size) {
		return nil, nil, invalid(op, "range_not_satisfiable", map[string]any{"size": it.Size})
	}
	if from == 0 {
		if err := s.event(ctx, akte.Event{AccountID: sh.Owner, Operation: string(audit.ItemDownload), Object: "item:" + string(item),
			ActorID: "share:" + string(sh.ID), ActorRole: "share"}); err != nil {
			return nil, nil, err
		}
	}
	cr := &chunkReader{ctx: ctx, s: s, it: it}
	if it.ChunkSize > 0 {
		cr.n = int(from / it.ChunkSize)
		cr.skip = from % it.ChunkSize
	}
	return it, cr, nil
}
