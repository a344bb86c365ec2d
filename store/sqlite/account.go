package sqlite

import (
	"context"
	"time"

	"github.com/akte/akte"
)

const accountColumns = `id, email, kvnr, birth_date, lang,
	kdf_alg, kdf_salt, kdf_memory, kdf_time, kdf_threads,
	login_hash, recovery_hash,
	umk_by_password, umk_by_recovery, recovery_by_umk, public_key, private_key_by_umk,
	totp_secret, totp_last_counter,
	created_at, confirmed_at, blocked_at, password_changed_at, rev`

func scanAccount(r *row) *akte.Account {
	return &akte.Account{
		ID: akte.AccountID(r.text()), Email: r.text(), KVNR: r.text(), BirthDate: r.text(), Lang: r.text(),
		KDF:       akte.KDFParams{Alg: r.text(), Salt: r.blob(), Memory: uint32(r.int64()), Time: uint32(r.int64()), Threads: uint8(r.int64())},
		LoginHash: r.text(), RecoveryHash: r.text(),
		Keys: akte.KeyBundle{UMKByPassword: r.blob(), UMKByRecovery: r.blob(), RecoveryByUMK: r.blob(), PublicKey: r.blob(),
			PrivateKeyByUMK: r.blob()},
		TOTPSecret: r.text(), TOTPLastCounter: r.int64(),
		CreatedAt: r.time(), ConfirmedAt: r.timePtr(), BlockedAt: r.timePtr(), PasswordChanged: r.time(), Rev: r.int64(),
	}
}

// CreateAccount inserts a new account and its record in one transaction.
func (s *Store) CreateAccount(ctx context.Context, a *akte.Account, r *akte.Record) error {
	const op = "sqlite.CreateAccount"
	err := s.tx(ctx, func(c *conn) error {
		if err := insertAccount(c, a); err != nil {
			return err
		}
		if _, err := c.exec(`INSERT INTO account_usage (account_id, registered_at) VALUES (?, ?)`, a.ID, micros(a.CreatedAt)); err != nil {
			return err
		}
		if r == nil {
			return nil
		}
		return insertRecord(c, r)
	})
	return wrap(op, err)
}

func insertAccount(c *conn, a *akte.Account) error {
	_, err := c.exec(`INSERT INTO accounts (`+accountColumns+`) VALUES (`+placeholders(24)+`)`,
		a.ID, a.Email, a.KVNR, a.BirthDate, a.Lang,
		a.KDF.Alg, a.KDF.Salt, a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
		a.LoginHash, a.RecoveryHash,
		a.Keys.UMKByPassword, a.Keys.UMKByRecovery, a.Keys.RecoveryByUMK, a.Keys.PublicKey, a.Keys.PrivateKeyByUMK,
		a.TOTPSecret, a.TOTPLastCounter,
		micros(a.CreatedAt), nullMicros(a.ConfirmedAt), nullMicros(a.BlockedAt), micros(a.PasswordChanged), a.Rev)
	return err
}

// accountBy reads the account whose column equals v.
func (s *Store) accountBy(ctx context.Context, op, column string, v any) (*akte.Account, error) {
	var a *akte.Account
	err := s.read(ctx, func(c *conn) error {
		return c.one(`SELECT `+accountColumns+` FROM accounts WHERE `+column+` = ?`, []any{v}, func(r *row) { a = scanAccount(r) })
	})
	return a, wrap(op, err)
}

// Account returns the account with the id.
func (s *Store) Account(ctx context.Context, id akte.AccountID) (*akte.Account, error) {
	return s.accountBy(ctx, "sqlite.Account", "id", id)
}

// AccountByEmail returns the account with the e-mail address, compared
// exactly (the service lower-cases it).
func (s *Store) AccountByEmail(ctx context.Context, email string) (*akte.Account, error) {
	return s.accountBy(ctx, "sqlite.AccountByEmail", "email", email)
}

