package main

import (
	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

func keysCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "keys rotate",
		Short: e.Tr("Schlüssel des Kontos erneuern", "Renew the account's keys"),
	})
	cmd.AddCommand(keysRotateCmd(e))
	return cmd
}

// keysRotateCmd rotates the user master key (docs/crypto.md, "Rotating
// the user master key"): every document stays readable, the recovery key
// is new and the old one no longer works.
func keysRotateCmd(e *env) *cobra.Command {
	var totp, qrPath string
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use: "rotate --totp CODE",
		Short: e.Tr("Kontoschlüssel erneuern und einen neuen Sicherheitsschlüssel zeigen (Dokumente bleiben lesbar, der alte Sicherheitsschlüssel gilt nicht mehr). Passwort: AKTE_PASSWORD, Eingabe oder --password-stdin",
			"Renew the account key and show a new recovery key (documents stay readable, the old recovery key stops working). Password: AKTE_PASSWORD, a prompt or --password-stdin"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, err := e.session()
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			acct, err := c.Account(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			if err := st.ExpectAccount(acct); err != nil {
				return err
			}
			keys, err := c.AccountKeys(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			// The login secret goes to the server: the same checks as at
			// login.
			if err := core.CheckOffered(keys.KDF, st.Seen.KDF(st.Email), false); err != nil {
				return err
			}
			pk, secret, err := core.Split(pw, keys.KDF)
			if err != nil {
				return err
			}
			umk, err := core.UnlockUMK(pk, keys.Keys)
			if r, _ := akte.ReasonOf(err); r == "umk_unopenable" {
				return cli.Fail(akte.KindUnauthenticated, "old_password_wrong", nil)
			}
			if err != nil {
				return err
			}
			info, err := c.Record(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			rt, err := core.RotateUMK(umk, keys.Keys, info.Keys, pk)
			if err != nil {
				return err
			}
			if err := c.RotateKeys(ctx, wire.KeysRotateRequest{LoginSecret: secret, TOTP: totp, RecoveryVerifier: rt.RecoveryVerifier,
				Keys: rt.Keys, RMKByUMK: rt.RMKByUMK}); err != nil {
				// Not authErr: a wrong password or code is
				// unauthenticated too, and must not end this session.
				return err
			}
			// This session goes on with the new key, kept as the login
			// keeps it.
			st.Keys = rt.Keys
			if err := st.SetUMK(keys.ClientKey, rt.UMK); err != nil {
				return err
			}
			if err := e.save(st); err != nil {
				return err
			}
			rk := core.FormatRecoveryKey(rt.RecoveryKey)
			if asJSON {
				if qrPath != "" {
					if err := writeQR(rk, qrPath); err != nil {
						return err
					}
				}
				return e.PrintJSON(map[string]string{"status": "rotated", "recovery_key": rk})
			}
			e.Printf("%s\n", e.Tr("Schlüssel erneuert. Ihre Dokumente bleiben lesbar; andere Geräte wurden abgemeldet.\n"+
				"Ihr bisheriger Sicherheitsschlüssel gilt nicht mehr – bewahren Sie den neuen auf.",
				"Keys renewed. Your documents stay readable; other devices were logged out.\n"+
					"Your previous recovery key no longer works; keep the new one."))
			return e.showRecoveryKey(rk, qrPath)
		},
	}
	f := cmd.Flags()
	f.StringVar(&totp, "totp", "", e.Tr("Code aus der Authenticator-App", "code from the authenticator app"))
	f.StringVar(&qrPath, "qr", "", e.Tr("neuen Sicherheitsschlüssel als QR-Code-PNG speichern", "save the new recovery key as a QR code PNG"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	cli.Required(cmd, "totp")
	return cmd
}
