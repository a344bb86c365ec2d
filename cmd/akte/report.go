package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

// accountCmd is `akte account`: the account's rights and life (issue 16).
func accountCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "account report|terminate|keep",
		Short: e.Tr("Auskunft über Ihr Konto (Art. 15 DSGVO)", "Information about your account (GDPR Art. 15)"),
	})
	var asJSON bool
	report := &cobra.Command{
		Use:   "report",
		Short: e.Tr("Alles, was der Server über Ihr Konto speichert, und eine Zusammenfassung Ihrer Akte", "Everything the server stores about your account, and a summary of your record"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, _, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			v, _, err := e.verifiedProtocol(cmd)
			if err != nil {
				return err
			}
			r, err := c.AccountReport(ctx, rec, v, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(r)
			}
			s := r.Server
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			line := func(k string, v any) { fmt.Fprintf(w, "  %s\t%v\n", k, v) }
			fmt.Fprintln(w, e.Tr("Was der Server über Ihr Konto speichert (unverschlüsselt):", "What the server stores about your account (unencrypted):"))
			line(e.Tr("E-Mail-Adresse", "E-mail address"), s.Account.Email)
			line("KVNR", s.Account.KVNR)
			line(e.Tr("Geburtsdatum", "Date of birth"), s.Account.BirthDate)
			line(e.Tr("Sprache", "Language"), s.Account.Lang)
			line(e.Tr("Konto angelegt", "Account created"), e.time(s.Account.CreatedAt))
			line(e.Tr("Geräte", "Devices"), len(s.Devices))
			line(e.Tr("Sitzungen", "Sessions"), len(s.Sessions))
			line(e.Tr("Passkeys", "Passkeys"), len(s.Passkeys))
			line(e.Tr("Akten, auf die Sie zugreifen", "Records you may act on"), len(s.Records))
			line(e.Tr("Einträge (Kennung, Kategorie, Größe, Zeit)", "Items (id, category, size, time)"), len(s.Items))
			line(e.Tr("Speicher", "Storage"), catalog.Bytes(e.Lang, s.Used)+" / "+catalog.Bytes(e.Lang, s.Quota))
			line(e.Tr("Protokolleinträge (aufbewahrt / insgesamt)", "Protocol entries (kept / all)"), fmt.Sprintf("%d / %d", s.Protocol.Events, s.Protocol.Size))
			for _, q := range usageQuarters(s.Usage) {
				line(e.Tr("Letzter Zugriff ", "Last access ")+q.Quarter, e.time(q.LastAccess))
			}
			ct := r.Content
			fmt.Fprintln(w, e.Tr("\nIhre Akte, auf diesem Gerät entschlüsselt:", "\nYour record, decrypted on this device:"))
			line(e.Tr("Dokumente", "Documents"), fmt.Sprintf("%d (%s)", ct.Documents, catalog.Bytes(e.Lang, ct.Bytes)))
			if ct.Documents > 0 {
				line(e.Tr("Zeitraum", "Period"), ct.Earliest+" – "+ct.Latest)
			}
			for _, cr := range ct.Categories {
				name := cr.ID
				if cat, ok := akte.CategoryByID(akte.CategoryID(cr.ID)); ok {
					name = e.Tr(cat.NameDE, cat.NameEN)
				}
				line("  "+name, cr.Documents)
			}
			if len(ct.Sources) > 0 {
				line(e.Tr("Quellen", "Sources"), strings.Join(ct.Sources, ", "))
			}
			fmt.Fprintln(w, e.Tr("\nEinzelheiten: akte account report --json; Geräte, Sitzungen und Protokoll: akte devices, akte sessions, akte audit.",
				"\nDetails: akte account report --json; devices, sessions and protocol: akte devices, akte sessions, akte audit."))
			return w.Flush()
		},
	}
	e.jsonFlag(report, &asJSON)
	e.stdinFlag(report, &e.pwStdin)
	cmd.AddCommand(report, terminateCmd(e), keepCmd(e))
	return cmd
}

// terminateCmd is `akte account terminate`: notice, after saying what
// will be lost and when.
func terminateCmd(e *env) *cobra.Command {
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "terminate [--yes]",
		Short: e.Tr("Konto kündigen: Nach der Frist werden Akte, Schlüssel und Konto endgültig gelöscht", "Give notice on the account: after the grace period the record, keys and account are deleted for good"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, err := e.session()
			if err != nil {
				return err
			}
			its, err := c.Items(ctx, "")
			if err != nil {
				return e.authErr(st, err)
			}
			var size int64
			for _, it := range its {
				size += it.Size
			}
			fmt.Fprintf(e.Stderr, e.Tr("Nach der Frist werden gelöscht: %d Dokumente (%s), Ihre Schlüssel, Geräte, Sitzungen und Ihr Konto. Das lässt sich nicht rückgängig machen.\n"+
				"Bis dahin bleibt alles erhalten; sichern Sie Ihre Daten mit \"akte export\". Zurücknehmen: \"akte account keep\".\n",
				"After the grace period these are deleted: %d documents (%s), your keys, devices, sessions and your account. This cannot be undone.\n"+
					"Until then everything stays; save your data with \"akte export\". Take it back: \"akte account keep\".\n"), len(its), catalog.Bytes(e.Lang, size))
			if !yes {
				if err := e.confirmWord(e.Tr("KÜNDIGEN", "TERMINATE"), "termination_not_confirmed"); err != nil {
					return err
				}
			}
			t, err := c.Terminate(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(t)
			}
			e.Printf(e.Tr("Gekündigt. Ihre Daten werden am %s gelöscht.\n", "Notice given. Your data will be deleted on %s.\n"), e.time(t.DeleteAt))
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, e.Tr("ohne Rückfrage (für Skripte; die Warnung wird trotzdem gezeigt)", "without asking (for scripts; the warning is shown all the same)"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// keepCmd is `akte account keep`: the notice taken back.
func keepCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "keep",
		Short: e.Tr("Kündigung zurücknehmen", "Take the notice back"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			if err := c.KeepAccount(cmd.Context()); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]string{"status": "kept"})
			}
			e.Printf("%s\n", e.Tr("Die Kündigung ist zurückgenommen; es wird nichts gelöscht.", "The notice is taken back; nothing will be deleted."))
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// usageQuarters are the quarters of the usage data, if any.
func usageQuarters(u *wire.Usage) []wire.UsageQuarter {
	if u == nil {
		return nil
	}
	return u.Quarters
}