// UpdateAccount overwrites the mutable fields of the account.
func (s *Store) UpdateAccount(ctx context.Context, a *akte.Account) error {
	const op = "sqlite.UpdateAccount"
	var n int
	err := s.write(ctx, func(c *conn) (err error) {
		n, err = c.exec(`UPDATE accounts SET
		kdf_alg = ?, kdf_salt = ?, kdf_memory = ?, kdf_time = ?, kdf_threads = ?,
		login_hash = ?, recovery_hash = ?,
		umk_by_password = ?, umk_by_recovery = ?, recovery_by_umk = ?, public_key = ?, private_key_by_umk = ?,
		totp_secret = ?,
		confirmed_at = ?, blocked_at = ?, password_changed_at = ?, rev = rev + 1
		WHERE id = ? AND rev = ?`,
			a.KDF.Alg, a.KDF.Salt, a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
			a.LoginHash, a.RecoveryHash,
			a.Keys.UMKByPassword, a.Keys.UMKByRecovery, a.Keys.RecoveryByUMK, a.Keys.PublicKey, a.Keys.PrivateKeyByUMK,
			a.TOTPSecret,
			nullMicros(a.ConfirmedAt), nullMicros(a.BlockedAt), micros(a.PasswordChanged),
			a.ID, a.Rev)
		if err != nil || n > 0 {
			return err
		}
		// Nothing changed: a stale copy, or no such account.
		return c.one(`SELECT 1 FROM accounts WHERE id = ?`, []any{a.ID}, func(*row) {})
	})
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return akte.R(op, akte.KindConflict, "account_changed", nil, "")
	}
	a.Rev++
	return nil
}

// SetAccountEmail moves the account to another address.
func (s *Store) SetAccountEmail(ctx context.Context, id akte.AccountID, email string) error {
	return s.update(ctx, "sqlite.SetAccountEmail", `UPDATE accounts SET email = ? WHERE id = ?`, email, id)
}

// SetAccountLang sets the language of the account's mails.
func (s *Store) SetAccountLang(ctx context.Context, id akte.AccountID, lang string) error {
	return s.update(ctx, "sqlite.SetAccountLang", `UPDATE accounts SET lang = ? WHERE id = ?`, lang, id)
}

// ReleaseKVNR empties the KVNR of the confirmed account holding kvnr.
func (s *Store) ReleaseKVNR(ctx context.Context, kvnr string) (akte.AccountID, error) {
	const op = "sqlite.ReleaseKVNR"
	var id akte.AccountID
	err := s.write(ctx, func(c *conn) error {
		return c.one(`UPDATE accounts SET kvnr = ''
			WHERE kvnr = ? AND kvnr <> '' AND confirmed_at IS NOT NULL RETURNING id`, []any{kvnr},
			func(r *row) { id = akte.AccountID(r.text()) })
	})
	return id, wrap(op, err)
}

// AdvanceTOTP raises the account's TOTP counter if counter is higher. The
// comparison is part of the UPDATE, so of two requests with the same code
// only one can win.
func (s *Store) AdvanceTOTP(ctx context.Context, id akte.AccountID, counter int64) (bool, error) {
	const op = "sqlite.AdvanceTOTP"
	var advanced bool
	err := s.tx(ctx, func(c *conn) error {
		n, err := c.exec(`UPDATE accounts SET totp_last_counter = ? WHERE id = ? AND totp_last_counter < ?`, counter, id, counter)
		if err != nil || n > 0 {
			advanced = n > 0
			return err
		}
		ok, err := c.exists(`SELECT 1 FROM accounts WHERE id = ?`, id)
		if err == nil && !ok {
			return notFound(op)
		}
		return err
	})
	return advanced, wrap(op, err)
}

// DeleteAccount removes the account; sessions, devices and tokens go with
// it by ON DELETE CASCADE. Events stay.
func (s *Store) DeleteAccount(ctx context.Context, id akte.AccountID) error {
	return s.update(ctx, "sqlite.DeleteAccount", `DELETE FROM accounts WHERE id = ?`, id)
}

// Accounts lists all accounts by creation time.
func (s *Store) Accounts(ctx context.Context) ([]*akte.Account, error) {
	as, err := list(ctx, s, scanAccount, `SELECT `+accountColumns+` FROM accounts ORDER BY created_at, rowid`)
	return as, wrap("sqlite.Accounts", err)
}

// UnconfirmedAccountsBefore lists accounts created before t whose e-mail
// was never confirmed.
func (s *Store) UnconfirmedAccountsBefore(ctx context.Context, t time.Time) ([]akte.AccountID, error) {
	ids, err := list(ctx, s, func(r *row) akte.AccountID { return akte.AccountID(r.text()) },
		`SELECT id FROM accounts WHERE created_at < ? AND confirmed_at IS NULL ORDER BY created_at, rowid`, micros(t))
	return ids, wrap("sqlite.UnconfirmedAccountsBefore", err)
}
