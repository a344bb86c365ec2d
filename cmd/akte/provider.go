package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/internal/qr"
	"github.com/akte/akte/wire"
)

// providerCmd groups the commands of provider accounts (decision 0034):
// a practice registers and shows its key's fingerprint; a patient finds
// verified providers and checks a provider's fingerprint.
func providerCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{Use: "provider", Short: e.Tr("Leistungserbringer: registrieren, suchen, Schlüssel-Fingerabdruck",
		"Providers: register, search, key fingerprint")})
	cmd.AddCommand(providerRegisterCmd(e), providerSearchCmd(e), providerFingerprintCmd(e))
	return cmd
}

func providerRegisterCmd(e *env) *cobra.Command {
	var email, qrPath, deviceName string
	var in wire.Institution
	var asJSON, pwStdin bool
	cmd := &cobra.Command{
		Use: "register --email E --name NAME --type TYPE --telematik-id ID [--lanr L --bsnr B] [--place P]",
		Short: e.Tr("ein Konto als Leistungserbringer anlegen (nutzbar, sobald der Betreiber es freigeschaltet hat)",
			"Create a provider account (usable once the operator verified it)"),
		Args: cli.NoArgs,
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
			r, err := client.RegisterProvider(cmd.Context(), e.api(nil), st, email, pw, e.Lang, in)
			if err != nil {
				return err
			}
			if err := e.save(st); err != nil {
				return err
			}
			if !asJSON {
				e.Printf("%s\n", e.Tr("Der Betreiber prüft Ihre Einrichtung; bis zur Freischaltung findet Sie niemand. Sie erhalten eine E-Mail.",
					"The operator checks your institution; until it is verified nobody finds you. You will get an e-mail."))
			}
			return e.showRegistration(shownRegistration{accountID: r.AccountID, email: email, recoveryKey: core.FormatRecoveryKey(r.Material.RecoveryKey),
				totpSecret: r.TOTPSecret, totpURI: r.TOTPURI}, qrPath, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&email, "email", "", e.Tr("E-Mail-Adresse", "e-mail address"))
	f.StringVar(&in.Name, "name", "", e.Tr("Name der Einrichtung", "name of the institution"))
	f.StringVar(&in.Type, "type", "", "practice|dentist|psychotherapist|pharmacy|hospital|other")
	f.StringVar(&in.TelematikID, "telematik-id", "", e.Tr("Telematik-ID der Einrichtung (SMC-B)", "the institution's Telematik-ID (SMC-B)"))
	f.StringVar(&in.LANR, "lanr", "", e.Tr("lebenslange Arztnummer (mit --bsnr; für eine Arztpraxis nötig)", "lifelong doctor number LANR (with --bsnr; required for a practice)"))
	f.StringVar(&in.BSNR, "bsnr", "", e.Tr("Betriebsstättennummer (mit --lanr)", "practice site number BSNR (with --lanr)"))
	f.StringVar(&in.Place, "place", "", e.Tr("Ort", "place"))
	f.StringVar(&qrPath, "qr", "", e.Tr("Sicherheitsschlüssel zusätzlich als QR-Code-PNG in diese Datei schreiben", "also write the recovery key as a QR code PNG to this file"))
	f.StringVar(&deviceName, "device-name", "", e.Tr("Name dieses Geräts", "name of this device"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &pwStdin)
	cli.Required(cmd, "email", "name", "type", "telematik-id")
	return cmd
}

func providerSearchCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search TEXT",
		Short: e.Tr("freigeschaltete Leistungserbringer finden: Teil von Name oder Ort, oder Telematik-ID, LANR, BSNR, Kennung", "Find verified providers: part of name or place, or Telematik-ID, LANR, BSNR, id"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			ps, err := c.SearchProviders(cmd.Context(), args[0])
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(ps)
			}
			if len(ps) == 0 {
				e.Printf("%s\n", e.Tr("Kein freigeschalteter Leistungserbringer gefunden.", "No verified provider found."))
				return nil
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KENNUNG\tNAME\tART\tORT\tTELEMATIK-ID\t", "ID\tNAME\tTYPE\tPLACE\tTELEMATIK-ID\t"))
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", p.ID, p.Name, p.Type, p.Place, p.TelematikID)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func providerFingerprintCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "fingerprint [ID]",
		Short: e.Tr("den Fingerabdruck des Schlüssels eines Leistungserbringers zeigen, hier berechnet (ohne ID: den eigenen der Praxis)",
			"Show the fingerprint of a provider's key, computed here (without ID: the practice's own)"),
		Args: cli.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			var f *client.Fingerprinted
			if len(args) == 1 {
				f, err = client.ProviderFingerprint(cmd.Context(), c, args[0])
			} else {
				umk, keys, uerr := e.unlockUMK(cmd.Context(), st, c)
				if uerr != nil {
					return uerr
				}
				f, err = client.OwnProviderFingerprint(cmd.Context(), c, umk, keys)
			}
			if err != nil {
				return e.authErr(st, err)
			}
			q, err := qr.Encode(f.Fingerprint)
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": f.ID, "name": f.Name, "type": f.Type, "place": f.Place, "telematik_id": f.TelematikID,
					"status": f.Status, "fingerprint": f.Fingerprint})
			}
			e.Printf("%s (%s, %s, Telematik-ID %s)\n", f.Name, f.Type, f.Place, f.TelematikID)
			if f.Status != "" && f.Status != "verified" {
				e.Printf(e.Tr("Status: %s – noch nicht freigeschaltet, niemand findet Sie.\n", "Status: %s – not verified yet, nobody finds you.\n"), f.Status)
			}
			e.Printf(e.Tr("\nFingerabdruck des Schlüssels (hier berechnet):\n\n    %s\n\n%s\n", "\nKey fingerprint (computed here):\n\n    %s\n\n%s\n"), f.Fingerprint, q.Text())
			e.Printf("%s\n", e.Tr("Vergleichen Sie ihn mit dem, den die Praxis zeigt: Weicht er ab, geben Sie keinen Zugriff.",
				"Compare it with the one the practice shows: if they differ, grant no access."))
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
