package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
)

// passkeyCmd lists and removes passkeys. Adding one needs an authenticator
// (a phone, a security key, the computer's own), which only a browser can
// talk to: that is done in the web app's settings.
func passkeyCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "passkey ls | rm ID",
		Short: e.Tr("Passkeys anzeigen und entfernen (hinzufügen in der Web-App)", "List and remove passkeys (add them in the web app)"),
		Long: e.Tr("Passkeys ersetzen bei der Anmeldung den Code der Authenticator-App; das Passwort bleibt. Einen Passkey hinzufügen "+
			"kann nur ein Browser (er spricht mit dem Authenticator): Web-App, Einstellungen, Passkeys. Die Authenticator-App bleibt als Rückfall.",
			"Passkeys replace the authenticator app's code at login; the password stays. Only a browser can add a passkey "+
				"(it talks to the authenticator): web app, settings, passkeys. The authenticator app remains as the fallback."),
		Args: cli.NoArgs,
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
	ls := &cobra.Command{
		Use: "ls", Short: e.Tr("Passkeys anzeigen", "List passkeys"), Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			pks, err := c.Passkeys(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(pks)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("PASSKEY\tNAME\tHINZUGEFÜGT\tZULETZT BENUTZT\t", "PASSKEY\tNAME\tADDED\tLAST USED\t"))
			for _, pk := range pks {
				used := "-"
				if pk.LastUsedAt != nil {
					used = e.time(*pk.LastUsedAt)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", pk.ID, pk.Name, e.time(pk.CreatedAt), used)
			}
			return w.Flush()
		},
	}
	rm := &cobra.Command{
		Use: "rm ID", Short: e.Tr("Passkey entfernen (die Authenticator-App bleibt)", "Remove a passkey (the authenticator app stays)"), Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			if err := c.RemovePasskey(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"status": "removed", "id": args[0]})
			}
			e.Printf(e.Tr("Passkey %s entfernt.\n", "Passkey %s removed.\n"), args[0])
			return nil
		},
	}
	cmd.AddCommand(ls, rm)
	return cmd
}
