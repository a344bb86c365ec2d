package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
)

// recordsCmd lists the records one may act on, with one's role in each
// (docs/permissions.md); the global --record picks one of them for the
// record-scoped commands.
func recordsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "records",
		Short: e.Tr("Akten anzeigen, auf die Sie zugreifen dürfen, mit Ihrer Rolle", "List the records you may act on, with your role"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			rs, err := c.Records(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(rs)
			}
			roles := map[string]string{"owner": e.Tr("Inhaber/in", "owner"), "representative": e.Tr("Vertretung", "representative"),
				"invited":                e.Tr("als Vertretung benannt (annehmen: akte --record ID representative accept --kvnr K)", "named representative (accept: akte --record ID representative accept --kvnr K)"),
				"emergency_waiting":      e.Tr("Notfall-Vertretung, wartet", "emergency representative, waiting"),
				"emergency_open":         e.Tr("Notfall-Vertretung, offen", "emergency representative, open"),
				"provider_record_read":   e.Tr("Praxis: ganze Akte lesen", "provider: read the whole record"),
				"provider_record_add":    e.Tr("Praxis: ganze Akte lesen und einstellen", "provider: read and add, whole record"),
				"provider_category_read": e.Tr("Praxis: Kategorien lesen", "provider: read categories"),
				"provider_category_add":  e.Tr("Praxis: Kategorien lesen und einstellen", "provider: read and add, categories"),
				"provider_item_read":     e.Tr("Praxis: einzelne Dokumente lesen", "provider: read single documents"),
				"provider_item_add":      e.Tr("Praxis: einzelne Dokumente lesen, einstellen", "provider: read single documents, add")}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("AKTE\tROLLE\tKVNR\tE-MAIL\t", "RECORD\tROLE\tKVNR\tE-MAIL\t"))
			for _, r := range rs {
				role, ok := roles[r.Role]
				if !ok {
					role = r.Role
				}
				mark := ""
				if r.RecordID == c.RecordID {
					mark = e.Tr("(gewählt)", "(selected)")
				}
				if r.Until != nil {
					mark += " " + e.until(r.Until)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.RecordID, role, r.OwnerKVNR, r.OwnerEmail, mark)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
