package main

import (
	"github.com/skip2/go-qrcode"
	"github.com/spf13/cobra"

	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

func registerCmd(e *env) *cobra.Command {
	var email, kvnr, birth, qrPath, deviceName string
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use:   "register --email E --kvnr K --birthdate YYYY-MM-DD",
		Short: "Konto anlegen / create an account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := loadState(e)
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get("Passwort", "AKTE_PASSWORD", true)
			if err != nil {
				return err
			}
			if err := client.CheckPassword(pw, email, kvnr); err != nil {
				return err
			}
			m, err := client.NewMaterial(pw, client.DefaultKDF())
			if err != nil {
				return err
			}
			if deviceName != "" {
				st.DeviceName = deviceName
			}
			var res wire.RegisterResponse
			err = e.api(nil).Do(cmd.Context(), "POST", "/api/v1/accounts", wire.RegisterRequest{
				Email: email, KVNR: kvnr, BirthDate: birth, KDF: m.KDF, LoginSecret: m.LoginSecret,
				RecoveryVerifier: m.RecoveryVerifier, Keys: m.Keys, DeviceID: st.DeviceID, DeviceName: st.DeviceName, Record: m.Record,
			}, &res)
			if err != nil {
				return err
			}
			st.Email, st.AccountID, st.Keys, st.KDF = email, res.AccountID, m.Keys, m.KDF
			st.Seen.useKDF(email, m.KDF)
			st.forgetSession()
			if err := saveState(e, st); err != nil {
				return err
			}
			rk := client.FormatRecoveryKey(m.RecoveryKey)
			if asJSON {
				if qrPath != "" {
					if err := writeQR(rk, qrPath); err != nil {
						return err
					}
				}
				return e.printJSON(map[string]string{"account_id": res.AccountID, "email": email, "recovery_key": rk,
					"totp_secret": res.TOTPSecret, "totp_uri": res.TOTPURI})
			}
			e.printf("Konto angelegt / account created: %s\n", res.AccountID)
			if err := e.showRecoveryKey(rk, qrPath); err != nil {
				return err
			}
			q, err := qrcode.New(res.TOTPURI, qrcode.Medium)
			if err != nil {
				return err
			}
			e.printf("\nZwei-Faktor-Anmeldung: Scannen Sie diesen Code mit einer Authenticator-App\n(oder geben Sie den Schlüssel %s ein). Er wird nur jetzt angezeigt.\n%s\n%s\n\n",
				res.TOTPSecret, q.ToSmallString(false), res.TOTPURI)
			e.printf("Wir haben Ihnen einen Bestätigungscode an %s geschickt. Weiter mit: akte verify-email --code CODE\n", email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", "E-Mail-Adresse")
	f.StringVar(&kvnr, "kvnr", "", "Krankenversichertennummer (10 Zeichen)")
	f.StringVar(&birth, "birthdate", "", "Geburtsdatum JJJJ-MM-TT")
	f.StringVar(&qrPath, "qr", "", "Sicherheitsschlüssel zusätzlich als QR-Code-PNG in diese Datei schreiben")
	f.StringVar(&deviceName, "device-name", "", "Name dieses Geräts")
	f.BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	f.BoolVar(&pwStdin, "password-stdin", false, "Passwort als Zeile von der Standardeingabe lesen")
	for _, n := range []string{"email", "kvnr", "birthdate"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func verifyEmailCmd(e *env) *cobra.Command {
	var email, code string
	var resend, asJSON bool
	cmd := &cobra.Command{
		Use:   "verify-email --code C",
		Short: "E-Mail-Adresse mit dem zugesandten Code bestätigen / confirm the e-mail address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := loadState(e)
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
				if err := c.Do(cmd.Context(), "POST", "/api/v1/accounts/confirm/resend", wire.EmailRequest{Email: email}, nil); err != nil {
					return err
				}
				if asJSON {
					return e.printJSON(map[string]string{"status": "sent"})
				}
				e.printf("Ein neuer Code ist unterwegs an %s.\n", email)
				return nil
			}
			if err := c.Do(cmd.Context(), "POST", "/api/v1/accounts/confirm", wire.ConfirmRequest{Email: email, Code: code}, nil); err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(map[string]string{"status": "confirmed", "email": email})
			}
			e.printf("E-Mail-Adresse bestätigt. Jetzt anmelden: akte login --email %s --totp CODE\n", email)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&code, "code", "", "Code aus der E-Mail")
	f.StringVar(&email, "email", "", "E-Mail-Adresse (Standard: die zuletzt registrierte)")
	f.BoolVar(&resend, "resend", false, "einen neuen Code anfordern")
	f.BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func whoamiCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Angemeldetes Konto anzeigen / show the logged-in account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			var a wire.Account
			if err := c.Do(cmd.Context(), "GET", "/api/v1/account", nil, &a); err != nil {
				return e.authErr(st, err)
			}
			if err := st.expectAccount(a); err != nil {
				return err
			}
			if asJSON {
				return e.printJSON(a)
			}
			e.printf("E-Mail:  %s\nKonto:   %s\nKVNR:    %s\nGerät:   %s (%s)\n", a.Email, a.AccountID, a.KVNR, st.DeviceName, a.DeviceID)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func recoveryKeyCmd(e *env) *cobra.Command {
	var qrPath string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recovery-key [--qr FILE]",
		Short: "Persönlichen Sicherheitsschlüssel erneut anzeigen / show the recovery key again",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			umk, keys, err := e.unlockUMK(cmd.Context(), st, c)
			if err != nil {
				return err
			}
			rk, err := client.RecoveryKey(umk, keys.Keys)
			if err != nil {
				return err
			}
			text := client.FormatRecoveryKey(rk)
			if asJSON {
				if qrPath != "" {
					if err := writeQR(text, qrPath); err != nil {
						return err
					}
				}
				return e.printJSON(map[string]string{"recovery_key": text})
			}
			return e.showRecoveryKey(text, qrPath)
		},
	}
	cmd.Flags().StringVar(&qrPath, "qr", "", "QR-Code als PNG in diese Datei schreiben")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}
