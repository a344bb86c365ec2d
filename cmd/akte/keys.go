package main

import (
	"github.com/spf13/cobra"

	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
)

// keysCmd is `akte keys rotate`, the rotation of the user master key
// (docs/crypto.md, "Rotating the user master key"): every document stays
// readable, the recovery key is new and the old one no longer works.
func keysCmd(e *env) *cobra.Command {
	var totp, qrPath string
	var asJSON, pwStdin bool
	rotate := &cobra.Command{
		Use: "rotate --totp CODE",
		Short: e.Tr("Kontoschlüssel erneuern und einen neuen Sicherheitsschlüssel zeigen (Dokumente bleiben lesbar, der alte Sicherheitsschlüssel gilt nicht mehr). Passwort: AKTE_PASSWORD, Eingabe oder --password-stdin",
			"Renew the account key and show a new recovery key (documents stay readable, the old recovery key stops working). Password: AKTE_PASSWORD, a prompt or --password-stdin"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			pw, err := e.secrets(pwStdin).get(e.Tr("Passwort", "Password"), "AKTE_PASSWORD", false)
			if err != nil {
				return err
			}
			// Not authErr: a wrong password or code is unauthenticated too
			// and must not end this session, which goes on with the new
			// key, kept as the login keeps it.
			rt, err := c.RotateUMK(cmd.Context(), st, pw, totp)
			if err != nil {
				return err
			}
			st.Keys = rt.Keys
			if err := st.Reseal(cmd.Context(), c, client.Shares{Getenv: e.Getenv}, rt.UMK); err != nil {
				return err
			}
			if err := e.save(st); err != nil {
				return err
			}
			if !asJSON {
				e.Printf("%s\n", e.Tr("Schlüssel erneuert. Ihre Dokumente bleiben lesbar; andere Geräte wurden abgemeldet.\n"+
					"Ihr bisheriger Sicherheitsschlüssel gilt nicht mehr – bewahren Sie den neuen auf.",
					"Keys renewed. Your documents stay readable; other devices were logged out.\n"+
						"Your previous recovery key no longer works; keep the new one."))
			}
			return e.printRecoveryKey(asJSON, core.FormatRecoveryKey(rt.RecoveryKey), qrPath, map[string]string{"status": "rotated"})
		},
	}
	f := rotate.Flags()
	f.StringVar(&totp, "totp", "", e.Tr("Code aus der Authenticator-App", "code from the authenticator app"))
	f.StringVar(&qrPath, "qr", "", e.Tr("neuen Sicherheitsschlüssel als QR-Code-PNG speichern", "save the new recovery key as a QR code PNG"))
	e.jsonFlag(rotate, &asJSON)
	e.stdinFlag(rotate, &pwStdin)
	cli.Required(rotate, "totp")
	cmd := cli.Group(&cobra.Command{Use: "keys rotate", Short: e.Tr("Schlüssel des Kontos erneuern", "Renew the account's keys")})
	cmd.AddCommand(rotate)
	return cmd
}
