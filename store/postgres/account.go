package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akte/akte"
)

const accountColumns = `id, email, kvnr, birth_date, lang,
	kdf_alg, kdf_salt, kdf_memory, kdf_time, kdf_threads,
	login_hash, recovery_hash,
	umk_by_password, umk_by_recovery, recovery_by_umk, public_key, private_key_by_umk,
	totp_secret, totp_last_counter,
	created_at, confirmed_at, blocked_at, password_changed_at, rev`

func accountDest(a *akte.Account) []any {
	return []any{&a.ID, &a.Email, &a.KVNR, &a.BirthDate, &a.Lang,
		&a.KDF.Alg, &a.KDF.Salt, &a.KDF.Memory, &a.KDF.Time, &a.KDF.Threads,
		&a.LoginHash, &a.RecoveryHash,
		&a.Keys.UMKByPassword, &a.Keys.UMKByRecovery, &a.Keys.RecoveryByUMK, &a.Keys.PublicKey, &a.Keys.PrivateKeyByUMK,
		&a.TOTPSecret, &a.TOTPLastCounter,
		&a.CreatedAt, &a.ConfirmedAt, &a.BlockedAt, &a.PasswordChanged, &a.Rev}
}

func accountDone(a *akte.Account) *akte.Account {
	a.CreatedAt = a.CreatedAt.UTC()
	a.ConfirmedAt = utc(a.ConfirmedAt)
	a.BlockedAt = utc(a.BlockedAt)
	a.PasswordChanged = a.PasswordChanged.UTC()
	return a
}

func scanAccount(s scanner) (*akte.Account, error) {
	var a akte.Account
	if err := s.Scan(accountDest(&a)...); err != nil {
		return nil, err
	}
	return accountDone(&a), nil
}

// CreateAccount inserts a new account and its record in one transaction.
func (s *Store) CreateAccount(ctx context.Context, a *akte.Account, r *akte.Record) error {
	const op = "postgres.CreateAccount"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := insertAccount(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO account_usage (account_id, registered_at) VALUES ($1, $2)`, a.ID, ts(a.CreatedAt)); err != nil {
			return err
		}
		if r == nil {
			return nil
		}
		return insertRecord(ctx, tx, r)
	})
	return wrap(op, err)
}

func insertAccount(ctx context.Context, tx pgx.Tx, a *akte.Account) error {
	_, err := tx.Exec(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		a.ID, a.Email, a.KVNR, a.BirthDate, a.Lang,
		a.KDF.Alg, blob(a.KDF.Salt), a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
		a.LoginHash, a.RecoveryHash,
		blob(a.Keys.UMKByPassword), blob(a.Keys.UMKByRecovery), blob(a.Keys.RecoveryByUMK),
		blob(a.Keys.PublicKey), blob(a.Keys.PrivateKeyByUMK),
		a.TOTPSecret, a.TOTPLastCounter,
		ts(a.CreatedAt), nullTS(a.ConfirmedAt), nullTS(a.BlockedAt), ts(a.PasswordChanged), a.Rev)
	return err
}

// Account returns the account with the id.
func (s *Store) Account(ctx context.Context, id akte.AccountID) (*akte.Account, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	a, err := scanAccount(s.pool.QueryRow(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return nil, wrap("postgres.Account", err)
	}
	return a, nil
}

// AccountByEmail returns the account with the e-mail address, compared
// exactly (the service lower-cases it).
func (s *Store) AccountByEmail(ctx context.Context, email string) (*akte.Account, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	a, err := scanAccount(s.pool.QueryRow(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE email = $1`, email))
	if err != nil {
		return nil, wrap("postgres.AccountByEmail", err)
	}
	return a, nil
}

