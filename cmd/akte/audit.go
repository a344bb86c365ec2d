package main

import (
	"fmt"
	"net/url"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/client"
	"github.com/akte/akte/internal/cli"
)

// verifiedProtocol reads and verifies the whole protocol and keeps the
// new checkpoint; a failed verification exits 1 with its reason.
func (e *env) verifiedProtocol(cmd *cobra.Command) (*audit.Verified, audit.Export, error) {
	st, c, err := e.session()
	if err != nil {
		return nil, audit.Export{}, err
	}
	v, err := st.VerifyAudit(cmd.Context(), c, st.AccountID)
	if err != nil {
		return nil, audit.Export{}, e.authErr(st, err)
	}
	u, _ := url.Parse(c.Base)
	x := audit.Export{Server: u.Host, Log: audit.RecordLog(st.AccountID), Verified: v, Events: v.Events, Now: time.Now(), Lang: e.Lang, Loc: time.Local}
	return v, x, e.save(st)
}

// auditCmd is `akte audit`: the record's protocol, verified against the
// pinned key and the last checkpoint kept in the state (docs/audit.md §6).
func auditCmd(e *env) *cobra.Command {
	var since, until, format, out string
	var f client.AuditFilter
	var asJSON bool
	verified := e.verifiedProtocol
	cmd := &cobra.Command{
		Use:   "audit [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--actor ID] [--operation OP] [--result ok|denied|error]",
		Short: e.Tr("Protokoll der Akte zeigen: wer wann was getan hat (geprüft)", "Show the record's protocol: who did what when (verified)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if f.Since, err = day(since, "--since", 0); err != nil {
				return err
			}
			if f.Until, err = day(until, "--until", 1); err != nil {
				return err
			}
			switch audit.Result(f.Result) {
			case "", audit.ResultOK, audit.ResultDenied, audit.ResultError:
			default:
				return cli.Fail(akte.KindInvalid, "flag_invalid_value", map[string]any{"flag": "--result", "value": f.Result})
			}
			v, _, err := verified(cmd)
			if err != nil {
				return err
			}
			rows := client.AuditRows(f.Apply(v.Events))
			if asJSON {
				return e.PrintJSON(rows)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ZEIT\tVORGANG\tCODE\tOBJEKT\tAKTEUR\tROLLE\tERGEBNIS\t", "TIME\tOPERATION\tCODE\tOBJECT\tACTOR\tROLE\tRESULT\t"))
			for _, r := range rows {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", e.time(r.Time), r.Operation, r.Code, r.Object, r.ActorID, r.ActorRole, r.Result)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&since, "since", "", e.Tr("nur Einträge ab diesem Tag (YYYY-MM-DD)", "only entries from this day on (YYYY-MM-DD)"))
	cmd.Flags().StringVar(&until, "until", "", e.Tr("nur Einträge bis zu diesem Tag (YYYY-MM-DD)", "only entries up to this day (YYYY-MM-DD)"))
	cmd.Flags().StringVar(&f.Actor, "actor", "", e.Tr("nur Einträge dieses Akteurs (Kennung)", "only entries of this actor (id)"))
	cmd.Flags().StringVar(&f.Operation, "operation", "", e.Tr("nur dieser Vorgang (z. B. item.download) oder diese Gruppe (z. B. item)", "only this operation (e.g. item.download) or group (e.g. item)"))
	cmd.Flags().StringVar(&f.Result, "result", "", e.Tr("nur dieses Ergebnis: ok, denied oder error", "only this result: ok, denied or error"))
	e.jsonFlag(cmd, &asJSON)

	verify := &cobra.Command{
		Use:   "verify",
		Short: e.Tr("Protokoll prüfen: setzt es den zuletzt geprüften Stand fort und enthält es jeden Eintrag?", "Verify the protocol: does it extend the last verified state and contain every entry?"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, _, err := verified(cmd)
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"status": "verified", "size": v.Checkpoint.Size, "events": len(v.Events), "key": v.Key, "checkpoint": v.Signed})
			}
			e.Printf(e.Tr("Protokoll geprüft: %d Einträge (%d aufbewahrt), Prüfpunkt vom %s.\n", "Protocol verified: %d entries (%d kept), checkpoint of %s.\n"),
				v.Checkpoint.Size, len(v.Events), e.time(v.Checkpoint.Time))
			return nil
		},
	}
	e.jsonFlag(verify, &asJSON)

	export := &cobra.Command{
		Use:   "export --format pdf|fhir --out FILE",
		Short: e.Tr("geprüftes Protokoll als PDF oder FHIR-Bundle (AuditEvent) speichern", "Save the verified protocol as PDF or FHIR Bundle (AuditEvent)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "pdf" && format != "fhir" {
				return cli.Fail(akte.KindInvalid, "flag_invalid_value", map[string]any{"flag": "--format", "value": format})
			}
			v, x, err := verified(cmd)
			if err != nil {
				return err
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if err := client.ExportAudit(f, format, x); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"status": "exported", "file": out, "events": len(v.Events)})
			}
			e.Printf(e.Tr("%d Einträge nach %s geschrieben.\n", "%d entries written to %s.\n"), len(v.Events), out)
			return nil
		},
	}
	export.Flags().StringVar(&format, "format", "pdf", e.Tr("pdf oder fhir", "pdf or fhir"))
	export.Flags().StringVar(&out, "out", "", e.Tr("Zieldatei", "output file"))
	e.jsonFlag(export, &asJSON)
	cli.Required(export, "out")
	cmd.AddCommand(verify, export)
	return cmd
}

// day parses a --since/--until day (YYYY-MM-DD, local time) and returns
// the start of the day plus days; empty is the zero time.
func day(s, flag string, days int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, time.Local)
	if err != nil {
		return time.Time{}, cli.Fail(akte.KindInvalid, "date_format", map[string]any{"flag": flag})
	}
	return t.AddDate(0, 0, days), nil
}
