package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/internal/cli"
)

// entryRow is one line of `akte entry ls --json` and the head of `akte
// entry show --json`.
type entryRow struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Title    string          `json:"title"`
	Date     string          `json:"date,omitempty"`
	Category string          `json:"category"`
	Version  int64           `json:"version"`
	Replaces string          `json:"replaces,omitempty"`
	Created  time.Time       `json:"created"`
	Resource json.RawMessage `json:"resource,omitempty"`
	// History lists the earlier versions (show only), newest first.
	History []entryRow `json:"history,omitempty"`
}

func rowOf(x *client.Entry, withResource bool) entryRow {
	r := entryRow{ID: x.ID, Type: x.Type(), Title: x.Meta.Title, Date: x.Meta.Date, Category: x.Category, Version: x.Version, Replaces: x.Replaces, Created: x.Created}
	if withResource {
		r.Resource = json.RawMessage(x.JSON)
	}
	return r
}

// loadEntries opens the record and lists its entries, warning of what the
// manifest and the version chains say.
func (e *env) loadEntries(ctx context.Context) (*client.State, *client.API, *core.Record, *client.Entries, error) {
	st, c, _, rec, err := e.openRecord(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	es, err := c.LoadEntries(ctx, rec, &st.Seen)
	if err != nil {
		return nil, nil, nil, nil, e.authErr(st, err)
	}
	for _, p := range es.Problems {
		fmt.Fprintln(e.Stderr, e.Tr("Warnung:", "Warning:"), p.ID, e.Message(p.Err))
	}
	return st, c, rec, es, nil
}

// readResource reads FILE or standard input (-).
func (e *env) readResource(name string) ([]byte, error) {
	var r io.Reader = e.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 4*health.MaxEntrySize))
	return b, err
}

func entryCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "entry add|ls|show|edit|rm",
		Short: e.Tr("Strukturierte Einträge (FHIR R4): Impfungen, Untersuchungen, Medikamente …", "Structured entries (FHIR R4): vaccinations, check-ups, medication …"),
	})
	cmd.AddCommand(entryAddCmd(e, false), entryLsCmd(e), entryShowCmd(e), entryAddCmd(e, true), entryRmCmd(e))
	return cmd
}

// entryAddCmd is `entry add FILE|-` and, with edit, `entry edit ID FILE|-`
// (a new version; the old one stays as history).
func entryAddCmd(e *env, edit bool) *cobra.Command {
	var asJSON bool
	var category string
	use, short, args := "add FILE|-", e.Tr("Einen Eintrag (eine FHIR-R4-Ressource als JSON) prüfen und verschlüsselt speichern",
		"Check and store one entry (one FHIR R4 resource as JSON), encrypted"), cli.ExactArgs(1)
	if edit {
		use, short, args = "edit ID FILE|-", e.Tr("Einen Eintrag durch eine neue Fassung ersetzen (die alte bleibt im Verlauf)",
			"Replace an entry by a new version (the old one stays in its history)"), cli.ExactArgs(2)
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := e.readResource(args[len(args)-1])
			if err != nil {
				return err
			}
			st, c, rec, es, err := e.loadEntries(ctx)
			if err != nil {
				return err
			}
			defer e.save(st)
			var prev *client.Entry
			if edit {
				if prev, err = es.Find(args[0]); err != nil {
					return err
				}
			}
			// Checked before anything is sent: a refused entry leaves nothing
			// behind. The birth date is the profile's, else the one given at
			// registration.
			check := es.EntryContext(time.Now())
			if check.BirthDate == "" {
				if acc, err := c.Account(ctx); err == nil {
					check.BirthDate = fhir.Date(acc.BirthDate)
				}
			}
			r, b, err := health.Parse(data, check)
			if err != nil {
				return err
			}
			x, err := c.AddEntry(ctx, rec, &st.Seen, r, b, category, prev)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(rowOf(x, true))
			}
			e.Printf("%s\n", x.ID)
			return nil
		},
	}
	if !edit {
		cmd.Flags().StringVar(&category, "category", "", e.Tr("Kategorie (Vorgabe: nach Art des Eintrags, z. B. vaccinations)", "category (default: by the kind of entry, e.g. vaccinations)"))
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func entryLsCmd(e *env) *cobra.Command {
	var asJSON bool
	var typ string
	cmd := &cobra.Command{
		Use: "ls [--type Immunization|Procedure|...]", Short: e.Tr("Einträge auflisten (jeweils die aktuelle Fassung)", "List entries (the current version of each)"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			out := []entryRow{}
			for _, x := range es.Latest {
				if typ == "" || x.Type() == typ {
					out = append(out, rowOf(x, asJSON))
				}
			}
			if asJSON {
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ID\tART\tDATUM\tFASSUNG\tTITEL\t", "ID\tTYPE\tDATE\tVERSION\tTITLE\t"))
			for _, r := range out {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t\n", r.ID, r.Type, r.Date, r.Version, r.Title)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", e.Tr("nur Einträge dieser FHIR-Ressourcenart", "only entries of this FHIR resource type"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func entryShowCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "show ID", Short: e.Tr("Einen Eintrag mit seinem Verlauf zeigen", "Show an entry with its history"), Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, _, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			x, err := es.Find(args[0])
			if err != nil {
				return err
			}
			row := rowOf(x, true)
			for _, h := range es.History(x) {
				row.History = append(row.History, rowOf(h, asJSON))
			}
			if asJSON {
				return e.PrintJSON(row)
			}
			e.Printf("%s  %s  %s  (%s %d)\n", row.Type, row.Date, row.Title, e.Tr("Fassung", "version"), row.Version)
			pretty, _ := json.MarshalIndent(row.Resource, "", "  ")
			e.Printf("%s\n", pretty)
			for _, h := range row.History {
				e.Printf(e.Tr("frühere Fassung %d: %s (%s)\n", "earlier version %d: %s (%s)\n"), h.Version, h.ID, e.time(h.Created))
			}
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func entryRmCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "rm ID", Short: e.Tr("Einen Eintrag mit allen Fassungen endgültig löschen", "Delete an entry with all its versions for good"), Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			x, err := es.Find(args[0])
			if err != nil {
				return err
			}
			ids, err := c.RemoveEntry(cmd.Context(), rec, &st.Seen, es, x)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"deleted": ids})
			}
			for _, id := range ids {
				e.Printf(e.Tr("gelöscht: %s\n", "deleted: %s\n"), id)
			}
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
