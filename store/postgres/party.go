package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const partyColumns = `id, kind, name, secret_hash, created_at`

func scanParty(s scanner) (*akte.Party, error) {
	var p akte.Party
	if err := s.Scan(&p.ID, &p.Kind, &p.Name, &p.SecretHash, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// CreateParty inserts a write-only party.
func (s *Store) CreateParty(ctx context.Context, p *akte.Party) error {
	return s.exec(ctx, "postgres.CreateParty", `INSERT INTO parties (`+partyColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.Kind, p.Name, blob(p.SecretHash), ts(p.CreatedAt))
}

func (s *Store) oneParty(ctx context.Context, op, where string, arg any) (*akte.Party, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	p, err := scanParty(s.pool.QueryRow(ctx, `SELECT `+partyColumns+` FROM parties WHERE `+where+` = $1`, arg))
	return p, wrap(op, err)
}

// Party returns the party with the id.
func (s *Store) Party(ctx context.Context, id akte.PartyID) (*akte.Party, error) {
	return s.oneParty(ctx, "postgres.Party", "id", id)
}

// PartyBySecret returns the party whose credential hashes to hash.
func (s *Store) PartyBySecret(ctx context.Context, hash []byte) (*akte.Party, error) {
	return s.oneParty(ctx, "postgres.PartyBySecret", "secret_hash", blob(hash))
}

// Parties lists the parties of a kind ("" every kind).
func (s *Store) Parties(ctx context.Context, kind akte.PartyKind) ([]*akte.Party, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ps, err := list(ctx, s.pool, scanParty, `SELECT `+partyColumns+` FROM parties WHERE $1 = '' OR kind = $1 ORDER BY created_at, id`, string(kind))
	return ps, wrap("postgres.Parties", err)
}

const partyLinkColumns = `party_id, account_id, record_id, created_at`

func scanPartyLink(s scanner) (*akte.PartyLink, error) {
	var l akte.PartyLink
	if err := s.Scan(&l.Party, &l.AccountID, &l.Record, &l.CreatedAt); err != nil {
		return nil, err
	}
	l.CreatedAt = l.CreatedAt.UTC()
	return &l, nil
}

func linkParty(ctx context.Context, q querier, l *akte.PartyLink) error {
	_, err := q.Exec(ctx, `INSERT INTO party_links (`+partyLinkColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (party_id, account_id) DO UPDATE SET record_id = excluded.record_id, created_at = excluded.created_at`,
		l.Party, l.AccountID, l.Record, ts(l.CreatedAt))
	return err
}

// LinkParty links a party to a record.
func (s *Store) LinkParty(ctx context.Context, l *akte.PartyLink) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap("postgres.LinkParty", linkParty(ctx, s.pool, l))
}

// UnlinkParty removes a party's link to an owner's record.
func (s *Store) UnlinkParty(ctx context.Context, party akte.PartyID, owner akte.AccountID) error {
	return s.exec(ctx, "postgres.UnlinkParty", `DELETE FROM party_links WHERE party_id = $1 AND account_id = $2`, party, owner)
}

// PartyLinks lists an owner's links.
func (s *Store) PartyLinks(ctx context.Context, owner akte.AccountID) ([]*akte.PartyLink, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ls, err := list(ctx, s.pool, scanPartyLink, `SELECT `+partyLinkColumns+` FROM party_links WHERE account_id = $1 ORDER BY created_at, party_id`, owner)
	return ls, wrap("postgres.PartyLinks", err)
}

// PartyLink returns the link of a party to a record.
func (s *Store) PartyLink(ctx context.Context, party akte.PartyID, record akte.RecordID) (*akte.PartyLink, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	l, err := scanPartyLink(s.pool.QueryRow(ctx, `SELECT `+partyLinkColumns+` FROM party_links WHERE record_id = $1 AND party_id = $2`, record, party))
	return l, wrap("postgres.PartyLink", err)
}

const activationColumns = `id, insurer_id, kvnr, birth_date, email, code_hash, created_at, account_id, used_at`

func scanActivation(s scanner) (*akte.Activation, error) {
	var a akte.Activation
	var account *string
	if err := s.Scan(&a.ID, &a.Insurer, &a.KVNR, &a.BirthDate, &a.Email, &a.CodeHash, &a.CreatedAt, &account, &a.UsedAt); err != nil {
		return nil, err
	}
	if account != nil {
		a.AccountID = akte.AccountID(*account)
	}
	a.CreatedAt, a.UsedAt = a.CreatedAt.UTC(), utc(a.UsedAt)
	return &a, nil
}

// CreateActivation inserts an account shell.
func (s *Store) CreateActivation(ctx context.Context, a *akte.Activation) error {
	return s.exec(ctx, "postgres.CreateActivation", `INSERT INTO activations (`+activationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)`,
		a.ID, a.Insurer, a.KVNR, a.BirthDate, a.Email, blob(a.CodeHash), ts(a.CreatedAt))
}

func (s *Store) oneActivation(ctx context.Context, op, where string, arg any) (*akte.Activation, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	a, err := scanActivation(s.pool.QueryRow(ctx, `SELECT `+activationColumns+` FROM activations WHERE `+where+` = $1`, arg))
	return a, wrap(op, err)
}

// ActivationByCode returns the shell whose code hashes to hash.
func (s *Store) ActivationByCode(ctx context.Context, hash []byte) (*akte.Activation, error) {
	return s.oneActivation(ctx, "postgres.ActivationByCode", "code_hash", blob(hash))
}

// AccountActivation returns the used shell an account came from.
func (s *Store) AccountActivation(ctx context.Context, account akte.AccountID) (*akte.Activation, error) {
	return s.oneActivation(ctx, "postgres.AccountActivation", "account_id", account)
}

// UseActivation marks an unused shell used and links the insurer. The
// conditional UPDATE takes the row's lock: of two at once, the second
// finds it used.
func (s *Store) UseActivation(ctx context.Context, id string, account akte.AccountID, at time.Time, link *akte.PartyLink) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	return wrap("postgres.UseActivation", s.tx(ctx, func(tx pgx.Tx) error {
		n, err := affected(tx.Exec(ctx, `UPDATE activations SET account_id = $1, used_at = $2 WHERE id = $3 AND used_at IS NULL`, account, ts(at), id))
		if err != nil {
			return err
		}
		if n == 0 {
			return akte.E("postgres.UseActivation", akte.KindConflict, "", nil)
		}
		if link != nil {
			return linkParty(ctx, tx, link)
		}
		return nil
	}))
}

// DeleteStaleActivations deletes the unused shells created before before.
func (s *Store) DeleteStaleActivations(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM activations WHERE used_at IS NULL AND created_at < $1`, ts(before)))
	return n, wrap("postgres.DeleteStaleActivations", err)
}
