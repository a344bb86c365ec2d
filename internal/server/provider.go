package server

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/service"
)

// subFunc makes one operator command (adminCmd's sub).
type subFunc func(use, short string, nargs int, run func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error) *cobra.Command

// providerAdminCmd is akte admin provider ls|verify|reject: the
// operator's check of provider accounts (decision 0034). Every command
// is recorded (OPS-09, OPS-10, OPS-11); a decision is mailed to the
// provider.
func providerAdminCmd(e *cli.Env, sub subFunc, asJSON *bool) *cobra.Command {
	cmd := cli.Group(&cobra.Command{Use: "provider", Short: e.Tr("Konten von Leistungserbringern prüfen (auflisten, freischalten, ablehnen)",
		"check provider accounts (list, verify, reject)")})
	var status string
	out := func(p service.AdminProvider) map[string]any {
		m := map[string]any{"id": p.AccountID, "email": p.Email, "confirmed": p.Confirmed, "blocked": p.Blocked, "status": p.Status,
			"type": p.Type, "name": p.Name, "telematik_id": p.TelematikID, "lanr": p.LANR, "bsnr": p.BSNR, "place": p.Place,
			"created_at": p.CreatedAt.Format("2006-01-02T15:04:05Z")}
		if p.DecidedAt != nil {
			m["decided_at"], m["decided_by"] = p.DecidedAt.Format("2006-01-02T15:04:05Z"), p.DecidedBy
		}
		return m
	}
	ls := sub("ls", e.Tr("Leistungserbringer mit ihren Angaben auflisten, die ältesten zuerst (--status pending zeigt, was zu prüfen ist)",
		"list providers with their data, oldest first (--status pending shows what is to be checked)"), 0,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			st := akte.ProviderStatus(status)
			if status == "all" {
				st = ""
			}
			ps, err := svc.AdminProviders(cmd.Context(), op, st)
			if err != nil {
				return err
			}
			if *asJSON {
				list := make([]map[string]any, 0, len(ps))
				for _, p := range ps {
					list = append(list, out(p))
				}
				return e.PrintJSON(list)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KONTO\tSTATUS\tART\tNAME\tORT\tTELEMATIK-ID\tLANR\tBSNR\tE-MAIL\tBESTÄTIGT\t",
				"ACCOUNT\tSTATUS\tTYPE\tNAME\tPLACE\tTELEMATIK-ID\tLANR\tBSNR\tE-MAIL\tCONFIRMED\t"))
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%v\t\n", p.AccountID, p.Status, p.Type, p.Name, p.Place, p.TelematikID,
					dash(p.LANR), dash(p.BSNR), p.Email, p.Confirmed)
			}
			return w.Flush()
		})
	ls.Flags().StringVar(&status, "status", "all", e.Tr("nur pending, verified oder rejected (Standard: all)", "only pending, verified or rejected (default: all)"))
	decide := func(verify bool) func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
		return func(cmd *cobra.Command, svc *service.Service, op service.Operator, args []string) error {
			p, err := svc.AdminDecideProvider(cmd.Context(), op, args[0], verify)
			if err != nil {
				return err
			}
			if *asJSON {
				return e.PrintJSON(out(*p))
			}
			if verify {
				e.Printf(e.Tr("Leistungserbringer %s (%s, %s) freigeschaltet; er ist per E-Mail benachrichtigt.\n",
					"provider %s (%s, %s) verified; it was told by e-mail.\n"), p.AccountID, p.Name, p.Email)
			} else {
				e.Printf(e.Tr("Leistungserbringer %s (%s, %s) abgelehnt; er ist per E-Mail benachrichtigt.\n",
					"provider %s (%s, %s) rejected; it was told by e-mail.\n"), p.AccountID, p.Name, p.Email)
			}
			return nil
		}
	}
	cmd.AddCommand(ls,
		sub("verify ACCOUNT", e.Tr("einen wartenden Leistungserbringer freischalten, nachdem Sie die Einrichtung geprüft haben (ACCOUNT: Kennung oder E-Mail)",
			"verify a pending provider after checking the institution (ACCOUNT: id or e-mail)"), 1, decide(true)),
		sub("reject ACCOUNT", e.Tr("einen wartenden Leistungserbringer ablehnen (endgültig)", "reject a pending provider (final)"), 1, decide(false)))
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
