package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// representativeOut is a representative as the commands print it: with
// the fingerprint of the key the server names for it, computed here.
type representativeOut struct {
	wire.Representative
	AccountKeyFingerprint string `json:"account_key_fingerprint,omitempty"`
	KeyFingerprint        string `json:"key_fingerprint,omitempty"`
}

func repOut(r wire.Representative) representativeOut {
	o := representativeOut{Representative: r}
	if len(r.AccountKey) > 0 {
		o.AccountKeyFingerprint = seal.Fingerprint(r.AccountKey)
	}
	if len(r.PublicKey) > 0 {
		o.KeyFingerprint = seal.Fingerprint(r.PublicKey)
	}
	return o
}

// representativeCmd names, lists and removes the record's representatives
// and hands them the record key (the patient), accepts and requests
// emergency access (the representative, with --record), and refuses a
// request (the patient). Decision 0036.
func representativeCmd(e *env) *cobra.Command {
	var asJSON bool
	var email, kvnr, fingerprint string
	var wait int
	cmd := &cobra.Command{
		Use:   "representative add|ls|remove|confirm|accept|request|refuse",
		Short: e.Tr("Vertretungen Ihrer Akte verwalten, oder als Vertretung annehmen und Notfallzugriff beantragen", "Manage your record's representatives, or accept and request emergency access as one"),
		Args:  cli.NoArgs,
	}
	cmd.PersistentFlags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON", "JSON output"))
	done := func(status string, v any, de, en string, args ...any) error {
		if asJSON {
			if v != nil {
				return e.PrintJSON(v)
			}
			return e.PrintJSON(map[string]any{"status": status})
		}
		e.Printf(e.Tr(de, en), args...)
		return nil
	}
	add := &cobra.Command{
		Use: "add --email E --kvnr K [--emergency-wait DAYS]", Args: cli.NoArgs,
		Short: e.Tr("eine Vertretung benennen (höchstens 5); mit --emergency-wait eine Notfall-Vertretung mit Wartezeit", "name a representative (at most 5); with --emergency-wait an emergency representative with a waiting period"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			r, err := c.AddRepresentative(cmd.Context(), wire.RepresentativeAdd{Email: email, KVNR: kvnr, EmergencyWaitDays: wait})
			if err != nil {
				return e.authErr(st, err)
			}
			return done("added", repOut(*r), "Vertretung %s benannt (%s). Sie erhält eine E-Mail und muss annehmen; danach übergeben Sie ihr den Schlüssel: akte representative confirm %s --fingerprint ...\n",
				"Representative %s named (%s). They get an e-mail and must accept; then hand them the key: akte representative confirm %s --fingerprint ...\n", r.ID, r.Email, r.ID)
		},
	}
	add.Flags().StringVar(&email, "email", "", e.Tr("E-Mail-Adresse der Vertretung", "the representative's e-mail address"))
	add.Flags().StringVar(&kvnr, "kvnr", "", e.Tr("Krankenversichertennummer der Vertretung", "the representative's health insurance number"))
	add.Flags().IntVar(&wait, "emergency-wait", 0, e.Tr("Wartezeit in Tagen (Notfall-Vertretung)", "waiting period in days (emergency representative)"))
	ls := &cobra.Command{
		Use: "ls", Args: cli.NoArgs, Short: e.Tr("Vertretungen anzeigen, mit dem Fingerabdruck ihres Schlüssels", "list representatives, with their key's fingerprint"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			rs, err := c.Representatives(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			out := []representativeOut{}
			for _, r := range rs {
				out = append(out, repOut(r))
			}
			if asJSON {
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ID\tE-MAIL\tKVNR\tSTAND\tWARTEZEIT\tSCHLÜSSEL\tÖFFNET\t", "ID\tE-MAIL\tKVNR\tSTATE\tWAIT\tKEY\tOPENS\t"))
			for _, r := range out {
				key, opens := "-", "-"
				switch {
				case r.KeyHandedOver:
					key = e.Tr("übergeben ", "handed over ") + r.KeyFingerprint
				case r.AccountKeyFingerprint != "":
					key = e.Tr("zu prüfen: ", "to check: ") + r.AccountKeyFingerprint
				}
				if r.OpensAt != nil {
					opens = e.time(*r.OpensAt)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", r.ID, r.Email, r.KVNR, r.Role, r.EmergencyWaitDays, key, opens)
			}
			return w.Flush()
		},
	}
	remove := &cobra.Command{
		Use: "remove ID", Args: cli.ExactArgs(1), Short: e.Tr("eine Vertretung entfernen", "remove a representative"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.RemoveRepresentative(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			return done("removed", nil, "Vertretung %s entfernt.\n", "Representative %s removed.\n", args[0])
		},
	}
	confirm := &cobra.Command{
		Use: "confirm ID --fingerprint FP", Args: cli.ExactArgs(1),
		Short: e.Tr("einer Vertretung, die angenommen hat, den Schlüssel Ihrer Akte übergeben (nach Vergleich des Fingerabdrucks)", "hand a representative who accepted your record's key (after comparing the fingerprint)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fingerprint == "" {
				return cli.Fail(akte.KindInvalid, "representative_fingerprint_required", nil)
			}
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			r, err := c.HandOverKey(cmd.Context(), rec, args[0], fingerprint)
			if err != nil {
				return e.authErr(st, err)
			}
			return done("confirmed", repOut(*r), "Schlüssel an %s übergeben (Fingerabdruck %s).\n", "Key handed to %s (fingerprint %s).\n", r.Email, seal.Fingerprint(r.PublicKey))
		},
	}
	confirm.Flags().StringVar(&fingerprint, "fingerprint", "", e.Tr("Fingerabdruck, den die Vertretung Ihnen selbst genannt hat", "the fingerprint the representative told you themselves"))
	accept := &cobra.Command{
		Use: "accept --kvnr K", Args: cli.NoArgs,
		Short: e.Tr("als Vertretung annehmen (mit --record der Akte und Ihrer KVNR)", "accept being a representative (with --record of the record and your KVNR)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			r, err := c.AcceptRepresentation(cmd.Context(), kvnr)
			if err != nil {
				return e.authErr(st, err)
			}
			keys, err := c.AccountKeys(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			fp := seal.Fingerprint(keys.Keys.PublicKey)
			return done("accepted", map[string]any{"representative": r, "key_fingerprint": fp},
				"Angenommen. Nennen Sie der Person, die Sie vertreten, den Fingerabdruck Ihres Schlüssels: %s\n",
				"Accepted. Tell the person you represent your key's fingerprint: %s\n", fp)
		},
	}
	accept.Flags().StringVar(&kvnr, "kvnr", "", e.Tr("Ihre Krankenversichertennummer", "your health insurance number"))
	request := &cobra.Command{
		Use: "request", Args: cli.NoArgs, Short: e.Tr("als Notfall-Vertretung Zugriff beantragen (mit --record); die Wartezeit beginnt", "request access as emergency representative (with --record); the waiting period starts"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			r, err := c.RequestEmergency(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			opens := "-"
			if r.OpensAt != nil {
				opens = e.time(*r.OpensAt)
			}
			return done("requested", repOut(*r), "Beantragt. Der Zugriff öffnet sich am %s, wenn die Person nicht ablehnt.\n",
				"Requested. Access opens on %s unless the person refuses.\n", opens)
		},
	}
	refuse := &cobra.Command{
		Use: "refuse ID", Args: cli.ExactArgs(1), Short: e.Tr("den Antrag einer Notfall-Vertretung ablehnen", "refuse an emergency representative's request"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.RefuseEmergency(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			return done("refused", nil, "Antrag von %s abgelehnt; der Zugriff öffnet sich nicht.\n", "Request of %s refused; access does not open.\n", args[0])
		},
	}
	cmd.AddCommand(add, ls, remove, confirm, accept, request, refuse)
	return cmd
}
