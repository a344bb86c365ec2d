package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/internal/qr"
	"github.com/akte/akte/wire"
)

func passwordCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "password change|reset",
		Short: e.Tr("Passwort ändern oder zurücksetzen", "Change or reset the password"),
	})
	cmd.AddCommand(passwordChangeCmd(e), passwordResetCmd(e))
	return cmd
}

func passwordChangeCmd(e *env) *cobra.Command {
	var totp string
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use: "change --totp CODE",
		Short: e.Tr("Passwort ändern (Daten bleiben lesbar). Altes Passwort: AKTE_PASSWORD, neues: AKTE_NEW_PASSWORD, oder zwei Zeilen mit --password-stdin",
			"Change the password (data stay readable). Old password: AKTE_PASSWORD, new one: AKTE_NEW_PASSWORD, or two lines with --password-stdin"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			sr := e.secrets(pwStdin)
			old, err := sr.get(e.Tr("Bisheriges Passwort", "Current password"), "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			nw, err := sr.get(e.Tr("Neues Passwort", "New password"), "AKTE_NEW_PASSWORD", true)
			if err != nil {
				return err
			}
			// Not authErr: a wrong password or code is unauthenticated
			// too, and must not end this session.
			if err := c.ChangePasswordTo(cmd.Context(), st, old, nw, totp); err != nil {
				return err
			}
			if err := e.save(st); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]string{"status": "changed"})
			}
			e.Printf("%s\n", e.Tr("Passwort geändert. Ihre Daten bleiben lesbar; andere Geräte wurden abgemeldet.",
				"Password changed. Your data stay readable; other devices were logged out."))
			return nil
		},
	}
	cmd.Flags().StringVar(&totp, "totp", "", e.Tr("Code aus der Authenticator-App", "code from the authenticator app"))
	e.jsonFlag(cmd, &asJSON)
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, e.Tr("altes und neues Passwort als zwei Zeilen von der Standardeingabe lesen",
		"read the old and the new password as two lines from standard input"))
	cli.Required(cmd, "totp")
	return cmd
}

