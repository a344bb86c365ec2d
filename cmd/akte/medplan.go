package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/bmp/bmppdf"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

// planLine is one line of `akte medplan show --json` (and import), the
// shape the browser shows too.
type planLine = health.PlanLine

func planLines(mp *client.MedPlan) []planLine {
	out := []planLine{}
	for _, l := range mp.Lines {
		d := l.Line.Dose
		r := planLine{N: l.N, PZN: l.Line.PZN, Name: l.Line.Label(), Dose: d.String(), Morning: d.Morning, Noon: d.Noon, Evening: d.Evening, Night: d.Night,
			Unit: l.Line.Unit, Form: l.Line.Form, Weekday: l.Line.Weekday, Instructions: l.Line.Instructions, Indication: l.Line.Indication, Note: l.Line.Extra, Heading: l.Head}
		if l.Entry != nil {
			r.Entry = l.Entry.ID
		}
		out = append(out, r)
	}
	return out
}

// printPlan prints the plan's lines as JSON or as a table.
func (e *env) printPlan(mp *client.MedPlan, asJSON bool) error {
	ls := planLines(mp)
	if asJSON {
		return e.PrintJSON(map[string]any{"id": mp.Plan.ID, "version": mp.Plan.Version, "author": mp.Plan.Author.Name, "printed": mp.Plan.Author.Printed, "lines": ls})
	}
	w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, e.Tr("NR\tPZN\tMEDIKAMENT\tDOSIS\tEINHEIT\tHINWEISE\tGRUND\t", "NO\tPZN\tMEDICATION\tDOSE\tUNIT\tINSTRUCTIONS\tREASON\t"))
	for _, l := range ls {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.N, l.PZN, l.Name, l.Dose, l.Unit, l.Instructions, l.Indication)
	}
	return w.Flush()
}

func medplanCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "medplan import|show|print|remind|log|push|rm",
		Short: e.Tr("Medikationsplan (BMP): einlesen, zeigen, drucken, erinnern, Einnahme protokollieren", "Medication plan (BMP): import, show, print, remind, log intakes"),
	})
	cmd.AddCommand(medplanImportCmd(e), medplanShowCmd(e, false), medplanShowCmd(e, true), medplanPrintCmd(e), medplanRemindCmd(e), medplanLogCmd(e), medplanPushCmd(e))
	return cmd
}

func medplanImportCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import IMAGE|XML...",
		Short: e.Tr("Einen Medikationsplan aus dem Bild seines Codes (Foto, Scan) oder seinem XML einlesen und verschlüsselt speichern", "Import a medication plan from an image of its code (photo, scan) or its XML and store it encrypted"),
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pages [][]byte
			for _, name := range args {
				b, err := os.ReadFile(name)
				if err != nil {
					return cli.InFile(name, err)
				}
				pages = append(pages, b)
			}
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			mp, err := c.ImportPlan(cmd.Context(), rec, &st.Seen, es, pages, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			return e.printPlan(mp, asJSON)
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// medplanShowCmd is `medplan show` and, with rm, `medplan rm` (the plan,
// its lines and its intake log deleted).
func medplanShowCmd(e *env, rm bool) *cobra.Command {
	var asJSON bool
	use, short := "show", e.Tr("Den gespeicherten Medikationsplan zeigen", "Show the stored medication plan")
	if rm {
		use, short = "rm", e.Tr("Den Medikationsplan mit seinen Zeilen und seinem Einnahmeprotokoll löschen", "Delete the medication plan with its lines and intake log")
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			load := c.LoadPlan
			if rm {
				load = func(ctx context.Context, rec *core.Record, es *client.Entries) (*client.MedPlan, error) {
					return c.RemovePlan(ctx, rec, &st.Seen, es)
				}
			}
			mp, err := load(cmd.Context(), rec, es)
			if err != nil {
				return e.authErr(st, err)
			}
			if rm && !asJSON {
				e.Printf(e.Tr("Medikationsplan gelöscht (%d Zeilen, %d Protokolleinträge).\n", "Medication plan deleted (%d lines, %d log entries).\n"), len(mp.Lines), len(mp.Log))
				return nil
			}
			return e.printPlan(mp, asJSON)
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func medplanPrintCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use: "print --out FILE.pdf", Short: e.Tr("Den Medikationsplan als PDF im BMP-Layout drucken", "Print the medication plan as a PDF in the BMP layout"), Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			mp, err := c.LoadPlan(cmd.Context(), rec, es)
			if err != nil {
				return e.authErr(st, err)
			}
			return writeFile(out, func(w io.Writer) error { return bmppdf.WritePDF(w, mp.Plan, time.Now()) })
		},
	}
	cmd.Flags().StringVar(&out, "out", "", e.Tr("PDF-Datei", "PDF file"))
	cli.Required(cmd, "out")
	return cmd
}

