package server

import (
	"cmp"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/service"
)

// usageAdminCmd is `akte admin usage`: the usage data for billing
// (decision 0047), never with health data.
func usageAdminCmd(e *cli.Env, sub subFunc, asJSON *bool) *cobra.Command {
	const stamp = "2006-01-02T15:04:05Z"
	return sub("usage", e.Tr("Nutzungsdaten zur Abrechnung auflisten: Registrierung, Kasse, letzter Zugriff der letzten fünf Quartale, Ende (keine Gesundheitsdaten)",
		"list the usage data for billing: registration, insurer, last access in the last five quarters, end (no health data)"), 0,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			us, err := svc.AdminUsage(cmd.Context(), op)
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]map[string]any, 0, len(us))
				for _, u := range us {
					qs := make([]map[string]string, 0, len(u.Quarters))
					for _, q := range u.Quarters {
						qs = append(qs, map[string]string{"quarter": q.Quarter, "last_access": q.LastAccess.Format(stamp)})
					}
					m := map[string]any{"account_id": u.AccountID, "registered_at": u.RegisteredAt.Format(stamp), "insurer": u.Insurer,
						"terminated_at": nil, "quarters": qs}
					if u.TerminatedAt != nil {
						m["terminated_at"] = u.TerminatedAt.Format(stamp)
					}
					out = append(out, m)
				}
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KONTO\tREGISTRIERT\tKASSE\tBEENDET\tLETZTER ZUGRIFF JE QUARTAL\t", "ACCOUNT\tREGISTERED\tINSURER\tENDED\tLAST ACCESS PER QUARTER\t"))
			for _, u := range us {
				ended := "-"
				if u.TerminatedAt != nil {
					ended = u.TerminatedAt.Format(time.DateOnly)
				}
				qs := make([]string, 0, len(u.Quarters))
				for _, q := range u.Quarters {
					qs = append(qs, q.Quarter+" "+q.LastAccess.Format(time.DateOnly))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", u.AccountID, u.RegisteredAt.Format(time.DateOnly), cmp.Or(u.Insurer, "-"), ended, strings.Join(qs, ", "))
			}
			return w.Flush()
		})
}