// UpdateAccount overwrites the mutable fields of the account.
func (s *Store) UpdateAccount(ctx context.Context, a *akte.Account) error {
	const op = "postgres.UpdateAccount"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE accounts SET
		kdf_alg = $1, kdf_salt = $2, kdf_memory = $3, kdf_time = $4, kdf_threads = $5,
		login_hash = $6, recovery_hash = $7,
		umk_by_password = $8, umk_by_recovery = $9, recovery_by_umk = $10, public_key = $11, private_key_by_umk = $12,
		totp_secret = $13,
		confirmed_at = $14, blocked_at = $15, password_changed_at = $16, rev = rev + 1
		WHERE id = $17 AND rev = $18`,
		a.KDF.Alg, blob(a.KDF.Salt), a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
		a.LoginHash, a.RecoveryHash,
		blob(a.Keys.UMKByPassword), blob(a.Keys.UMKByRecovery), blob(a.Keys.RecoveryByUMK),
		blob(a.Keys.PublicKey), blob(a.Keys.PrivateKeyByUMK),
		a.TOTPSecret,
		nullTS(a.ConfirmedAt), nullTS(a.BlockedAt), ts(a.PasswordChanged),
		a.ID, a.Rev))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		// A stale copy, or no such account.
		var one int
		if err := s.pool.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1`, a.ID).Scan(&one); err != nil {
			return wrap(op, err)
		}
		return akte.R(op, akte.KindConflict, "account_changed", nil, "")
	}
	a.Rev++
	return nil
}

// SetAccountEmail moves the account to another address.
func (s *Store) SetAccountEmail(ctx context.Context, id akte.AccountID, email string) error {
	const op = "postgres.SetAccountEmail"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE accounts SET email = $1 WHERE id = $2`, email, id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// SetAccountLang sets the language of the account's mails.
func (s *Store) SetAccountLang(ctx context.Context, id akte.AccountID, lang string) error {
	const op = "postgres.SetAccountLang"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `UPDATE accounts SET lang = $1 WHERE id = $2`, lang, id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// ReleaseKVNR empties the KVNR of the confirmed account holding kvnr.
func (s *Store) ReleaseKVNR(ctx context.Context, kvnr string) (akte.AccountID, error) {
	const op = "postgres.ReleaseKVNR"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var id akte.AccountID
	err := s.pool.QueryRow(ctx, `UPDATE accounts SET kvnr = ''
		WHERE kvnr = $1 AND kvnr <> '' AND confirmed_at IS NOT NULL RETURNING id`, kvnr).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", notFound(op)
	}
	if err != nil {
		return "", wrap(op, err)
	}
	return id, nil
}

// AdvanceTOTP raises the account's TOTP counter if counter is higher. The
// comparison is part of the UPDATE, which under READ COMMITTED re-checks it
// on the row a concurrent winner wrote, so of two requests with the same
// code only one can win.
func (s *Store) AdvanceTOTP(ctx context.Context, id akte.AccountID, counter int64) (bool, error) {
	const op = "postgres.AdvanceTOTP"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var advanced bool
	err := s.tx(ctx, func(tx pgx.Tx) error {
		advanced = false
		n, err := affected(tx.Exec(ctx,
			`UPDATE accounts SET totp_last_counter = $1 WHERE id = $2 AND totp_last_counter < $1`,
			counter, id))
		if err != nil || n > 0 {
			advanced = n > 0
			return err
		}
		var one int
		err = tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(op)
		}
		return err
	})
	if err != nil {
		return false, wrap(op, err)
	}
	return advanced, nil
}

// DeleteAccount removes the account; sessions, devices and tokens go with
// it by ON DELETE CASCADE. Events stay.
func (s *Store) DeleteAccount(ctx context.Context, id akte.AccountID) error {
	const op = "postgres.DeleteAccount"
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	n, err := affected(s.pool.Exec(ctx, `DELETE FROM accounts WHERE id = $1`, id))
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}

// Accounts lists all accounts by creation time.
func (s *Store) Accounts(ctx context.Context) ([]*akte.Account, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	as, err := list(ctx, s.pool, scanAccount,
		`SELECT `+accountColumns+` FROM accounts ORDER BY created_at, seq`)
	if err != nil {
		return nil, wrap("postgres.Accounts", err)
	}
	return as, nil
}

// UnconfirmedAccountsBefore lists accounts created before t whose e-mail
// was never confirmed.
func (s *Store) UnconfirmedAccountsBefore(ctx context.Context, t time.Time) ([]akte.AccountID, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	ids, err := list(ctx, s.pool, func(s scanner) (id akte.AccountID, err error) {
		err = s.Scan(&id)
		return id, err
	}, `SELECT id FROM accounts WHERE created_at < $1 AND confirmed_at IS NULL ORDER BY created_at, seq`,
		ts(t))
	if err != nil {
		return nil, wrap("postgres.UnconfirmedAccountsBefore", err)
	}
	return ids, nil
}
