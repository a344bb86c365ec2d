package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/internal/qr"
	"github.com/akte/akte/wire"
)

func registerCmd(e *env) *cobra.Command {
	var email, kvnr, birth, qrPath, deviceName string
	var asJSON, pwStdin, resume, accept bool
	cmd := &cobra.Command{
		Use:   "register --email E --kvnr K --birthdate YYYY-MM-DD [--accept]",
		Short: e.Tr("Konto anlegen (noch einmal: eine unfertige Registrierung fortsetzen)", "Create an account (again: continue an unfinished registration)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.state()
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", true)
			if err != nil {
				return err
			}
			if deviceName != "" {
				st.DeviceName = deviceName
			}
			// Run again for the address this client registered, or with
			// --continue, it continues the registration instead of
			// starting a second one (issue 12, item 1).
			if resume || (st.AccountID != "" && st.Token == "" && client.EmailKey(st.Email) == client.EmailKey(email)) {
				r, err := client.ContinueRegistration(cmd.Context(), e.api(nil), st, email, pw)
				if err != nil {
					return err
				}
				if err := e.save(st); err != nil {
					return err
				}
				return e.showRegistration(shownRegistration{accountID: r.AccountID, email: email, recoveryKey: core.FormatRecoveryKey(r.RecoveryKey),
					totpSecret: r.TOTPSecret, totpURI: r.TOTPURI, resumed: true, emailConfirmed: r.EmailConfirmed}, qrPath, asJSON)
			}
			if kvnr == "" || birth == "" {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--kvnr, --birthdate"})
			}
			if err := core.CheckPassword(pw, email, kvnr); err != nil {
				return err
			}
			texts, err := client.RequiredTexts(cmd.Context(), e.api(nil), e.Lang)
			if err != nil {
				return err
			}
			consents, err := e.askTexts(texts, accept, asJSON, "consent_required")
			if err != nil {
				return err
			}
			m, err := core.NewMaterial(pw, core.DefaultKDF())
			if err != nil {
				return err
			}
			res, err := e.api(nil).Register(cmd.Context(), wire.RegisterRequest{
				Email: email, KVNR: kvnr, BirthDate: birth, KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: st.DeviceID, DeviceName: st.DeviceName, Record: m.Record, Lang: e.Lang,
				Consents: consents, Via: "cli",
			})
			if err != nil {
				return err
			}
			return e.registered(st, email, m, res, qrPath, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse", "e-mail address"))
	f.StringVar(&kvnr, "kvnr", "", e.Tr("Krankenversichertennummer (10 Zeichen)", "health insurance number (KVNR, 10 characters)"))
	f.StringVar(&birth, "birthdate", "", e.Tr("Geburtsdatum JJJJ-MM-TT", "date of birth YYYY-MM-DD"))
	f.StringVar(&qrPath, "qr", "", e.Tr("Sicherheitsschlüssel zusätzlich als QR-Code-PNG in diese Datei schreiben", "also write the recovery key as a QR code PNG to this file"))
	f.StringVar(&deviceName, "device-name", "", e.Tr("Name dieses Geräts", "name of this device"))
	f.BoolVar(&accept, "accept", false, e.Tr("der Verarbeitung zustimmen und Datenschutzhinweise und Nutzungsbedingungen bestätigen, ohne Rückfrage (die Texte werden trotzdem gezeigt)",
		"consent to the processing and acknowledge the privacy notice and the terms without asking (the texts are shown all the same)"))
	f.BoolVar(&resume, "continue", false, e.Tr("eine unfertige Registrierung (vor der ersten Anmeldung) mit dem Passwort fortsetzen, auch von einem anderen Gerät",
		"continue an unfinished registration (before the first login) with the password, also from another device"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	cli.Required(cmd, "email")
	return cmd
}

// shownRegistration is what a registration shows the patient to keep.
type shownRegistration struct {
	accountID, email, recoveryKey, totpSecret, totpURI string
	resumed, emailConfirmed                            bool
}

// showRegistration prints the recovery key, the authenticator's secret and
// the next step.
func (e *env) showRegistration(r shownRegistration, qrPath string, asJSON bool) error {
	if asJSON {
		if qrPath != "" {
			if err := cli.WriteQR(r.recoveryKey, qrPath); err != nil {
				return err
			}
		}
		return e.PrintJSON(map[string]any{"account_id": r.accountID, "email": r.email, "recovery_key": r.recoveryKey,
			"totp_secret": r.totpSecret, "totp_uri": r.totpURI, "resumed": r.resumed, "email_confirmed": r.emailConfirmed})
	}
	if r.resumed {
		e.Printf(e.Tr("Registrierung fortgesetzt: %s\n", "Registration continued: %s\n"), r.accountID)
	} else {
		e.Printf(e.Tr("Konto angelegt: %s\n", "Account created: %s\n"), r.accountID)
	}
	if err := e.showRecoveryKey(r.recoveryKey, qrPath); err != nil {
		return err
	}
	q, err := qr.Encode(r.totpURI)
	if err != nil {
		return err
	}
	e.Printf(e.Tr("\nZwei-Faktor-Anmeldung: Scannen Sie diesen Code mit einer Authenticator-App\n(oder geben Sie den Schlüssel %s ein). Bis zur ersten Anmeldung zeigt akte register ihn mit dem Passwort noch einmal.\n%s\n%s\n\n",
		"\nTwo-factor login: scan this code with an authenticator app\n(or enter the key %s). Until the first login, akte register shows it again with the password.\n%s\n%s\n\n"),
		r.totpSecret, q.Text(), r.totpURI)
	if r.emailConfirmed {
		e.Printf(e.Tr("Ihre E-Mail-Adresse ist bestätigt. Weiter mit: akte login --email %s --totp CODE\n",
			"Your e-mail address is confirmed. Go on with: akte login --email %s --totp CODE\n"), r.email)
		return nil
	}
	e.Printf(e.Tr("Wir haben Ihnen einen Bestätigungscode an %s geschickt. Weiter mit: akte verify-email --code CODE\n",
		"We have sent a confirmation code to %s. Go on with: akte verify-email --code CODE\n"), r.email)
	return nil
}

// jsonFlag adds --json, which every command has.
func (e *env) jsonFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
}

// stdinFlag adds --password-stdin.
func (e *env) stdinFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "password-stdin", false, e.Tr("Passwort als Zeile von der Standardeingabe lesen", "read the password as a line from standard input"))
}

func verifyEmailCmd(e *env) *cobra.Command {
	var email, code string
	var resend, asJSON bool
	cmd := &cobra.Command{
		Use:   "verify-email --code C",
		Short: e.Tr("E-Mail-Adresse mit dem zugesandten Code bestätigen", "Confirm the e-mail address with the code sent"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := e.state()
			if err != nil {
				return err
			}
			if email == "" {
				email = st.Email
			}
			if email == "" {
				return cmd.Help()
			}
			c := e.api(nil)
			if resend {
				if err := c.ResendConfirmation(cmd.Context(), wire.EmailRequest{Email: email}); err != nil {
					return err
				}
				if asJSON {
					return e.PrintJSON(map[string]string{"status": "sent"})
				}
				e.Printf(e.Tr("Ein neuer Code ist unterwegs an %s.\n", "A new code is on its way to %s.\n"), email)
				return nil
			}
			if err := c.ConfirmEmail(cmd.Context(), wire.ConfirmRequest{Email: email, Code: code}); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]string{"status": "confirmed", "email": email})
			}
			e.Printf(e.Tr("E-Mail-Adresse bestätigt. Jetzt anmelden: akte login --email %s --totp CODE\n",
				"E-mail address confirmed. Now log in: akte login --email %s --totp CODE\n"), email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&code, "code", "", e.Tr("Code aus der E-Mail", "code from the e-mail"))
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse (Standard: die zuletzt registrierte)", "e-mail address (default: the one registered last)"))
	f.BoolVar(&resend, "resend", false, e.Tr("einen neuen Code anfordern", "ask for a new code"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func whoamiCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: e.Tr("Angemeldetes Konto anzeigen", "Show the logged-in account"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			a, err := c.Account(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if err := st.ExpectAccount(a); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(a)
			}
			e.Printf(e.Tr("E-Mail:   %s\nKonto:    %s\nKVNR:     %s\nGerät:    %s (%s)\nSprache:  %s\n", "E-mail:   %s\nAccount:  %s\nKVNR:     %s\nDevice:   %s (%s)\nLanguage: %s\n"),
				a.Email, a.AccountID, a.KVNR, st.DeviceName, a.DeviceID, a.Lang)
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// languageCmd sets the account's language: the web app's after a login on
// any device, and its mails' (decision 0031; chosen at registration, the
// CLI's language then). The CLI itself speaks the terminal's language
// (AKTE_LANG, LC_ALL, LC_MESSAGES, LANG), as command-line tools do.
func languageCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "language de|en",
		Aliases: []string{"mail-language"},
		Short:   e.Tr("Sprache des Kontos festlegen (Web-App und Mails)", "Set the account's language (web app and mails)"),
		Args:    cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			a, err := c.UpdateAccount(cmd.Context(), wire.AccountUpdate{Lang: args[0]})
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(a)
			}
			e.Printf(e.Tr("Die Web-App und die Mails an %s sprechen künftig %s.\n", "The web app and the mails to %s will speak %s.\n"), a.Email,
				map[string]string{"de": e.Tr("Deutsch", "German"), "en": e.Tr("Englisch", "English")}[a.Lang])
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func recoveryKeyCmd(e *env) *cobra.Command {
	var qrPath string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recovery-key [--qr FILE]",
		Short: e.Tr("Persönlichen Sicherheitsschlüssel erneut anzeigen", "Show the recovery key again"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			umk, keys, err := e.unlockUMK(cmd.Context(), st, c)
			if err != nil {
				return err
			}
			rk, err := core.RecoveryKey(umk, keys)
			if err != nil {
				return err
			}
			return e.printRecoveryKey(asJSON, core.FormatRecoveryKey(rk), qrPath, map[string]string{})
		},
	}
	cmd.Flags().StringVar(&qrPath, "qr", "", e.Tr("QR-Code als PNG in diese Datei schreiben", "write the QR code as a PNG to this file"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

// emailCmd moves the account to another address: "change" mails a code to
// it, "confirm" takes the code back.
func emailCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "email change|confirm",
		Short: e.Tr("E-Mail-Adresse des Kontos ändern", "Change the account's e-mail address"),
	})
	var totp, code string
	var pwStdin bool
	change := e.emailStep("change NEW --totp CODE",
		e.Tr("Code an die neue Adresse schicken. Passwort: AKTE_PASSWORD oder --password-stdin", "Send a code to the new address. Password: AKTE_PASSWORD or --password-stdin"),
		func(cmd *cobra.Command, st *client.State, c *client.API, to string) (any, string, error) {
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
			if err != nil {
				return nil, "", err
			}
			if err := c.StartEmailChangeTo(cmd.Context(), st, pw, to, totp); err != nil {
				return nil, "", err
			}
			return map[string]string{"status": "code_sent", "email": to}, fmt.Sprintf(e.Tr("Ein Code ist an %s unterwegs. Bestätigen Sie mit: akte email confirm %s --code CODE",
				"A code is on its way to %s. Confirm with: akte email confirm %s --code CODE"), to, to), nil
		})
	change.Flags().StringVar(&totp, "totp", "", e.Tr("Code aus der Authenticator-App", "code from the authenticator app"))
	e.stdinFlag(change, &pwStdin)
	cli.Required(change, "totp")
	confirm := e.emailStep("confirm NEW --code CODE", e.Tr("Neue Adresse mit dem zugesandten Code bestätigen", "Confirm the new address with the code mailed to it"),
		func(cmd *cobra.Command, st *client.State, c *client.API, to string) (any, string, error) {
			acct, err := c.ConfirmEmailChangeTo(cmd.Context(), st, to, strings.TrimSpace(code))
			if err != nil {
				return nil, "", err
			}
			if err := e.save(st); err != nil {
				return nil, "", err
			}
			return map[string]string{"status": "changed", "email": acct.Email}, fmt.Sprintf(e.Tr("Ihr Konto verwendet jetzt %s.", "Your account now uses %s."), acct.Email), nil
		})
	confirm.Flags().StringVar(&code, "code", "", e.Tr("Code aus der E-Mail an die neue Adresse", "code from the mail to the new address"))
	cli.Required(confirm, "code")
	cmd.AddCommand(change, confirm)
	return cmd
}

// emailStep is one step of "akte email": the new address as its argument,
// the logged-in session; run's answer is printed as JSON with --json, its
// sentence else.
func (e *env) emailStep(use, short string, run func(*cobra.Command, *client.State, *client.API, string) (any, string, error)) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			out, text, err := run(cmd, st, c, strings.TrimSpace(args[0]))
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(out)
			}
			e.Printf("%s\n", text)
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// registered keeps a new account's keys in the client's state and shows
// the recovery key and the authenticator secret (akte register, akte
// activate).
func (e *env) registered(st *client.State, email string, m *core.Material, res *wire.RegisterResponse, qrPath string, asJSON bool) error {
	st.Email, st.AccountID, st.Keys, st.KDF, st.DeviceSecret = email, res.AccountID, m.Keys, m.KDF, res.DeviceSecret
	st.Seen.UseKDF(email, m.KDF)
	st.ForgetSession()
	if err := e.save(st); err != nil {
		return err
	}
	return e.showRegistration(shownRegistration{accountID: res.AccountID, email: email, recoveryKey: core.FormatRecoveryKey(m.RecoveryKey),
		totpSecret: res.TOTPSecret, totpURI: res.TOTPURI}, qrPath, asJSON)
}