func passwordResetCmd(e *env) *cobra.Command {
	var email, totp, code, qrPath string
	var without, erase, asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use: "reset --email E --totp CODE",
		Short: e.Tr("Passwort vergessen: mit dem Sicherheitsschlüssel neu setzen (Daten bleiben) oder --without-recovery-key (Daten gehen verloren)",
			"Forgot the password: set a new one with the recovery key (data stay) or --without-recovery-key (data are lost)"),
		Long: e.Tr("Mit Sicherheitsschlüssel (AKTE_RECOVERY_KEY, Eingabe oder erste Zeile mit --password-stdin) und neuem Passwort\n"+
			"(AKTE_NEW_PASSWORD, Eingabe oder zweite Zeile) bleiben alle Daten erhalten.\n\n"+
			"Ohne Sicherheitsschlüssel: erst `akte password reset --email E --without-recovery-key` (schickt einen Code),\n"+
			"dann `akte password reset --email E --without-recovery-key --code C --totp T` – dabei werden alle\n"+
			"verschlüsselten Daten gelöscht; am Terminal tippen Sie zur Bestätigung LÖSCHEN, sonst --yes-erase-my-data.",
			"With the recovery key (AKTE_RECOVERY_KEY, a prompt or the first line with --password-stdin) and a new password\n"+
				"(AKTE_NEW_PASSWORD, a prompt or the second line) all data stay.\n\n"+
				"Without the recovery key: first `akte password reset --email E --without-recovery-key` (sends a code),\n"+
				"then `akte password reset --email E --without-recovery-key --code C --totp T`, which deletes all\n"+
				"encrypted data; at a terminal you confirm by typing ERASE, otherwise give --yes-erase-my-data."),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := e.state()
			if err != nil {
				return err
			}
			c := e.api(nil)
			sr := e.secrets(pwStdin)
			newPassword := func() (string, error) {
				nw, err := sr.get(e.Tr("Neues Passwort", "New password"), "AKTE_NEW_PASSWORD", true)
				if err != nil {
					return "", err
				}
				return nw, core.CheckPassword(nw, email, "")
			}
			if !without {
				if totp == "" {
					return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--totp"})
				}
				text, err := sr.get(e.Tr("Sicherheitsschlüssel", "Recovery key"), "AKTE_RECOVERY_KEY", false)
				if err != nil {
					return err
				}
				rk, err := core.ParseRecoveryKey(text)
				if err != nil {
					return err
				}
				nw, err := newPassword()
				if err != nil {
					return err
				}
				g, err := c.Recover(ctx, wire.RecoverRequest{Email: email, RecoveryVerifier: core.RecoveryVerifier(rk), TOTP: totp})
				if err != nil {
					return err
				}
				umk, err := core.UnlockUMKWithRecovery(rk, g.UMKByRecovery)
				if err != nil {
					return err
				}
				kdf := core.DefaultKDF()
				ls, wrapped, err := core.Rewrap(umk, nw, kdf)
				if err != nil {
					return err
				}
				if err := c.CompleteRecovery(ctx, wire.RecoverCompleteRequest{Token: g.Token,
					New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped}}); err != nil {
					return err
				}
				st.ForgetSession()
				st.Seen.UseKDF(email, kdf)
				if err := e.save(st); err != nil {
					return err
				}
				if asJSON {
					return e.PrintJSON(map[string]string{"status": "changed"})
				}
				e.Printf("%s\n", e.Tr("Neues Passwort gesetzt; Ihre Daten bleiben erhalten. Bitte melden Sie sich neu an.",
					"New password set; your data stay. Please log in again."))
				return nil
			}
			warning := catalog.Text(e.Lang, "data_loss_warning", nil)
			if code == "" {
				if _, err := c.ResetPassword(ctx, wire.EmailRequest{Email: email}); err != nil {
					return err
				}
				if asJSON {
					return e.PrintJSON(map[string]string{"status": "sent", "warning": warning})
				}
				e.Printf(e.Tr("%s\n\nFalls ein Konto mit dieser Adresse besteht, ist ein Code unterwegs. Weiter mit:\n  akte password reset --email %s --without-recovery-key --code CODE --totp CODE\n",
					"%s\n\nIf an account with this address exists, a code is on its way. Go on with:\n  akte password reset --email %s --without-recovery-key --code CODE --totp CODE\n"), warning, email)
				return nil
			}
			if totp == "" {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--totp"})
			}
			fmt.Fprintf(e.Stderr, "%s\n\n", warning)
			if !erase {
				if _, tty := e.stdinTerminal(); !tty || pwStdin {
					return cli.Fail(akte.KindInvalid, "erase_not_confirmed", nil)
				}
				word := e.Tr("LÖSCHEN", "ERASE")
				fmt.Fprintf(e.Stderr, e.Tr("Tippen Sie %s, um fortzufahren: ", "Type %s to go on: "), word)
				l, _ := bufio.NewReader(e.Stdin).ReadString('\n')
				if strings.TrimSpace(l) != word {
					return cli.Fail(akte.KindInvalid, "erase_aborted", nil)
				}
			}
			nw, err := newPassword()
			if err != nil {
				return err
			}
			m, err := core.NewMaterial(nw, core.DefaultKDF())
			if err != nil {
				return err
			}
			if err := c.CompleteReset(ctx, wire.ResetCompleteRequest{
				Email: email, Code: code, TOTP: totp, AcknowledgeDataLoss: true, KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: m.Record}); err != nil {
				return err
			}
			st.ForgetSession()
			st.Keys, st.KDF = m.Keys, m.KDF
			st.Seen.UseKDF(email, m.KDF)
			if err := e.save(st); err != nil {
				return err
			}
			if !asJSON {
				e.Printf("%s\n", e.Tr("Passwort zurückgesetzt; die bisherigen verschlüsselten Daten sind gelöscht.",
					"Password reset; the encrypted data you had are deleted."))
			}
			return e.printRecoveryKey(asJSON, core.FormatRecoveryKey(m.RecoveryKey), qrPath, map[string]string{"status": "reset"})
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse", "e-mail address"))
	f.StringVar(&totp, "totp", "", e.Tr("Code aus der Authenticator-App", "code from the authenticator app"))
	f.BoolVar(&without, "without-recovery-key", false, e.Tr("ohne Sicherheitsschlüssel zurücksetzen: ALLE verschlüsselten Daten gehen verloren",
		"reset without the recovery key: ALL encrypted data are lost"))
	f.StringVar(&code, "code", "", e.Tr("Code aus der E-Mail (nur mit --without-recovery-key)", "code from the e-mail (only with --without-recovery-key)"))
	f.BoolVar(&erase, "yes-erase-my-data", false, e.Tr("Datenverlust bestätigen (nur mit --without-recovery-key)", "confirm the loss of data (only with --without-recovery-key)"))
	f.StringVar(&qrPath, "qr", "", e.Tr("neuen Sicherheitsschlüssel als QR-Code-PNG speichern", "save the new recovery key as a QR code PNG"))
	e.jsonFlag(cmd, &asJSON)
	f.BoolVar(&pwStdin, "password-stdin", false, e.Tr("Geheimnisse zeilenweise von der Standardeingabe lesen", "read the secrets line by line from standard input"))
	cli.Required(cmd, "email")
	return cmd
}

