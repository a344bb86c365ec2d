package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/akte/akte"
)

const accountColumns = `id, email, kvnr, birth_date, lang,
	kdf_alg, kdf_salt, kdf_memory, kdf_time, kdf_threads,
	login_hash, recovery_hash,
	umk_by_password, umk_by_recovery, recovery_by_umk, public_key, private_key_by_umk,
	totp_secret, totp_last_counter,
	created_at, confirmed_at, blocked_at, password_changed_at`

// accountRow is an account and the destinations of its scan.
type accountRow struct {
	a                        akte.Account
	created, passwordChanged int64
	confirmed, blocked       sql.NullInt64
}

func (r *accountRow) dest() []any {
	a := &r.a
	return []any{&a.ID, &a.Email, &a.KVNR, &a.BirthDate, &a.Lang,
		&a.KDF.Alg, &a.KDF.Salt, &a.KDF.Memory, &a.KDF.Time, &a.KDF.Threads,
		&a.LoginHash, &a.RecoveryHash,
		&a.Keys.UMKByPassword, &a.Keys.UMKByRecovery, &a.Keys.RecoveryByUMK, &a.Keys.PublicKey, &a.Keys.PrivateKeyByUMK,
		&a.TOTPSecret, &a.TOTPLastCounter,
		&r.created, &r.confirmed, &r.blocked, &r.passwordChanged}
}

func (r *accountRow) done() *akte.Account {
	r.a.CreatedAt = fromMicros(r.created)
	r.a.ConfirmedAt = ptrMicros(r.confirmed)
	r.a.BlockedAt = ptrMicros(r.blocked)
	r.a.PasswordChanged = fromMicros(r.passwordChanged)
	return &r.a
}

func scanAccount(s scanner) (*akte.Account, error) {
	var r accountRow
	if err := s.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.done(), nil
}

// CreateAccount inserts a new account and its record in one transaction.
func (s *Store) CreateAccount(ctx context.Context, a *akte.Account, r *akte.Record) error {
	const op = "sqlite.CreateAccount"
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := insertAccount(ctx, tx, a); err != nil {
			return err
		}
		if r == nil {
			return nil
		}
		return insertRecord(ctx, tx, r)
	})
	return wrap(op, err)
}

func insertAccount(ctx context.Context, tx *sql.Tx, a *akte.Account) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Email, a.KVNR, a.BirthDate, a.Lang,
		a.KDF.Alg, blob(a.KDF.Salt), a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
		a.LoginHash, a.RecoveryHash,
		blob(a.Keys.UMKByPassword), blob(a.Keys.UMKByRecovery), blob(a.Keys.RecoveryByUMK),
		blob(a.Keys.PublicKey), blob(a.Keys.PrivateKeyByUMK),
		a.TOTPSecret, a.TOTPLastCounter,
		micros(a.CreatedAt), nullMicros(a.ConfirmedAt), nullMicros(a.BlockedAt), micros(a.PasswordChanged))
	return err
}

// Account returns the account with the id.
func (s *Store) Account(ctx context.Context, id akte.AccountID) (*akte.Account, error) {
	a, err := scanAccount(s.queryRow(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return nil, wrap("sqlite.Account", err)
	}
	return a, nil
}

// AccountByEmail returns the account with the e-mail address, compared
// exactly (the service lower-cases it).
func (s *Store) AccountByEmail(ctx context.Context, email string) (*akte.Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE email = ?`, email))
	if err != nil {
		return nil, wrap("sqlite.AccountByEmail", err)
	}
	return a, nil
}

// UpdateAccount overwrites the mutable fields of the account.
func (s *Store) UpdateAccount(ctx context.Context, a *akte.Account) error {
	const op = "sqlite.UpdateAccount"
	n, err := affected(s.db.ExecContext(ctx, `UPDATE accounts SET
		kdf_alg = ?, kdf_salt = ?, kdf_memory = ?, kdf_time = ?, kdf_threads = ?,
		login_hash = ?, recovery_hash = ?,
		umk_by_password = ?, umk_by_recovery = ?, recovery_by_umk = ?, public_key = ?, private_key_by_umk = ?,
		totp_secret = ?,
		confirmed_at = ?, blocked_at = ?, password_changed_at = ?
		WHERE id = ?`,
		a.KDF.Alg, blob(a.KDF.Salt), a.KDF.Memory, a.KDF.Time, a.KDF.Threads,
		a.LoginHash, a.RecoveryHash,
		blob(a.Keys.UMKByPassword), blob(a.Keys.UMKByRecovery), blob(a.Keys.RecoveryByUMK),
		blob(a.Keys.PublicKey), blob(a.Keys.PrivateKeyByUMK),
		a.TOTPSecret,
		nullMicros(a.ConfirmedAt), nullMicros(a.BlockedAt), micros(a.PasswordChanged),
		a.ID))
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
	const op = "sqlite.SetAccountLang"
	n, err := affected(s.db.ExecContext(ctx, `UPDATE accounts SET lang = ? WHERE id = ?`, lang, id))
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
	const op = "sqlite.ReleaseKVNR"
	var id akte.AccountID
	err := s.db.QueryRowContext(ctx, `UPDATE accounts SET kvnr = ''
		WHERE kvnr = ? AND kvnr <> '' AND confirmed_at IS NOT NULL RETURNING id`, kvnr).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound(op)
	}
	return id, wrap(op, err)
}

// AdvanceTOTP raises the account's TOTP counter if counter is higher. The
// comparison is part of the UPDATE, so of two requests with the same code
// only one can win.
func (s *Store) AdvanceTOTP(ctx context.Context, id akte.AccountID, counter int64) (bool, error) {
	const op = "sqlite.AdvanceTOTP"
	var advanced bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n, err := affected(tx.ExecContext(ctx,
			`UPDATE accounts SET totp_last_counter = ? WHERE id = ? AND totp_last_counter < ?`,
			counter, id, counter))
		if err != nil || n > 0 {
			advanced = n > 0
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(op)
		}
		return err
	})
	return advanced, wrap(op, err)
}

// DeleteAccount removes the account; sessions, devices and tokens go with
// it by ON DELETE CASCADE. Events stay.
func (s *Store) DeleteAccount(ctx context.Context, id akte.AccountID) error {
	const op = "sqlite.DeleteAccount"
	n, err := affected(s.db.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id))
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
	as, err := list(ctx, s.db, scanAccount,
		`SELECT `+accountColumns+` FROM accounts ORDER BY created_at, rowid`)
	return as, wrap("sqlite.Accounts", err)
}

// UnconfirmedAccountsBefore lists accounts created before t whose e-mail
// was never confirmed.
func (s *Store) UnconfirmedAccountsBefore(ctx context.Context, t time.Time) ([]akte.AccountID, error) {
	ids, err := list(ctx, s.db, func(s scanner) (id akte.AccountID, err error) {
		err = s.Scan(&id)
		return id, err
	}, `SELECT id FROM accounts WHERE created_at < ? AND confirmed_at IS NULL ORDER BY created_at, rowid`,
		micros(t))
	return ids, wrap("sqlite.UnconfirmedAccountsBefore", err)
}
