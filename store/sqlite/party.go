package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const partyColumns = `id, kind, name, secret_hash, created_at`

func scanParty(r *row) *akte.Party {
	return &akte.Party{ID: akte.PartyID(r.text()), Kind: akte.PartyKind(r.text()), Name: r.text(), SecretHash: r.blob(), CreatedAt: r.time()}
}

// CreateParty inserts a write-only party.
func (s *Store) CreateParty(ctx context.Context, p *akte.Party) error {
	_, err := s.changes(ctx, "sqlite.CreateParty", `INSERT INTO parties (`+partyColumns+`) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.Kind, p.Name, p.SecretHash, micros(p.CreatedAt))
	return err
}

// Party returns the party with the id.
func (s *Store) Party(ctx context.Context, id akte.PartyID) (*akte.Party, error) {
	var p *akte.Party
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+partyColumns+` FROM parties WHERE id = ?`, []any{id}, func(r *row) { p = scanParty(r) })
	})
	return p, wrap("sqlite.Party", err)
}

// PartyBySecret returns the party whose credential hashes to hash.
func (s *Store) PartyBySecret(ctx context.Context, hash []byte) (*akte.Party, error) {
	var p *akte.Party
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+partyColumns+` FROM parties WHERE secret_hash = ?`, []any{hash}, func(r *row) { p = scanParty(r) })
	})
	return p, wrap("sqlite.PartyBySecret", err)
}

// Parties lists the parties of a kind ("" every kind).
func (s *Store) Parties(ctx context.Context, kind akte.PartyKind) ([]*akte.Party, error) {
	ps, err := list(ctx, s, scanParty, `SELECT `+partyColumns+` FROM parties WHERE ? = '' OR kind = ? ORDER BY created_at, id`, kind, kind)
	return ps, wrap("sqlite.Parties", err)
}

const partyLinkColumns = `party_id, account_id, record_id, created_at`

func scanPartyLink(r *row) *akte.PartyLink {
	return &akte.PartyLink{Party: akte.PartyID(r.text()), AccountID: akte.AccountID(r.text()), Record: akte.RecordID(r.text()), CreatedAt: r.time()}
}

func linkParty(c *conn, l *akte.PartyLink) error {
	_, err := c.exec(`INSERT INTO party_links (`+partyLinkColumns+`) VALUES (?, ?, ?, ?)
		ON CONFLICT (party_id, account_id) DO UPDATE SET record_id = excluded.record_id, created_at = excluded.created_at`,
		l.Party, l.AccountID, l.Record, micros(l.CreatedAt))
	return err
}

// LinkParty links a party to a record.
func (s *Store) LinkParty(ctx context.Context, l *akte.PartyLink) error {
	return wrap("sqlite.LinkParty", s.write(ctx, func(c *conn) error { return linkParty(c, l) }))
}

// UnlinkParty removes a party's link to an owner's record.
func (s *Store) UnlinkParty(ctx context.Context, party akte.PartyID, owner akte.AccountID) error {
	return s.update(ctx, "sqlite.UnlinkParty", `DELETE FROM party_links WHERE party_id = ? AND account_id = ?`, party, owner)
}

// PartyLinks lists an owner's links.
func (s *Store) PartyLinks(ctx context.Context, owner akte.AccountID) ([]*akte.PartyLink, error) {
	ls, err := list(ctx, s, scanPartyLink, `SELECT `+partyLinkColumns+` FROM party_links WHERE account_id = ? ORDER BY created_at, party_id`, owner)
	return ls, wrap("sqlite.PartyLinks", err)
}

// PartyLink returns the link of a party to a record.
func (s *Store) PartyLink(ctx context.Context, party akte.PartyID, record akte.RecordID) (*akte.PartyLink, error) {
	var l *akte.PartyLink
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+partyLinkColumns+` FROM party_links WHERE record_id = ? AND party_id = ?`, []any{record, party}, func(r *row) { l = scanPartyLink(r) })
	})
	return l, wrap("sqlite.PartyLink", err)
}

const activationColumns = `id, insurer_id, kvnr, birth_date, email, code_hash, created_at, account_id, used_at`

func scanActivation(r *row) *akte.Activation {
	return &akte.Activation{ID: r.text(), Insurer: akte.PartyID(r.text()), KVNR: r.text(), BirthDate: r.text(), Email: r.text(),
		CodeHash: r.blob(), CreatedAt: r.time(), AccountID: akte.AccountID(r.text()), UsedAt: r.timePtr()}
}

// CreateActivation inserts an account shell.
func (s *Store) CreateActivation(ctx context.Context, a *akte.Activation) error {
	_, err := s.changes(ctx, "sqlite.CreateActivation", `INSERT INTO activations (`+activationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`,
		a.ID, a.Insurer, a.KVNR, a.BirthDate, a.Email, a.CodeHash, micros(a.CreatedAt))
	return err
}

// ActivationByCode returns the shell whose code hashes to hash.
func (s *Store) ActivationByCode(ctx context.Context, hash []byte) (*akte.Activation, error) {
	var a *akte.Activation
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+activationColumns+` FROM activations WHERE code_hash = ?`, []any{hash}, func(r *row) { a = scanActivation(r) })
	})
	return a, wrap("sqlite.ActivationByCode", err)
}

// UseActivation marks an unused shell used and links the insurer.
func (s *Store) UseActivation(ctx context.Context, id string, account akte.AccountID, at time.Time, link *akte.PartyLink) error {
	return wrap("sqlite.UseActivation", s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE activations SET account_id = ?, used_at = ? WHERE id = ? AND used_at IS NULL`, account, micros(at), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return akte.E("sqlite.UseActivation", akte.KindConflict, "", nil)
		}
		if link != nil {
			return linkParty(c, link)
		}
		return nil
	}))
}

// AccountActivation returns the used shell an account came from.
func (s *Store) AccountActivation(ctx context.Context, account akte.AccountID) (*akte.Activation, error) {
	var a *akte.Activation
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+activationColumns+` FROM activations WHERE account_id = ?`, []any{account}, func(r *row) { a = scanActivation(r) })
	})
	return a, wrap("sqlite.AccountActivation", err)
}

// DeleteStaleActivations deletes the unused shells created before before.
func (s *Store) DeleteStaleActivations(ctx context.Context, before time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteStaleActivations", `DELETE FROM activations WHERE used_at IS NULL AND created_at < ?`, micros(before))
}
