package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
)

// medplanPushCmd lists and removes the account's push subscriptions
// (decision 0051). Subscribing needs a browser (its push service and
// service worker): that is the switch on the web app's medication plan.
func medplanPushCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "push ls | rm ID",
		Short: e.Tr("Geräte mit Erinnerungen als Benachrichtigung anzeigen und entfernen (einschalten in der Web-App)", "List and remove the devices that get reminders as notifications (switch on in the web app)"),
		Long: e.Tr("Erinnerungen als Benachrichtigung (Web Push) schaltet ein Browser ein: Web-App, Medikationsplan. Wohin die Erinnerungen gehen, "+
			"stellt „akte medplan remind --via mail|push|both“ ein. Eine Benachrichtigung nennt nie ein Medikament.",
			"A browser switches reminders as notifications (Web Push) on: web app, medication plan. Where the reminders go is set by "+
				"\"akte medplan remind --via mail|push|both\". A notification never names a medication."),
		Args: cli.NoArgs,
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
	ls := &cobra.Command{
		Use: "ls", Short: e.Tr("Push-Anmeldungen anzeigen", "List push subscriptions"), Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			subs, err := c.PushSubscriptions(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(subs)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ID\tGERÄT\tPUSH-DIENST\tEINGERICHTET\t", "ID\tDEVICE\tPUSH SERVICE\tADDED\t"))
			for _, s := range subs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", s.ID, s.DeviceID, s.Service, e.time(s.CreatedAt))
			}
			return w.Flush()
		},
	}
	rm := &cobra.Command{
		Use: "rm ID", Short: e.Tr("Push-Anmeldung entfernen", "Remove a push subscription"), Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			if err := c.Unsubscribe(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"status": "removed", "id": args[0]})
			}
			e.Printf(e.Tr("Push-Anmeldung %s entfernt.\n", "Push subscription %s removed.\n"), args[0])
			return nil
		},
	}
	cmd.AddCommand(ls, rm)
	return cmd
}
