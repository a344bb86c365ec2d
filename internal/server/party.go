package server

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/service"
)

// partyAdminCmd is akte admin app|insurer register|ls: the operator
// registers a health app (DiGA) or an insurer's service account and hands
// it the credential printed once (decision 0043; OPS-12, OPS-13).
func partyAdminCmd(e *cli.Env, sub subFunc, asJSON *bool, kind akte.PartyKind) *cobra.Command {
	short := e.Tr("Gesundheitsanwendungen (DiGA) registrieren und auflisten", "register and list health apps (DiGA)")
	if kind == akte.PartyInsurer {
		short = e.Tr("Krankenkassen (Dienstkonten) registrieren und auflisten", "register and list insurers (service accounts)")
	}
	cmd := cli.Group(&cobra.Command{Use: string(kind), Short: short})
	var name string
	register := sub("register --name NAME", e.Tr("registrieren und die Zugangskennung einmalig ausgeben (nur ihr Hash wird gespeichert)",
		"register and print the credential once (only its hash is stored)"), 0,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			reg, err := svc.AdminRegisterParty(cmd.Context(), op, kind, name)
			if err != nil {
				return err
			}
			if *asJSON {
				return e.PrintJSON(map[string]any{"id": reg.Party.ID, "kind": reg.Party.Kind, "name": reg.Party.Name, "credential": reg.Credential})
			}
			e.Printf(e.Tr("%s registriert (%s).\nZugangskennung (wird nicht wieder angezeigt; als AKTE_CREDENTIAL übergeben):\n%s\n",
				"%s registered (%s).\nCredential (not shown again; pass it as AKTE_CREDENTIAL):\n%s\n"), reg.Party.ID, reg.Party.Name, reg.Credential)
			return nil
		})
	register.Flags().StringVar(&name, "name", "", e.Tr("der angezeigte Name", "the name shown"))
	ls := sub("ls", e.Tr("die registrierten auflisten", "list the registered ones"), 0,
		func(cmd *cobra.Command, svc *service.Service, op service.Operator, _ []string) error {
			ps, err := svc.AdminParties(cmd.Context(), kind)
			if err != nil {
				return err
			}
			if *asJSON {
				out := make([]map[string]any, 0, len(ps))
				for _, p := range ps {
					out = append(out, map[string]any{"id": p.ID, "kind": p.Kind, "name": p.Name, "created_at": p.CreatedAt})
				}
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KENNUNG\tNAME\tREGISTRIERT\t", "ID\tNAME\tREGISTERED\t"))
			for _, p := range ps {
				fmt.Fprintf(w, "%s\t%s\t%s\t\n", p.ID, p.Name, p.CreatedAt.Format("2006-01-02"))
			}
			return w.Flush()
		})
	cmd.AddCommand(register, ls)
	return cmd
}
