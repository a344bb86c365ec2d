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
				"invited":           e.Tr("als Vertretung benannt (annehmen: akte --record ID representative accept --kvnr K)", "named representative (accept: akte --record ID representative accept --kvnr K)"),
				"emergency_waiting": e.Tr("Notfall-Vertretung, wartet", "emergency representative, waiting"),
				"emergency_open":    e.Tr("Notfall-Vertretung, offen", "emergency representative, open")}
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
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.RecordID, role, r.OwnerKVNR, r.OwnerEmail, mark)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
