package akte

import (
	"context"
	"iter"
	"time"
)

// Store keeps the metadata of accounts, sessions, devices, tokens,
// events, records and items. It persists and queries; it holds no rules (those live in
// package service), so every backend behaves the same. Each method is
// atomic. Methods return *Error values with these kinds:
// KindNotFound when the object does not exist, KindConflict when a unique
// property is taken or a conditional update lost, KindUnavailable when the
// backend cannot be reached. Times are kept to the microsecond and returned
// in UTC; creating a device, session or token for a missing account gives
// KindNotFound. storetest.Run is the conformance suite.
type Store interface {
	// CreateAccount inserts a new account and, if r is not nil, its record
	// (r.AccountID must be a.ID) in one transaction: a registration is
	// stored whole or not at all. KindConflict if the e-mail is taken, or
	// if a is confirmed and another confirmed account holds its KVNR: only
	// confirmed accounts hold a KVNR, and an empty KVNR (released, see
	// ReleaseKVNR) is held by nobody.
	CreateAccount(ctx context.Context, a *Account, r *Record) error
	// Account returns the account with the id.
	Account(ctx context.Context, id AccountID) (*Account, error)
	// AccountByEmail returns the account with the (lower-cased) e-mail.
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	// UpdateAccount overwrites every mutable field of the account with the
	// same id: everything except ID, Email, KVNR, BirthDate, CreatedAt,
	// TOTPLastCounter, which only AdvanceTOTP moves (a stale copy written
	// back must not let a used code count again), and Lang, which only
	// SetAccountLang sets (a stale copy must not undo a change either).
	// KindConflict if a is confirmed and another confirmed account holds
	// its KVNR (so the confirmation of the second of two accounts naming
	// one KVNR fails), and KindConflict with reason account_changed if the
	// stored account's Rev is no longer a.Rev: it was written since a was
	// read (a password change must not write back keys a rotation
	// replaced, nor an authenticator change undo a password change). On
	// success a.Rev is the new revision.
	UpdateAccount(ctx context.Context, a *Account) error
	// SetAccountEmail moves the account to another (lower-cased)
	// address. KindConflict if another account holds it, KindNotFound
	// without the account.
	SetAccountEmail(ctx context.Context, id AccountID, email string) error
	// ReleaseKVNR empties the KVNR of the confirmed account that holds
	// kvnr, so that another account can be confirmed with it, and returns
	// that account's id. KindNotFound if no confirmed account holds kvnr.
	ReleaseKVNR(ctx context.Context, kvnr string) (AccountID, error)
	// SetAccountLang sets the account's Lang. KindNotFound if there is no
	// such account.
	SetAccountLang(ctx context.Context, id AccountID, lang string) error
	// AdvanceTOTP sets TOTPLastCounter to counter if it is currently lower
	// and reports whether it did; a false answer means the code was used.
	AdvanceTOTP(ctx context.Context, id AccountID, counter int64) (bool, error)
	// DeleteAccount removes the account and everything that belongs to it
	// (sessions, devices, tokens, its record and items); its events stay,
	// and so do attempt counters, whose keys the store does not read.
	DeleteAccount(ctx context.Context, id AccountID) error
	// Accounts lists accounts ordered by creation time.
	Accounts(ctx context.Context) ([]*Account, error)
	// UnconfirmedAccountsBefore lists ids of accounts created before t
	// whose e-mail was never confirmed.
	UnconfirmedAccountsBefore(ctx context.Context, t time.Time) ([]AccountID, error)

	// CreateDevice inserts a device; KindConflict if (account, id) exists.
	CreateDevice(ctx context.Context, d *Device) error
	// Device returns one device of an account.
	Device(ctx context.Context, account AccountID, id DeviceID) (*Device, error)
	// UpdateDevice overwrites Name, ConfirmedAt, BlockedAt, LastSeenAt and
	// SecretHash.
	UpdateDevice(ctx context.Context, d *Device) error
	// Devices lists an account's devices ordered by creation time.
	Devices(ctx context.Context, account AccountID) ([]*Device, error)

	// CreateSession inserts a session.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByTokenHash returns the session whose token hashes to h.
	SessionByTokenHash(ctx context.Context, h []byte) (*Session, error)
	// SessionPrincipal returns the session whose token hashes to h together
	// with its account, its device, and the id of the account's record, as
	// SessionByTokenHash, Account, Device and Record would (one lookup, for
	// authenticating every request). The device is nil if the session
	// names none or one that does not exist, the record id empty if the
	// account has no record; KindNotFound if no session has the hash.
	SessionPrincipal(ctx context.Context, h []byte) (*Session, *Account, *Device, RecordID, error)
	// TouchSession sets LastSeenAt of the session with the id.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession removes one session of an account (KindNotFound if the
	// account has no session with that id).
	DeleteSession(ctx context.Context, account AccountID, id string) error
	// DeleteSessions removes every session of an account, or only those of
	// one device if device is not empty; it returns how many it removed.
	DeleteSessions(ctx context.Context, account AccountID, device DeviceID) (int, error)
	// Sessions lists an account's sessions ordered by creation time.
	Sessions(ctx context.Context, account AccountID) ([]*Session, error)
	// DeleteExpiredSessions removes sessions whose absolute expiry is before
	// t or that were last seen before idleBefore.
	DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error)

	// CreateToken inserts a single-use token and, in the same transaction,
	// deletes every other token of the same account, purpose and device:
	// one code or link per purpose is live, and issuing one voids the
	// older ones. Of concurrent calls for one account, purpose and device,
	// one token remains.
	CreateToken(ctx context.Context, t *Token) error
	// Token returns the token with the hash and purpose.
	Token(ctx context.Context, purpose TokenPurpose, hash []byte) (*Token, error)
	// LatestToken returns the newest token of an account for a purpose
	// (of any device).
	LatestToken(ctx context.Context, account AccountID, purpose TokenPurpose) (*Token, error)
	// UseToken marks the token used at t; KindConflict if it was used.
	UseToken(ctx context.Context, hash []byte, at time.Time) error
	// DeleteTokensBefore removes tokens that expired before t.
	DeleteTokensBefore(ctx context.Context, t time.Time) (int, error)

	// CreateParty inserts a write-only party (decision 0043).
	CreateParty(ctx context.Context, p *Party) error
	// Party returns the party with the id; KindNotFound if none.
	Party(ctx context.Context, id PartyID) (*Party, error)
	// PartyBySecret returns the party whose credential hashes to hash;
	// KindNotFound if none.
	PartyBySecret(ctx context.Context, hash []byte) (*Party, error)
	// Parties lists the parties of a kind ("" every kind), oldest first.
	Parties(ctx context.Context, kind PartyKind) ([]*Party, error)
	// LinkParty links a party to a record, replacing an earlier link of
	// the same party and owner; KindNotFound if the party or the account
	// does not exist.
	LinkParty(ctx context.Context, l *PartyLink) error
	// UnlinkParty removes the link of a party and an owner; KindNotFound
	// if there is none.
	UnlinkParty(ctx context.Context, party PartyID, owner AccountID) error
	// PartyLinks lists an owner's links, oldest first.
	PartyLinks(ctx context.Context, owner AccountID) ([]*PartyLink, error)
	// PartyLink returns the link of a party to a record; KindNotFound if
	// none.
	PartyLink(ctx context.Context, party PartyID, record RecordID) (*PartyLink, error)
	// CreateActivation inserts an account shell; KindConflict if its code
	// hash is taken.
	CreateActivation(ctx context.Context, a *Activation) error
	// ActivationByCode returns the shell whose code hashes to hash;
	// KindNotFound if none.
	ActivationByCode(ctx context.Context, hash []byte) (*Activation, error)
	// UseActivation marks an unused shell used by account and stores
	// link, in one transaction; KindConflict if it was used (or deleted)
	// meanwhile: of two activations at once, one wins.
	UseActivation(ctx context.Context, id string, account AccountID, at time.Time, link *PartyLink) error
	// AccountActivation returns the used shell an account came from;
	// KindNotFound if none.
	AccountActivation(ctx context.Context, account AccountID) (*Activation, error)
	// DeleteStaleActivations deletes the unused shells created before
	// before and returns how many.
	DeleteStaleActivations(ctx context.Context, before time.Time) (int, error)
	// SetTermination records an account's notice, replacing an earlier
	// one (KindNotFound if the account does not exist).
	SetTermination(ctx context.Context, t *Termination) error
	// Termination returns the account's notice; KindNotFound if none.
	Termination(ctx context.Context, account AccountID) (*Termination, error)
	// Terminations lists every notice, the earliest deletion first.
	Terminations(ctx context.Context) ([]*Termination, error)
	// DeleteTermination takes the account's notice back; KindNotFound if
	// there is none.
	DeleteTermination(ctx context.Context, account AccountID) error
	// SetTerminationNotices records that the reminders up to n were sent
	// and reports whether this call did (false if n were already).
	SetTerminationNotices(ctx context.Context, account AccountID, n int) (bool, error)
	// SetReminder stores an account's medication reminders, replacing
	// earlier ones (KindNotFound if the account does not exist).
	SetReminder(ctx context.Context, r *Reminder) error
	// Reminder returns the account's reminders; KindNotFound if none.
	Reminder(ctx context.Context, account AccountID) (*Reminder, error)
	// Reminders lists every account's reminders.
	Reminders(ctx context.Context) ([]*Reminder, error)
	// DeleteReminder removes the account's reminders; KindNotFound if
	// there are none.
	DeleteReminder(ctx context.Context, account AccountID) error
	// MarkReminderSent records that the reminder due at at was sent, if
	// none at or after at was recorded, and reports whether this call did
	// (of two rounds at once, one sends).
	MarkReminderSent(ctx context.Context, account AccountID, at time.Time) (bool, error)
	// AddPushSubscription stores a Web Push subscription of an account.
	// The account's same endpoint again replaces its keys and device and
	// keeps its ID and time; the stored subscription is returned. Else
	// the account may hold at most max: KindConflict when it has them
	// (checked and inserted atomically). KindNotFound if the account does
	// not exist.
	AddPushSubscription(ctx context.Context, p *PushSubscription, max int) (*PushSubscription, error)
	// PushSubscriptions lists an account's subscriptions by creation time.
	PushSubscriptions(ctx context.Context, account AccountID) ([]*PushSubscription, error)
	// DeletePushSubscription removes one subscription of the account;
	// KindNotFound if it has none of that ID.
	DeletePushSubscription(ctx context.Context, account AccountID, id string) error
	// AddConsent appends a record to the consent ledger and keeps its
	// text (by its hash) unless the ledger has it already: both or
	// neither.
	AddConsent(ctx context.Context, c *Consent, text *ConsentText) error
	// Consents lists an account's ledger, the oldest record first (also
	// after the account was deleted, until the evidence expires).
	Consents(ctx context.Context, account AccountID) ([]*Consent, error)
	// ConsentText returns the text with the hash; KindNotFound if the
	// ledger never kept it.
	ConsentText(ctx context.Context, hash string) (*ConsentText, error)
	// EndConsents marks the account's records as of an ended contract
	// (at t) where they are not marked yet.
	EndConsents(ctx context.Context, account AccountID, t time.Time) error
	// DeleteConsentsEndedBefore removes the records of contracts ended
	// before t and returns how many.
	DeleteConsentsEndedBefore(ctx context.Context, t time.Time) (int, error)
	// SetRestriction records the account's restriction of processing,
	// keeping an earlier one's time (KindNotFound without the account).
	SetRestriction(ctx context.Context, r *Restriction) error
	// Restriction returns the account's restriction; KindNotFound if none.
	Restriction(ctx context.Context, account AccountID) (*Restriction, error)
	// DeleteRestriction lifts it; KindNotFound if there is none.
	DeleteRestriction(ctx context.Context, account AccountID) error

	// NoteAccess records an access of the account at t as its last in the
	// quarter, unless a later one is recorded.
	NoteAccess(ctx context.Context, account AccountID, quarter string, at time.Time) error
	// SetUsageInsurer names the insurer that opened the account.
	SetUsageInsurer(ctx context.Context, account AccountID, insurer string) error
	// EndUsage records that the account ended at t (kept if it was
	// recorded before); KindNotFound if the account has no usage data.
	EndUsage(ctx context.Context, account AccountID, at time.Time) error
	// UsageData lists the usage data of the account, or of every account
	// if account is "", the earliest registered first.
	UsageData(ctx context.Context, account AccountID) ([]*UsageData, error)
	// PruneUsage removes quarters before the quarter named first, and the
	// usage data of accounts that ended before endedBefore; it returns the
	// rows removed.
	PruneUsage(ctx context.Context, first string, endedBefore time.Time) (int, error)
	// Scrub makes deleted rows unreadable from the store's files as far
	// as the backend allows (after an account's deletion).
	Scrub(ctx context.Context) error

	// CreatePasskey inserts a passkey of an existing account (KindNotFound
	// without it); KindConflict if its ID or CredentialID is taken.
	CreatePasskey(ctx context.Context, p *Passkey) error
	// Passkeys lists an account's passkeys ordered by creation time.
	Passkeys(ctx context.Context, account AccountID) ([]*Passkey, error)
	// UsePasskey records a login with the account's passkey: it sets
	// SignCount and LastUsedAt. KindNotFound if the account has no passkey
	// with the id.
	UsePasskey(ctx context.Context, account AccountID, id string, signCount uint32, at time.Time) error
	// DeletePasskey removes one passkey of an account; KindNotFound if the
	// account has none with the id.
	DeletePasskey(ctx context.Context, account AccountID, id string) error
	// CreatePasskeyChallenge stores an issued challenge; KindConflict if
	// its hash exists.
	CreatePasskeyChallenge(ctx context.Context, c *PasskeyChallenge) error
	// TakePasskeyChallenge removes the challenge with the hash and
	// purpose and returns it: of concurrent calls for one challenge,
	// exactly one gets it, the others KindNotFound (as for an unknown,
	// deleted or expired one; expiry is the caller's check).
	TakePasskeyChallenge(ctx context.Context, purpose string, hash []byte) (*PasskeyChallenge, error)
	// DeletePasskeyChallengesBefore removes challenges that expired before t.
	DeletePasskeyChallengesBefore(ctx context.Context, t time.Time) (int, error)

	// TakeAttempts decides on one attempt under each of keys at once, the
	// conditional increment of every attempt limit: it reads the keys'
	// counters (in the order of keys; the zero Attempts for a key that has
	// none), calls take with them and, if take answers true, stores the
	// counters take returned (one per key, same order); it returns take's
	// answer. The read, the decision and the write are atomic with respect
	// to every other TakeAttempts, ReleaseAttempts and ClearAttempts call
	// that names one of the keys, in this process or another sharing the
	// database: of N concurrent calls each sees the counters its
	// predecessor stored, and a refusal stores nothing for any key. take
	// decides only (package service holds the rules); it may be called
	// more than once for one call (a transaction run again) and must have
	// no other effect. keys must be distinct. Keys are free text such as
	// "login:account:ID" or "register:addr:192.0.2.7"; times come back in
	// UTC, a zero time stays zero.
	TakeAttempts(ctx context.Context, keys []string, take func([]Attempts) ([]Attempts, bool)) ([]Attempts, bool, error)
	// ReleaseAttempts gives one attempt back to each key: it lowers N of
	// the key's counter by one, never below zero, and leaves Start and
	// Next as they are. A key without a counter is not an error.
	ReleaseAttempts(ctx context.Context, keys ...string) error
	// ClearAttempts forgets the keys' counters. A key without a counter is
	// not an error.
	ClearAttempts(ctx context.Context, keys ...string) error
	// DeleteAttemptsBefore removes the counters whose Start and Next are
	// both before t (a zero time is before every t).
	DeleteAttemptsBefore(ctx context.Context, t time.Time) (int, error)

	// AddEvents inserts the events in one transaction and sets their IDs
	// (the group commit of the audit appender). Each is stored pending
	// (Index -1) whatever its Index, with the fields as given.
	AddEvents(ctx context.Context, es []*Event) error
	// Events lists an account's events, newest (highest ID) first, at most
	// limit.
	Events(ctx context.Context, account AccountID, limit int) ([]*Event, error)
	// EventsAfter lists the events of every account (and of none) whose ID
	// is greater than after, in ID order, at most limit: the whole audit
	// protocol page by page, for akte admin migrate.
	EventsAfter(ctx context.Context, after int64, limit int) ([]*Event, error)
	// ClearEventAddrsBefore blanks ClientAddr and AddrSalt of events
	// before t (AddrCommit stays).
	ClearEventAddrsBefore(ctx context.Context, t time.Time) (int, error)
	// PendingEvents lists at most limit pending events (Index -1), oldest
	// first by (Time, ID).
	PendingEvents(ctx context.Context, limit int) ([]*Event, error)
	// AuditLog returns the state of the named log; KindNotFound for a log
	// that has no sequenced event.
	AuditLog(ctx context.Context, log string) (*AuditLog, error)
	// AppendLeaves applies a sequencing round in one transaction: for each
	// log it checks that the log's size is still OldSize (0 for a new
	// log; KindConflict if another sequencer moved it, and then nothing is
	// written), stores the hashes at HashStart, HashStart+1, ..., sets
	// each event's Index, Time, Code, Class, AddrSalt and AddrCommit
	// (KindConflict if an event is no longer pending), and sets the log's
	// size and newest time.
	AppendLeaves(ctx context.Context, as []LogAppend) error
	// AuditHashes returns the stored hashes of the log at the indexes, in
	// their order; KindNotFound if one is missing. It is the log's
	// tlog.HashReader.
	AuditHashes(ctx context.Context, log string, indexes []int64) ([][32]byte, error)
	// SaveCheckpoint stores the signed checkpoint of the log for size,
	// signed at at, if size is at least that of the stored one
	// (KindConflict if it is smaller, KindNotFound if the log has no
	// sequenced event).
	SaveCheckpoint(ctx context.Context, log string, size int64, signed []byte, at time.Time) error
	// LogsToCheckpoint lists the logs that grew since their newest
	// checkpoint and whose checkpoint (if any) was signed at or before
	// olderThan.
	LogsToCheckpoint(ctx context.Context, olderThan time.Time) ([]string, error)
	// LogEvents lists the sequenced events of the log with from <= Index
	// < to, by Index, at most limit.
	LogEvents(ctx context.Context, log string, from, to int64, limit int) ([]*Event, error)
	// EventsSince lists the sequenced events of the log logged at or after
	// t, by Index (the alarm windows).
	EventsSince(ctx context.Context, log string, t time.Time) ([]*Event, error)
	// CountEvents counts the sequenced events of the log with the
	// operation and result ok logged at or after since (a record's usual
	// download rate).
	CountEvents(ctx context.Context, log, operation string, since time.Time) (int, error)
	// RecordAlarm notes that the alarm with the key was raised at at and
	// reports whether it is new: false if the key was noted before (by
	// any replica), so each alarm is raised once.
	RecordAlarm(ctx context.Context, key string, at time.Time) (bool, error)
	// DeleteProtocolEvents deletes the sequenced events of class protocol
	// logged before before, except the newest keepNewest of each log (by
	// Index); it returns how many it deleted. The log's hashes stay.
	DeleteProtocolEvents(ctx context.Context, before time.Time, keepNewest int64) (int, error)
	// DeleteSystemEvents deletes the sequenced events of the class logged
	// before before and returns how many it deleted.
	DeleteSystemEvents(ctx context.Context, class string, before time.Time) (int, error)

	// CreateRecord inserts the record of an account. KindNotFound if the
	// account does not exist, KindConflict if it has a record.
	CreateRecord(ctx context.Context, r *Record) error
	// Record returns the record of an account.
	Record(ctx context.Context, account AccountID) (*Record, error)
	// ReplaceRecordKeys overwrites ID, RMKByUMK, PublicKey, PrivateKeyByRMK
	// and the whole set of CategoryKeys of the account's record (a reset
	// without recovery key) and empties its manifest (sealed under the old
	// keys); Quota, CreatedAt and the manifest counter stay.
	ReplaceRecordKeys(ctx context.Context, r *Record) error
	// RotateKeys replaces, in one transaction, the account's Keys and
	// RecoveryHash and its record's RMKByUMK (a rotation of the user
	// master key: the record's other keys stay), if the account's
	// UMKByPassword is still old; KindConflict if it is not (another
	// change of the keys came first; nothing is written), KindNotFound if
	// there is no such account or it has no record.
	RotateKeys(ctx context.Context, id AccountID, old []byte, keys KeyBundle, recoveryHash string, rmkByUMK []byte) error
	// SetQuota sets the record's quota (0: the server default).
	SetQuota(ctx context.Context, account AccountID, quota int64) error
	// Manifest returns the account's record manifest: an opaque blob the
	// owner's client seals (empty if none was ever written, or since
	// ReplaceRecordKeys) and its counter (0 before the first write).
	// KindNotFound if the account has no record.
	Manifest(ctx context.Context, account AccountID) (counter int64, blob []byte, err error)
	// SwapManifest stores blob as the manifest and sets its counter to
	// next if the counter is expect, in one statement: of concurrent swaps
	// with one expect exactly one wins. (Clients move the counter by one;
	// akte admin migrate copies a manifest with its counter.) KindConflict
	// if the counter is not expect, KindNotFound if the account has no
	// record.
	SwapManifest(ctx context.Context, account AccountID, expect, next int64, blob []byte) error

	// CreateGrant stores a grant with its keys. KindConflict if the
	// grantee is blocked by the record's owner (the check and the insert
	// are one statement, so a block and a grant cannot cross).
	CreateGrant(ctx context.Context, g *Grant) error
	// Grants lists the grants of an owner's record, newest first, with
	// their keys.
	Grants(ctx context.Context, owner AccountID) ([]*Grant, error)
	// GranteeGrants lists the grants naming grantee, of every record,
	// newest first, with their keys if withKeys (authorizing a request
	// needs none).
	GranteeGrants(ctx context.Context, grantee AccountID, withKeys bool) ([]*Grant, error)
	// RevokeGrant ends a running grant of the owner's record at at and
	// deletes its keys; KindNotFound if there is no such grant that is
	// not revoked yet.
	RevokeGrant(ctx context.Context, owner AccountID, id GrantID, at time.Time) error
	// AddCategoryKey adds the next version of a category key (version =
	// the newest + 1, else KindConflict) with its slots for running grants.
	AddCategoryKey(ctx context.Context, owner AccountID, k CategoryKey, keys map[GrantID]GrantKey) error
	// SetHidden hides (hidden) or shows again one item or category from a
	// grantee; idempotent.
	SetHidden(ctx context.Context, h Hiding, hidden bool) error
	// Hidings lists what the owner hides, from whom.
	Hidings(ctx context.Context, owner AccountID) ([]Hiding, error)
	// Block records that owner blocks grantee and ends its grants of the
	// owner's record at at (revoked, keys deleted) in one transaction; it
	// returns the ids of the grants it ended. Unblock removes the block;
	// KindNotFound if there was none. Blocked lists the blocked accounts.
	Block(ctx context.Context, owner, grantee AccountID, at time.Time) ([]GrantID, error)
	Unblock(ctx context.Context, owner, grantee AccountID) error
	Blocked(ctx context.Context, owner AccountID) ([]AccountID, error)

	// CreateUpload inserts an item in StateUploading, counting its Size
	// against the record at once. If limit is not negative and the sizes
	// of the account's items in any state plus it.Size exceed limit, it
	// inserts nothing and returns KindQuota; the check and the insert are
	// atomic with respect to other CreateUpload calls for the account.
	// KindConflict if an item with the id exists, KindNotFound if the
	// account does not.
	CreateUpload(ctx context.Context, it *Item, limit int64) error
	// Item returns an item in any state.
	Item(ctx context.Context, id ItemID) (*Item, error)
	// Items lists the complete items of an account, of one category or of
	// all if category is empty, ordered by CreatedAt then ID.
	Items(ctx context.Context, account AccountID, category CategoryID) ([]*Item, error)
	// ItemsPage iterates, in the order of Items, over at most limit (> 0)
	// complete items of an account (of one category or of all if category
	// is empty) that come after the cursor; a zero cursor starts at the
	// first. A listing walked page by page with the cursor of each page's
	// last item sees every item that existed throughout the walk exactly
	// once, even if the cursor's item is deleted in between. Each item
	// comes with a nil error; a failure ends the iteration with a nil item
	// and the error (KindInvalid for a limit below 1). An item, and all it
	// refers to, is valid until the next iteration: a store may read every
	// row into the same memory, and a caller that keeps items copies them.
	// The store holds a database connection while the caller's loop runs,
	// so the loop must not call the store (it could wait for a connection
	// its own loop holds); breaking out of it releases the connection.
	ItemsPage(ctx context.Context, account AccountID, category CategoryID, after ItemCursor, limit int) iter.Seq2[*Item, error]
	// Uploads lists items in StateUploading whose UpdatedAt is before t,
	// of one account or of all if account is empty, oldest first.
	Uploads(ctx context.Context, account AccountID, before time.Time) ([]*Item, error)
	// AddChunk records that chunk n of an uploading item is stored and sets
	// the item's UpdatedAt to at. Recording a chunk twice is not an error.
	// KindNotFound if no item with the id is in StateUploading.
	AddChunk(ctx context.Context, id ItemID, n int, at time.Time) error
	// Chunks returns the indexes of the recorded chunks of an item, sorted.
	Chunks(ctx context.Context, id ItemID) ([]int, error)
	// CompleteUpload moves an item from StateUploading to StateComplete and
	// sets UpdatedAt to at. KindNotFound if no item with the id is in
	// StateUploading. (Whether every chunk is there is the caller's rule.)
	CompleteUpload(ctx context.Context, id ItemID, at time.Time) error
	// ChangeItemMeta replaces the MetaSealed, Category, KeyVersion and
	// KeySlot of a complete item by those of it (matched by it.ID) and sets
	// its MetaVersion to expect+1, if its MetaVersion is still expect: of
	// concurrent changes with one expect exactly one wins. KindConflict if
	// the version is not expect (nothing is written), KindNotFound if no
	// complete item has the id.
	ChangeItemMeta(ctx context.Context, it *Item, expect int64) error
	// DeleteItem removes an item in any state and its chunk records.
	DeleteItem(ctx context.Context, id ItemID) error
	// Usage returns the sizes of an account's complete items and of its
	// uploading ones.
	Usage(ctx context.Context, account AccountID) (complete, uploading int64, err error)

	// CreateProvider inserts a new account and its provider entry
	// (p.AccountID must be a.ID) in one transaction, as CreateAccount does
	// with a record: KindConflict if the e-mail is taken. A provider has
	// no record.
	CreateProvider(ctx context.Context, a *Account, p *Provider) error
	// Provider returns the provider entry of an account; KindNotFound if
	// the account is no provider (or does not exist).
	Provider(ctx context.Context, id AccountID) (*Provider, error)
	// Providers lists the providers with the status ("" for every status),
	// oldest first.
	Providers(ctx context.Context, status ProviderStatus) ([]*Provider, error)
	// SearchProviders lists at most limit (> 0) providers with the status
	// whose Search contains text (text "" matches none), or whose
	// TelematikID, LANR, BSNR or AccountID equals id (id "" matches
	// none), ordered by Name, then AccountID.
	SearchProviders(ctx context.Context, status ProviderStatus, text, id string, limit int) ([]*Provider, error)
	// DecideProvider moves the provider from status from to status to and
	// sets DecidedAt and DecidedBy, in one statement: of concurrent
	// decisions exactly one wins. KindConflict with reason
	// provider_decided if its status is not from (nothing is written),
	// KindConflict with reason telematik_id_taken if to is verified and
	// another verified provider has its TelematikID, KindNotFound if the
	// account is no provider.
	DecideProvider(ctx context.Context, id AccountID, from, to ProviderStatus, at time.Time, by string) error

	// Secret returns the server secret stored under name; if there is none
	// yet it stores value first. The first writer wins, so every replica
	// ends up with the same secret.
	Secret(ctx context.Context, name string, value []byte) ([]byte, error)

	// AcquireLease takes or renews the named lease for holder until until.
	// It succeeds when the lease is free, expired (its until is not after
	// now) or already held by holder, and reports whether holder holds it
	// afterwards. Background jobs run where the lease is held, so that
	// exactly one replica runs them and another takes over when it dies.
	AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// ReleaseLease gives the lease up if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error

	// CreateRepresentative inserts a representative of the owner's record
	// (r.Owner, whose record must have the id r.Record) if it has fewer
	// than max, in one step: of concurrent inserts at most max-existing
	// succeed. KindQuota if the record has max already, KindConflict if
	// it names the e-mail or the KVNR already, KindNotFound if the owner
	// has no record with the id.
	CreateRepresentative(ctx context.Context, r *Representative, max int) error
	// Representatives lists the representatives of the owner's record by
	// naming time.
	Representatives(ctx context.Context, owner AccountID) ([]*Representative, error)
	// Representation returns the representative of record that is the
	// account (accepted), or else the one not yet accepted that names
	// email; KindNotFound if neither exists.
	Representation(ctx context.Context, record RecordID, account AccountID, email string) (*Representative, error)
	// Representations lists the representatives that are the account
	// (accepted) or, not yet accepted, name email, in every record.
	Representations(ctx context.Context, account AccountID, email string) ([]*Representative, error)
	// UpdateRepresentative writes Account, AcceptedAt, PublicKey, RMKSlot
	// and the emergency fields of the representative with r.ID in
	// r.Owner's record if its stored RequestedAt is still requested (nil: none),
	// so that a refusal and the job that opens access cannot undo each
	// other; KindNotFound if there is no such representative or its
	// request changed meanwhile.
	UpdateRepresentative(ctx context.Context, r *Representative, requested *time.Time) error
	// DeleteRepresentative removes a representative of the owner's
	// record; KindNotFound if there is none.
	DeleteRepresentative(ctx context.Context, owner AccountID, id string) error
	// EmergenciesDue lists the emergency requests whose access opens
	// before before and that are not recorded as opened, in every record.
	EmergenciesDue(ctx context.Context, before time.Time) ([]*Representative, error)

	ShareStore

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend.
	Close() error
}
