package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const consentColumns = `id, account_id, text_id, version, lang, hash, decision, at, via, ended_at`

func scanConsent(r *row) *akte.Consent {
	return &akte.Consent{ID: r.text(), AccountID: akte.AccountID(r.text()), Text: r.text(), Version: int(r.int64()), Lang: r.text(),
		Hash: r.text(), Decision: akte.Decision(r.text()), At: r.time(), Via: akte.ConsentVia(r.text()), EndedAt: r.timePtr()}
}

// AddConsent appends a record to the ledger and keeps its text.
func (s *Store) AddConsent(ctx context.Context, c *akte.Consent, t *akte.ConsentText) error {
	return wrap("sqlite.AddConsent", s.tx(ctx, func(cn *conn) error {
		if _, err := cn.exec(`INSERT INTO consent_texts (hash, text_id, version, lang, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING`,
			t.Hash, t.ID, t.Version, t.Lang, t.Body); err != nil {
			return err
		}
		_, err := cn.exec(`INSERT INTO consents (`+consentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.AccountID, c.Text, c.Version, c.Lang, c.Hash, string(c.Decision), micros(c.At), string(c.Via), nullMicros(c.EndedAt))
		return err
	}))
}

// Consents lists the account's ledger, oldest first.
func (s *Store) Consents(ctx context.Context, account akte.AccountID) ([]*akte.Consent, error) {
	cs, err := list(ctx, s, scanConsent, `SELECT `+consentColumns+` FROM consents WHERE account_id = ? ORDER BY at, id`, account)
	return cs, wrap("sqlite.Consents", err)
}

// ConsentText returns the kept text with the hash.
func (s *Store) ConsentText(ctx context.Context, hash string) (*akte.ConsentText, error) {
	var t *akte.ConsentText
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT hash, text_id, version, lang, body FROM consent_texts WHERE hash = ?`, []any{hash}, func(r *row) {
			t = &akte.ConsentText{Hash: r.text(), ID: r.text(), Version: int(r.int64()), Lang: r.text(), Body: r.text()}
		})
	})
	return t, wrap("sqlite.ConsentText", err)
}

// EndConsents marks the account's records as of a contract ended at t.
func (s *Store) EndConsents(ctx context.Context, account akte.AccountID, t time.Time) error {
	_, err := s.changes(ctx, "sqlite.EndConsents", `UPDATE consents SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL`, micros(t), account)
	return err
}

// DeleteConsentsEndedBefore removes the evidence of contracts ended
// before t.
func (s *Store) DeleteConsentsEndedBefore(ctx context.Context, t time.Time) (int, error) {
	return s.changes(ctx, "sqlite.DeleteConsentsEndedBefore", `DELETE FROM consents WHERE ended_at IS NOT NULL AND ended_at < ?`, micros(t))
}

// SetRestriction records the account's restriction, keeping an earlier
// one's time.
func (s *Store) SetRestriction(ctx context.Context, r *akte.Restriction) error {
	_, err := s.changes(ctx, "sqlite.SetRestriction", `INSERT INTO restrictions (account_id, since) VALUES (?, ?) ON CONFLICT (account_id) DO NOTHING`,
		r.AccountID, micros(r.Since))
	return err
}

// Restriction returns the account's restriction.
func (s *Store) Restriction(ctx context.Context, account akte.AccountID) (*akte.Restriction, error) {
	var out *akte.Restriction
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT account_id, since FROM restrictions WHERE account_id = ?`, []any{account}, func(r *row) {
			out = &akte.Restriction{AccountID: akte.AccountID(r.text()), Since: r.time()}
		})
	})
	return out, wrap("sqlite.Restriction", err)
}

// DeleteRestriction lifts the account's restriction.
func (s *Store) DeleteRestriction(ctx context.Context, account akte.AccountID) error {
	return s.update(ctx, "sqlite.DeleteRestriction", `DELETE FROM restrictions WHERE account_id = ?`, account)
}