// authenticatorCmd sets up another authenticator app: the password and a
// code of the current app prove the owner, the new app's first code proves
// that the new secret arrived.
func authenticatorCmd(e *env) *cobra.Command {
	var totp string
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use: "authenticator --totp CODE",
		Short: e.Tr("Andere Authenticator-App einrichten (neues Telefon). Passwort: AKTE_PASSWORD oder 1. Zeile mit --password-stdin; Code der neuen App: AKTE_NEW_TOTP oder 2. Zeile",
			"Set up another authenticator app (new phone). Password: AKTE_PASSWORD or line 1 with --password-stdin; the new app's code: AKTE_NEW_TOTP or line 2"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, err := e.session()
			if err != nil {
				return err
			}
			sr := e.secrets(pwStdin)
			pw, err := sr.get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			proof, err := c.ProvePassword(ctx, st, pw)
			if err != nil {
				return err
			}
			na, err := c.NewAuthenticator(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			q, err := qr.Encode(na.URI)
			if err != nil {
				return err
			}
			// With --json the setup goes to standard error: standard
			// output keeps the one JSON answer.
			fmt.Fprintf(map[bool]io.Writer{true: e.Stderr, false: e.Stdout}[asJSON], e.Tr(
				"Scannen Sie diesen Code mit der neuen Authenticator-App (oder geben Sie den Schlüssel %s ein):\n%s\n%s\n",
				"Scan this code with the new authenticator app (or enter the key %s):\n%s\n%s\n"), na.Secret, q.Text(), na.URI)
			code, err := sr.get(e.Tr("Code der neuen App", "Code of the new app"), "AKTE_NEW_TOTP", false)
			if err != nil {
				return err
			}
			err = c.ChangeAuthenticator(ctx, wire.AuthenticatorChange{LoginSecret: proof.LoginSecret, TOTP: totp, NewSecret: na.Secret, NewTOTP: strings.TrimSpace(code)})
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]string{"status": "changed"})
			}
			e.Printf("%s\n", e.Tr("Die neue Authenticator-App gilt ab jetzt; die Codes der bisherigen nicht mehr.",
				"The new authenticator app counts from now on; the previous one's codes no longer do."))
			return nil
		},
	}
	cmd.Flags().StringVar(&totp, "totp", "", e.Tr("Code der bisherigen Authenticator-App", "code from the current authenticator app"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	cli.Required(cmd, "totp")
	return cmd
}
