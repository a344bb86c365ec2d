package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte/client/health"
	emergencycard "github.com/akte/akte/emergency/card"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/internal/cli"
)

// emergencyCmd is `akte emergency [--pdf FILE]`: allergies, conditions,
// current medication and emergency contacts from the entries, computed on
// this device (issue 17 item 6), with the emergency service's consent.
func emergencyCmd(e *env) *cobra.Command {
	var asJSON bool
	var pdf string
	cmd := &cobra.Command{
		Use:   "emergency [--pdf FILE]",
		Short: e.Tr("Notfalldaten aus den Einträgen zeigen, mit --pdf als Karte im Scheckkartenformat", "Show the emergency data from the entries; with --pdf as a wallet-size card"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			var rs []fhir.Resource
			for _, x := range es.Latest {
				rs = append(rs, x.Resource)
			}
			now := time.Now()
			s, err := health.Emergency(es.Profile, rs, now) // as the browser's health module
			if err != nil {
				return err
			}
			if pdf != "" {
				l := emergencycard.GermanLabels()
				if e.Lang == "en" {
					l = emergencycard.EnglishLabels()
				}
				if err := writeFile(pdf, func(w io.Writer) error { return emergencycard.Write(w, s, l, now) }); err != nil {
					return err
				}
			}
			if asJSON {
				return e.PrintJSON(s)
			}
			list := func(title string, items []string) {
				if len(items) == 0 {
					items = []string{e.Tr("keine bekannt", "none known")}
				}
				e.Printf("%s: %s\n", title, strings.Join(items, "; "))
			}
			var as, cs, ms, ps []string
			for _, a := range s.Allergies {
				as = append(as, a.Substance)
			}
			for _, c := range s.Conditions {
				cs = append(cs, c.Text)
			}
			for _, m := range s.Medications {
				ms = append(ms, strings.TrimSpace(m.Name+" "+m.Dose))
			}
			for _, p := range s.Contacts {
				ps = append(ps, strings.TrimSpace(fmt.Sprintf("%s %s %s", p.Name, p.Relationship, p.Phone)))
			}
			list(e.Tr("Allergien", "Allergies"), as)
			list(e.Tr("Diagnosen", "Conditions"), cs)
			list(e.Tr("Medikamente", "Medication"), ms)
			list(e.Tr("Im Notfall benachrichtigen", "In case of emergency call"), ps)
			return nil
		},
	}
	cmd.Flags().StringVar(&pdf, "pdf", "", e.Tr("Notfallkarte als PDF schreiben", "write the emergency card as PDF"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