// writeFile writes a file through write, removing it on failure.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return cli.InFile(name, err)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	return f.Close()
}

func medplanRemindCmd(e *env) *cobra.Command {
	var asJSON, off bool
	var r wire.Reminders
	cmd := &cobra.Command{
		Use:   "remind [--morning HH:MM] [--noon HH:MM] [--evening HH:MM] [--night HH:MM] [--tz ZONE] [--via mail|push|both] [--off]",
		Short: e.Tr("Einnahme-Erinnerungen per E-Mail oder Push einstellen (der Server erfährt nur die Uhrzeiten)", "Set intake reminders by mail or push (the server learns the times only)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			set := off || r.Morning != "" || r.Noon != "" || r.Evening != "" || r.Night != "" || r.Via != ""
			var got *wire.Reminders
			switch {
			case set && !off && !es.Profile.On(client.MedicationService):
				return cli.Fail(akte.KindInvalid, "service_off", map[string]any{"service": client.MedicationService})
			case off:
				err = c.ClearReminders(cmd.Context())
			case r.Morning == "" && r.Noon == "" && r.Evening == "" && r.Night == "" && r.Via != "":
				got, err = c.SetReminderVia(cmd.Context(), r.Via) // the channel only
			case set:
				if r.TZ == "" {
					r.TZ = localZone(e.Getenv("TZ"))
				}
				got, err = c.SetReminders(cmd.Context(), r)
			default:
				got, err = c.Reminders(cmd.Context())
			}
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"reminders": got})
			}
			if got == nil {
				e.Printf("%s\n", e.Tr("Keine Erinnerungen eingestellt.", "No reminders set."))
				return nil
			}
			e.Printf(e.Tr("Erinnerungen (%s, per %s): morgens %s, mittags %s, abends %s, zur Nacht %s\n", "Reminders (%s, by %s): morning %s, noon %s, evening %s, night %s\n"),
				got.TZ, dash(got.Via), dash(got.Morning), dash(got.Noon), dash(got.Evening), dash(got.Night))
			return nil
		},
	}
	f := cmd.Flags()
	for _, x := range []struct {
		p        *string
		name, de string
	}{{&r.Morning, "morning", "morgens"}, {&r.Noon, "noon", "mittags"}, {&r.Evening, "evening", "abends"}, {&r.Night, "night", "zur Nacht"}} {
		f.StringVar(x.p, x.name, "", e.Tr("Uhrzeit HH:MM ("+x.de+")", "time HH:MM ("+x.name+")"))
	}
	f.StringVar(&r.TZ, "tz", "", e.Tr("Zeitzone (Vorgabe: $TZ, sonst Europe/Berlin)", "time zone (default: $TZ, else Europe/Berlin)"))
	f.StringVar(&r.Via, "via", "", e.Tr("wohin: mail, push (an die Geräte mit eingeschalteten Benachrichtigungen) oder both", "where to: mail, push (to the devices with notifications on) or both"))
	f.BoolVar(&off, "off", false, e.Tr("alle Erinnerungen löschen", "clear every reminder"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// localZone is the IANA zone of $TZ, else Europe/Berlin (the time zone of
// the people BMP plans are for).
func localZone(tz string) string {
	if _, err := time.LoadLocation(tz); tz != "" && tz != "Local" && err == nil {
		return tz
	}
	return "Europe/Berlin"
}

func medplanLogCmd(e *env) *cobra.Command {
	var asJSON bool
	var take int
	var slot string
	cmd := &cobra.Command{
		Use:   "log [--take N [--slot morning|noon|evening|night]]",
		Short: e.Tr("Einnahmeprotokoll zeigen, oder mit --take die Einnahme der Zeile N eintragen", "Show the intake log, or with --take record an intake of line N"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			mp, err := c.LoadPlan(cmd.Context(), rec, es)
			if err == nil && take != 0 {
				var x *client.Entry
				if x, err = c.LogIntake(cmd.Context(), rec, &st.Seen, es, mp, take, slot, time.Now()); err == nil {
					mp.Log = append(mp.Log, x)
				}
			}
			if err != nil {
				return e.authErr(st, err)
			}
			rows := intakeRows(mp)
			if asJSON {
				return e.PrintJSON(rows)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ZEIT\tZEILE\tMEDIKAMENT\tTAGESZEIT\t", "TIME\tLINE\tMEDICATION\tTIME OF DAY\t"))
			for _, r := range rows {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t\n", r.At, r.Line, r.Name, r.Slot)
			}
			return w.Flush()
		},
	}
	cmd.Flags().IntVar(&take, "take", 0, e.Tr("Zeile des Plans, deren Einnahme eingetragen wird", "line of the plan whose intake is recorded"))
	cmd.Flags().StringVar(&slot, "slot", "", e.Tr("Tageszeit: morning, noon, evening oder night", "time of day: morning, noon, evening or night"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
