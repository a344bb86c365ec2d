package akte

import (
	"context"
	"time"
)

// ShareID identifies a share. The client derives it from the share's
// secret (design §4.3, decision 0042), so the server learns the id and
// never the secret.
type ShareID string

// Share hands chosen items of a record to anyone who holds its secret (a
// link's fragment or a printed access code) and, if it has one, its
// password: each item's key travels wrapped under the share key
// (seal.ViaShare), which the server cannot derive. The server keeps
// ProofHash, the hash of a value only the share key yields, to refuse
// wrong passwords and count them.
type Share struct {
	ID        ShareID
	Owner     AccountID // whose record it is
	Record    RecordID
	CreatedAt time.Time
	CreatedBy AccountID
	ExpiresAt time.Time
	RevokedAt *time.Time
	// LockedAt is when too many wrong passwords locked the share.
	LockedAt *time.Time
	// Failures counts the wrong proofs since the share was made.
	Failures int
	// Code says the secret is a printed access code (else a link's).
	Code bool
	// Password says the share key takes a password.
	Password  bool
	ProofHash []byte
	Items     []ShareItem
	// Views are the times the share was opened, oldest first.
	Views []time.Time
}

// ShareItem is one shared item with its key wrapped under the share key.
type ShareItem struct {
	Item ItemID
	Slot []byte
}

// Open says whether a recipient may open the share at t.
func (s *Share) Open(t time.Time) bool {
	return s.RevokedAt == nil && s.LockedAt == nil && t.Before(s.ExpiresAt)
}

// ShareStore keeps shares; part of Store, with its error contract.
type ShareStore interface {
	// CreateShare inserts a share with its items; KindConflict if the id
	// exists, KindNotFound if the owner does not.
	CreateShare(ctx context.Context, s *Share) error
	// Share returns a share with its items and views.
	Share(ctx context.Context, id ShareID) (*Share, error)
	// Shares lists the shares of an owner's record, newest first, with
	// their items and views.
	Shares(ctx context.Context, owner AccountID) ([]*Share, error)
	// RevokeShare ends a share of the owner's at at and deletes its key
	// slots; KindNotFound if the owner has no such share that is not
	// revoked yet.
	RevokeShare(ctx context.Context, owner AccountID, id ShareID, at time.Time) error
	// ShareFailed counts one wrong proof of the share and, when the count
	// reaches lockAt, locks it at at, in one statement: of concurrent
	// calls exactly one sees locked true. It returns the new count.
	// KindNotFound if there is no such share.
	ShareFailed(ctx context.Context, id ShareID, lockAt int, at time.Time) (failures int, locked bool, err error)
	// AddShareView records that the share was opened at at.
	AddShareView(ctx context.Context, id ShareID, at time.Time) error
}
