package sqlite

import (
	"context"
	"strings"
	"time"

	"zombiezen.com/go/sqlite"

	"github.com/akte/akte"
)

const providerColumns = `account_id, type, name, telematik_id, lanr, bsnr, place, search, status, created_at, decided_at, decided_by`

func scanProvider(r *row) *akte.Provider {
	return &akte.Provider{AccountID: akte.AccountID(r.text()), Type: akte.ProviderType(r.text()), Name: r.text(), TelematikID: r.text(),
		LANR: r.text(), BSNR: r.text(), Place: r.text(), Search: r.text(), Status: akte.ProviderStatus(r.text()),
		CreatedAt: r.time(), DecidedAt: r.timePtr(), DecidedBy: r.text()}
}

// CreateProvider inserts a new account and its provider entry in one
// transaction.
func (s *Store) CreateProvider(ctx context.Context, a *akte.Account, p *akte.Provider) error {
	return wrap("sqlite.CreateProvider", s.tx(ctx, func(c *conn) error {
		if err := insertAccount(c, a); err != nil {
			return err
		}
		_, err := c.exec(`INSERT INTO providers (`+providerColumns+`) VALUES (`+placeholders(12)+`)`,
			p.AccountID, p.Type, p.Name, p.TelematikID, p.LANR, p.BSNR, p.Place, p.Search, p.Status,
			micros(p.CreatedAt), nullMicros(p.DecidedAt), p.DecidedBy)
		return err
	}))
}

// Provider returns the provider entry of an account.
func (s *Store) Provider(ctx context.Context, id akte.AccountID) (*akte.Provider, error) {
	var p *akte.Provider
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+providerColumns+` FROM providers WHERE account_id = ?`, []any{id}, func(r *row) { p = scanProvider(r) })
	})
	return p, wrap("sqlite.Provider", err)
}

// Providers lists the providers with the status, oldest first.
func (s *Store) Providers(ctx context.Context, status akte.ProviderStatus) ([]*akte.Provider, error) {
	out := []*akte.Provider{}
	err := s.read(ctx, func(c *conn) error {
		return c.query(`SELECT `+providerColumns+` FROM providers WHERE ? = '' OR status = ? ORDER BY created_at, account_id`,
			[]any{status, status}, func(r *row) error {
				out = append(out, scanProvider(r))
				return nil
			})
	})
	if err != nil {
		return nil, wrap("sqlite.Providers", err)
	}
	return out, nil
}

// SearchProviders lists providers with the status matching text or id.
func (s *Store) SearchProviders(ctx context.Context, status akte.ProviderStatus, text, id string, limit int) ([]*akte.Provider, error) {
	const op = "sqlite.SearchProviders"
	if limit < 1 {
		return nil, akte.Errorf(op, akte.KindInvalid, "limit %d", limit)
	}
	out := []*akte.Provider{}
	err := s.read(ctx, func(c *conn) error {
		return c.query(`SELECT `+providerColumns+` FROM providers WHERE status = ?
			AND ((? <> '' AND instr(search, ?) > 0)
			  OR (? <> '' AND (telematik_id = ? OR lanr = ? OR bsnr = ? OR account_id = ?)))
			ORDER BY name, account_id LIMIT ?`,
			[]any{status, text, text, id, id, id, id, id, limit}, func(r *row) error {
				out = append(out, scanProvider(r))
				return nil
			})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// DecideProvider moves the provider from one status to another.
func (s *Store) DecideProvider(ctx context.Context, id akte.AccountID, from, to akte.ProviderStatus, at time.Time, by string) error {
	const op = "sqlite.DecideProvider"
	return wrap(op, s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE providers SET status = ?, decided_at = ?, decided_by = ? WHERE account_id = ? AND status = ?`,
			to, micros(at), by, id, from)
		if sqlite.ErrCode(err) == sqlite.ResultConstraintUnique && strings.Contains(err.Error(), "providers.telematik_id") {
			return akte.R(op, akte.KindConflict, "telematik_id_taken", nil, "")
		}
		if err != nil || n > 0 {
			return err
		}
		if err := c.one(`SELECT 1 FROM providers WHERE account_id = ?`, []any{id}, func(*row) {}); err != nil {
			return err
		}
		return akte.R(op, akte.KindConflict, "provider_decided", nil, "")
	}))
}
