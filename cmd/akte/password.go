package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func passwordCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password change|reset",
		Short: "Passwort ändern oder zurücksetzen / change or reset the password",
	}
	cmd.AddCommand(passwordChangeCmd(e), passwordResetCmd(e))
	return cmd
}

func passwordChangeCmd(e *env) *cobra.Command {
	var totp string
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use:   "change --totp CODE",
		Short: "Passwort ändern (Daten bleiben lesbar). Altes Passwort: AKTE_PASSWORD, neues: AKTE_NEW_PASSWORD, oder zwei Zeilen mit --password-stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			sr := e.secrets(pwStdin)
			old, err := sr.get("Bisheriges Passwort", "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			nw, err := sr.get("Neues Passwort", "AKTE_NEW_PASSWORD", true)
			if err != nil {
				return err
			}
			var acct wire.Account
			if err := c.Do(cmd.Context(), "GET", "/api/v1/account", nil, &acct); err != nil {
				return e.authErr(st, err)
			}
			if err := st.expectAccount(acct); err != nil {
				return err
			}
			if err := client.CheckPassword(nw, acct.Email, acct.KVNR); err != nil {
				return err
			}
			var keys wire.KeysResponse
			if err := c.Do(cmd.Context(), "GET", "/api/v1/account/keys", nil, &keys); err != nil {
				return e.authErr(st, err)
			}
			// The old login secret goes to the server: the same checks
			// as at login (a session never sees another device's
			// password change, which ends it).
			if err := client.CheckOffered(keys.KDF, st.Seen.kdf(st.Email), false); err != nil {
				return err
			}
			pk, oldSecret, err := client.Split(old, keys.KDF)
			if err != nil {
				return err
			}
			umk, err := client.UnlockUMK(pk, keys.Keys)
			if err != nil {
				return akte.E("password.change", akte.KindUnauthenticated, "Das bisherige Passwort ist falsch.", nil)
			}
			kdf := client.DefaultKDF()
			ls, wrapped, err := client.Rewrap(umk, nw, kdf)
			if err != nil {
				return err
			}
			err = c.Do(cmd.Context(), "POST", "/api/v1/password/change", wire.PasswordChangeRequest{
				OldLoginSecret: oldSecret, TOTP: totp, New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped},
			}, nil)
			if err != nil {
				return e.authErr(st, err)
			}
			st.KDF, st.Keys = kdf, keys.Keys
			st.Keys.UMKByPassword = wrapped
			st.Seen.useKDF(st.Email, kdf)
			if err := saveState(e, st); err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(map[string]string{"status": "changed"})
			}
			e.printf("Passwort geändert. Ihre Daten bleiben lesbar; andere Geräte wurden abgemeldet.\n")
			return nil
		},
	}
	cmd.Flags().StringVar(&totp, "totp", "", "Code aus der Authenticator-App")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	cmd.Flags().BoolVar(&pwStdin, "password-stdin", false, "altes und neues Passwort als zwei Zeilen von der Standardeingabe lesen")
	cmd.MarkFlagRequired("totp")
	return cmd
}

