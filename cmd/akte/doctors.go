package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte/doctors"
	"github.com/akte/akte/internal/cli"
)

// doctorsCmd is `akte doctors [TEXT]`: the doctors of the last four years
// with the last visit, from the record's entries and the insurer's billing
// data, computed on this device
// (issue 17 item 5), with the doctors service's consent.
func doctorsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctors [TEXT]",
		Short: e.Tr("Ihre Ärztinnen und Ärzte der letzten vier Jahre mit dem letzten Besuch (TEXT sucht)", "Your doctors of the last four years with the last visit (TEXT searches)"),
		Args:  cli.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			ds, problems, err := c.Doctors(cmd.Context(), rec, es, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			for _, p := range problems {
				fmt.Fprintln(e.Stderr, e.Tr("Warnung:", "Warning:"), p.ID, e.Message(p.Err))
			}
			if len(args) == 1 {
				ds = append([]doctors.Doctor{}, doctors.Search(ds, args[0])...)
			}
			if asJSON {
				return e.PrintJSON(ds)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("NAME\tFACHRICHTUNG\tLANR\tLETZTER BESUCH\tBESUCHE\t", "NAME\tSPECIALTY\tLANR\tLAST VISIT\tVISITS\t"))
			for _, d := range ds {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t\n", d.Name, d.Specialty, d.LANR, d.LastVisit, d.Visits)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			e.Printf("%s", e.Tr("\nZugriff geben: akte provider search LANR, dann akte grant add --provider ID\n", "\nGive access: akte provider search LANR, then akte grant add --provider ID\n"))
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
