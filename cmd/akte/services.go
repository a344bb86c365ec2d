package main

import (
	"bufio"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/rules"
)

// serviceRow is one line of `akte services ls --json`.
type serviceRow struct {
	Name      string          `json:"name"`
	On        bool            `json:"on"`
	Available bool            `json:"available"`
	Consent   *health.Consent `json:"consent,omitempty"`
}

func servicesCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "services ls|on NAME|off NAME",
		Short: e.Tr("Dienste (Impfstatus, Vorsorge …) mit Ihrer Einwilligung ein- und ausschalten", "Switch services (vaccination status, check-ups …) on with your consent, and off"),
	})
	cmd.AddCommand(servicesLsCmd(e), serviceOnCmd(e), serviceOffCmd(e))
	return cmd
}

func servicesLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "ls", Short: e.Tr("Dienste und ihren Zustand zeigen", "List the services and their state"), Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			var out []serviceRow
			for _, s := range health.Services() {
				r := serviceRow{Name: s.Name, On: es.Profile.On(s.Name), Available: s.Built}
				if r.On {
					c := es.Profile.Services[s.Name].Consent
					r.Consent = &c
				}
				out = append(out, r)
			}
			if asJSON {
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("DIENST\tZUSTAND\tEINWILLIGUNG\t", "SERVICE\tSTATE\tCONSENT\t"))
			for _, r := range out {
				state, since := e.Tr("aus", "off"), ""
				switch {
				case r.On:
					state, since = e.Tr("an", "on"), e.time(r.Consent.At)
				case !r.Available:
					state = e.Tr("noch nicht verfügbar", "not available yet")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t\n", r.Name, state, since)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func serviceOnCmd(e *env) *cobra.Command {
	var asJSON, yes bool
	var birth, sex string
	cmd := &cobra.Command{
		Use:   "on NAME [--birth-date YYYY-MM-DD] [--sex female|male|other|unknown] [--yes]",
		Short: e.Tr("Einen Dienst einschalten: zeigt die Einwilligung und fragt", "Switch a service on: shows the consent and asks"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := health.ServiceByName(args[0])
			if err != nil {
				return err
			}
			if !s.Built {
				return cli.Fail(akte.KindInvalid, "service_not_available", map[string]any{"service": s.Name})
			}
			st, c, rec, es, err := e.loadEntries(ctx)
			if err != nil {
				return err
			}
			// The text is the server's (the operator may have replaced
			// it), checked against its hash; the ledger records it.
			shown, err := c.ConsentText(ctx, s.Name, e.Lang)
			if err != nil {
				return e.authErr(st, err)
			}
			text := catalog.ConsentText{ID: shown.Text, Version: shown.Version, Lang: shown.Lang, Text: shown.Body, Hash: shown.Hash}
			defer e.save(st)
			// What this device read is named explicitly: another device may
			// switch the last service that kept them off in the meantime.
			if s.NeedsPerson && birth == "" {
				birth = es.Profile.BirthDate
			}
			if s.NeedsPerson && sex == "" {
				sex = es.Profile.Sex
			}
			if s.NeedsPerson && birth == "" {
				if acc, err := c.Account(ctx); err == nil {
					birth = acc.BirthDate // the one given at registration, now also sealed in the profile
				}
			}
			// The text goes to standard error with --json, so that the
			// output stays one JSON value.
			out := e.Stdout
			if asJSON {
				out = e.Stderr
			}
			fmt.Fprintf(out, "%s\n\n", text.Text)
			if !yes {
				fmt.Fprint(out, e.Tr("Einwilligen? [j/N] ", "Do you consent? [y/N] "))
				line, _ := bufio.NewReader(e.Stdin).ReadString('\n')
				switch strings.ToLower(strings.TrimSpace(line)) {
				case "j", "ja", "y", "yes":
				default:
					return cli.Fail(akte.KindInvalid, "consent_not_given", map[string]any{"service": s.Name})
				}
			}
			if _, err := c.GiveConsent(ctx, client.AnswerOf(shown, "cli")); err != nil {
				return e.authErr(st, err)
			}
			p, err := c.ServiceOn(ctx, rec, &st.Seen, es, s.Name, text, birth, sex, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			consent := p.Services[s.Name].Consent
			if asJSON {
				return e.PrintJSON(serviceRow{Name: s.Name, On: true, Available: true, Consent: &consent})
			}
			e.Printf(e.Tr("%s ist eingeschaltet.\n", "%s is on.\n"), s.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&yes, "yes", false, e.Tr("einwilligen ohne zu fragen (für Skripte; der Text wird trotzdem gezeigt)", "consent without asking (for scripts; the text is shown all the same)"))
	f.StringVar(&birth, "birth-date", "", e.Tr("Geburtsdatum (Vorgabe: das bei der Registrierung angegebene)", "birth date (default: the one given at registration)"))
	f.StringVar(&sex, "sex", "", e.Tr("Geschlecht: female, male, other oder unknown", "sex: female, male, other or unknown"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func serviceOffCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "off NAME",
		Short: e.Tr("Einen Dienst sofort ausschalten (löscht, was nur er brauchte)", "Switch a service off at once (deletes what only it needed)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := health.ServiceByName(args[0]); err != nil {
				return err
			}
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			// The reminders stop at once, before anything else.
			if args[0] == client.MedicationService {
				if err := c.ClearReminders(cmd.Context()); err != nil {
					return e.authErr(st, err)
				}
			}
			p, err := c.ServiceOff(cmd.Context(), rec, &st.Seen, es, args[0])
			if err != nil {
				return e.authErr(st, err)
			}
			// The ledger records the withdrawal (none if the service was
			// switched on before the ledger existed).
			if _, err := c.WithdrawConsent(cmd.Context(), args[0], "cli"); err != nil {
				if r, _ := akte.ReasonOf(err); r != "consent_not_active" {
					return e.authErr(st, err)
				}
			}
			kept := p.BirthDate != ""
			if asJSON {
				return e.PrintJSON(map[string]any{"name": args[0], "on": false, "birth_date_kept": kept})
			}
			e.Printf(e.Tr("%s ist ausgeschaltet.\n", "%s is off.\n"), args[0])
			if !kept {
				e.Printf("%s\n", e.Tr("Geburtsdatum und Geschlecht sind aus dem Profil gelöscht.", "Birth date and sex are deleted from the profile."))
			}
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// statusCmd is `akte vaccinations` and `akte checkups`: the status of
// each target disease or examination, computed here from the record's
// entries and never stored.
func statusCmd(e *env, name string, compute func(*client.Entries, time.Time) ([]rules.Result, error)) *cobra.Command {
	var asJSON bool
	short := e.Tr("Impfstatus nach STIKO (auf diesem Gerät berechnet)", "Vaccination status against STIKO (computed on this device)")
	if name == "checkups" {
		short = e.Tr("Vorsorgestatus nach G-BA (auf diesem Gerät berechnet)", "Check-up status against the G-BA schedule (computed on this device)")
	}
	cmd := &cobra.Command{
		Use: name, Short: short, Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			if err := c.ServiceAllowed(cmd.Context(), name); err != nil {
				return e.authErr(st, err)
			}
			rs, err := compute(es, time.Now())
			if err != nil {
				return err
			}
			notice := e.Tr("Hinweis: Diese Übersicht ersetzt keine ärztliche Beratung.", "Note: this overview does not replace a doctor's advice.")
			if asJSON {
				fmt.Fprintln(e.Stderr, notice)
				if rs == nil {
					rs = []rules.Result{}
				}
				return e.PrintJSON(rs)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ZIEL\tSTATUS\tNÄCHSTES DATUM\tGRUND\t", "TARGET\tSTATUS\tNEXT DATE\tREASON\t"))
			for _, r := range rs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", r.Target, r.Status, r.NextDate, r.Reason)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			e.Printf("\n%s\n", notice)
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