func passwordResetCmd(e *env) *cobra.Command {
	var email, totp, code, qrPath string
	var without, erase, asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use:   "reset --email E --totp CODE",
		Short: "Passwort vergessen: mit dem Sicherheitsschlüssel neu setzen (Daten bleiben) oder --without-recovery-key (Daten gehen verloren)",
		Long: "Mit Sicherheitsschlüssel (AKTE_RECOVERY_KEY, Eingabe oder erste Zeile mit --password-stdin) und neuem Passwort\n" +
			"(AKTE_NEW_PASSWORD, Eingabe oder zweite Zeile) bleiben alle Daten erhalten.\n\n" +
			"Ohne Sicherheitsschlüssel: erst `akte password reset --email E --without-recovery-key` (schickt einen Code),\n" +
			"dann `akte password reset --email E --without-recovery-key --code C --totp T` – dabei werden alle\n" +
			"verschlüsselten Daten gelöscht; am Terminal tippen Sie zur Bestätigung LÖSCHEN, sonst --yes-erase-my-data.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := loadState(e)
			if err != nil {
				return err
			}
			c := e.api(nil)
			sr := e.secrets(pwStdin)
			if !without {
				if totp == "" {
					return fmt.Errorf("--totp fehlt")
				}
				text, err := sr.get("Sicherheitsschlüssel", "AKTE_RECOVERY_KEY", false)
				if err != nil {
					return err
				}
				rk, err := client.ParseRecoveryKey(text)
				if err != nil {
					return err
				}
				nw, err := sr.get("Neues Passwort", "AKTE_NEW_PASSWORD", true)
				if err != nil {
					return err
				}
				if err := client.CheckPassword(nw, email, ""); err != nil {
					return err
				}
				var g wire.RecoverResponse
				if err := c.Do(cmd.Context(), "POST", "/api/v1/password/recover", wire.RecoverRequest{Email: email, RecoveryVerifier: client.RecoveryVerifier(rk), TOTP: totp}, &g); err != nil {
					return err
				}
				umk, err := client.UnlockUMKWithRecovery(rk, g.UMKByRecovery)
				if err != nil {
					return fmt.Errorf("der Sicherheitsschlüssel öffnet den Kontoschlüssel nicht: %w", err)
				}
				kdf := client.DefaultKDF()
				ls, wrapped, err := client.Rewrap(umk, nw, kdf)
				if err != nil {
					return err
				}
				if err := c.Do(cmd.Context(), "POST", "/api/v1/password/recover/complete", wire.RecoverCompleteRequest{Token: g.Token,
					New: wire.NewPassword{KDF: kdf, LoginSecret: ls, UMKByPassword: wrapped}}, nil); err != nil {
					return err
				}
				st.forgetSession()
				st.Seen.useKDF(email, kdf)
				if err := saveState(e, st); err != nil {
					return err
				}
				if asJSON {
					return e.printJSON(map[string]string{"status": "changed"})
				}
				e.printf("Neues Passwort gesetzt; Ihre Daten bleiben erhalten. Bitte melden Sie sich neu an.\n")
				return nil
			}
			if code == "" {
				var res wire.ResetStartResponse
				if err := c.Do(cmd.Context(), "POST", "/api/v1/password/reset", wire.EmailRequest{Email: email}, &res); err != nil {
					return err
				}
				if asJSON {
					return e.printJSON(map[string]string{"status": "sent", "warning": res.Warning})
				}
				e.printf("%s\n\nFalls ein Konto mit dieser Adresse besteht, ist ein Code unterwegs. Weiter mit:\n  akte password reset --email %s --without-recovery-key --code CODE --totp CODE\n", res.Warning, email)
				return nil
			}
			if totp == "" {
				return fmt.Errorf("--totp fehlt")
			}
			fmt.Fprintf(e.stderr, "%s\n\n", service.DataLossWarning)
			if !erase {
				if _, tty := e.stdinTerminal(); !tty || pwStdin {
					return fmt.Errorf("zur Bestätigung des Datenverlusts --yes-erase-my-data angeben")
				}
				fmt.Fprint(e.stderr, "Tippen Sie LÖSCHEN, um fortzufahren: ")
				l, _ := bufio.NewReader(e.stdin).ReadString('\n')
				if strings.TrimSpace(l) != "LÖSCHEN" {
					return fmt.Errorf("abgebrochen; nichts wurde gelöscht")
				}
			}
			nw, err := sr.get("Neues Passwort", "AKTE_NEW_PASSWORD", true)
			if err != nil {
				return err
			}
			if err := client.CheckPassword(nw, email, ""); err != nil {
				return err
			}
			m, err := client.NewMaterial(nw, client.DefaultKDF())
			if err != nil {
				return err
			}
			if err := c.Do(cmd.Context(), "POST", "/api/v1/password/reset/complete", wire.ResetCompleteRequest{
				Email: email, Code: code, TOTP: totp, AcknowledgeDataLoss: true, KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, Record: m.Record}, nil); err != nil {
				return err
			}
			st.forgetSession()
			st.Keys, st.KDF = m.Keys, m.KDF
			st.Seen.useKDF(email, m.KDF)
			if err := saveState(e, st); err != nil {
				return err
			}
			rk := client.FormatRecoveryKey(m.RecoveryKey)
			if asJSON {
				return e.printJSON(map[string]string{"status": "reset", "recovery_key": rk})
			}
			e.printf("Passwort zurückgesetzt; die bisherigen verschlüsselten Daten sind gelöscht.\n")
			return e.showRecoveryKey(rk, qrPath)
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "E-Mail-Adresse")
	f.StringVar(&totp, "totp", "", "Code aus der Authenticator-App")
	f.BoolVar(&without, "without-recovery-key", false, "ohne Sicherheitsschlüssel zurücksetzen: ALLE verschlüsselten Daten gehen verloren")
	f.StringVar(&code, "code", "", "Code aus der E-Mail (nur mit --without-recovery-key)")
	f.BoolVar(&erase, "yes-erase-my-data", false, "Datenverlust bestätigen (nur mit --without-recovery-key)")
	f.StringVar(&qrPath, "qr", "", "neuen Sicherheitsschlüssel als QR-Code-PNG speichern")
	f.BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	f.BoolVar(&pwStdin, "password-stdin", false, "Geheimnisse zeilenweise von der Standardeingabe lesen")
	cmd.MarkFlagRequired("email")
	return cmd
}
