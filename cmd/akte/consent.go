package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/wire"
)

// The consent ledger and the restriction (decision 0044): `akte consent
// ls|show|give|withdraw`, `akte restrict on|off`, and the texts asked at
// registration and login.

func consentCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{Use: "consent ls|show|give|withdraw",
		Short: e.Tr("Einwilligungen: lesen, erteilen, widerrufen", "Consents: read, give, withdraw")})
	cmd.AddCommand(consentLsCmd(e), consentShowCmd(e), consentGiveCmd(e, true), consentGiveCmd(e, false))
	return cmd
}

// askTexts prints each text and asks once for all of them (yes: agreed
// after printing, for scripts); with asJSON the texts go to standard
// error. A refusal fails with reason.
func (e *env) askTexts(ts []*wire.ConsentText, yes, asJSON bool, reason string) ([]wire.ConsentAnswer, error) {
	out := io.Writer(e.Stdout)
	if asJSON {
		out = e.Stderr
	}
	var as []wire.ConsentAnswer
	for _, t := range ts {
		fmt.Fprintf(out, "%s\n(%s, %s %d)\n\n", t.Body, t.Text, e.Tr("Version", "version"), t.Version)
		as = append(as, client.AnswerOf(t, "cli"))
	}
	if !yes {
		fmt.Fprint(out, e.Tr("Einwilligen und bestätigen? [j/N] ", "Do you consent and acknowledge? [y/N] "))
		line, _ := bufio.NewReader(e.Stdin).ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "j", "ja", "y", "yes":
		default:
			ids := make([]string, len(ts))
			for i, t := range ts {
				ids[i] = t.Text
			}
			return nil, cli.Fail(akte.KindInvalid, reason, map[string]any{"text": strings.Join(ids, ", "), "texts": strings.Join(ids, ", ")})
		}
	}
	return as, nil
}

func (e *env) printLedger(l *wire.ConsentLedger, asJSON bool) error {
	if asJSON {
		return e.PrintJSON(l)
	}
	w := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, e.Tr("TEXT\tZUSTAND\tVERSION\tZEIT\tWIE\t", "TEXT\tSTATE\tVERSION\tTIME\tHOW\t"))
	for _, s := range l.States {
		state, version, at, via := e.Tr("offen", "open"), "", "", ""
		if s.Last != nil {
			state, version, at, via = map[string]string{"given": e.Tr("erteilt", "given"), "withdrawn": e.Tr("widerrufen", "withdrawn")}[s.Last.Decision],
				fmt.Sprint(s.Last.Version), e.time(s.Last.At), s.Last.Via
		}
		if s.Due && s.Last != nil && s.Last.Decision == "given" {
			state = e.Tr("neue Fassung offen", "new version open")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", s.Text, state, version, at, via)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if l.DeleteAt != nil {
		e.Printf(e.Tr("Die Einwilligung in die Verarbeitung ist widerrufen: Ihr Konto wird am %s gelöscht. Zurücknehmen: \"akte consent give processing\".\n",
			"The consent to the processing is withdrawn: your account is deleted on %s. Take it back: \"akte consent give processing\".\n"), e.time(*l.DeleteAt))
	}
	return nil
}

func consentLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: e.Tr("Ihre Einwilligungen mit Fassung, Datum und Uhrzeit", "Your consents with version, date and time"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			l, err := c.Consents(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			return e.printLedger(l, asJSON)
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func consentShowCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: e.Tr("Den Text zeigen, dem Sie zugestimmt haben (sonst den aktuellen)", "Show the text you agreed to (else the current one)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			l, err := c.Consents(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			var last *wire.ConsentRecord
			for _, s := range l.States {
				if s.Text == args[0] {
					last = s.Last
				}
			}
			var t *wire.ConsentText
			if last != nil {
				t, err = c.ConsentRecordText(cmd.Context(), last.Hash)
			} else {
				t, err = c.ConsentText(cmd.Context(), args[0], e.Lang)
			}
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"text": t, "record": last})
			}
			if last != nil {
				e.Printf(e.Tr("%s, Version %d: %s am %s (%s)\n\n", "%s, version %d: %s on %s (%s)\n\n"), t.Text, t.Version, last.Decision, e.time(last.At), last.Via)
			}
			e.Printf("%s\n", t.Body)
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// consentGiveCmd is `akte consent give ID` (give) or `akte consent
// withdraw ID`.
func consentGiveCmd(e *env, give bool) *cobra.Command {
	var asJSON, yes bool
	use, short := "withdraw ID", e.Tr("Eine Einwilligung widerrufen (processing: Konto wird nach der Frist gelöscht)", "Withdraw a consent (processing: the account is deleted after the grace period)")
	if give {
		use, short = "give ID", e.Tr("Einer Fassung eines Textes zustimmen: zeigt ihn und fragt", "Agree to a text's version: shows it and asks")
	}
	cmd := &cobra.Command{
		Use: use + " [--yes]", Short: short, Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			var l *wire.ConsentLedger
			if give {
				t, err := c.ConsentText(cmd.Context(), args[0], e.Lang)
				if err != nil {
					return e.authErr(st, err)
				}
				as, err := e.askTexts([]*wire.ConsentText{t}, yes, asJSON, "consent_required")
				if err != nil {
					return err
				}
				l, err = c.GiveConsent(cmd.Context(), as[0])
			} else {
				if args[0] == "processing" && !yes {
					fmt.Fprintln(e.Stderr, e.Tr("Ohne diese Einwilligung wird Ihr Konto nach der Frist mit allen Daten gelöscht. Sichern Sie sie vorher mit \"akte export\".",
						"Without this consent your account is deleted with all its data after the grace period. Save it first with \"akte export\"."))
					if err := e.confirmWord(e.Tr("WIDERRUFEN", "WITHDRAW"), "consent_not_active"); err != nil {
						return err
					}
				}
				l, err = c.WithdrawConsent(cmd.Context(), args[0], "cli")
			}
			if err != nil {
				return e.authErr(st, err)
			}
			return e.printLedger(l, asJSON)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, e.Tr("ohne Rückfrage (für Skripte; der Text wird trotzdem gezeigt)", "without asking (for scripts; the text is shown all the same)"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// restrictCmd is `akte restrict on|off`.
func restrictCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "restrict on|off",
		Short: e.Tr("Verarbeitung einschränken: nur Sie greifen auf die Akte zu, die Dienste ruhen (off: aufheben)", "Restrict processing: only you access the record, the services stop (off: lift it)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "on" && args[0] != "off" {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "on|off"})
			}
			st, c, err := e.session()
			if err != nil {
				return err
			}
			r, err := c.Restrict(cmd.Context(), args[0] == "on")
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(r)
			}
			if r.Restricted {
				e.Printf(e.Tr("Eingeschränkt seit %s: Nur Sie greifen auf die Akte zu; die Dienste ruhen.\n", "Restricted since %s: only you access the record; the services stop.\n"), e.time(*r.Since))
			} else {
				e.Printf("%s\n", e.Tr("Keine Einschränkung: Freigaben und Dienste gelten wieder.", "Not restricted: grants and services apply again."))
			}
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// askDue asks the required texts that have a new version (the login's
// consents_due) and gives them; a refusal fails with consents_due, the
// session kept: "akte consent give ID" answers later.
func (e *env) askDue(ctx context.Context, c *client.API, due []string, yes, asJSON bool) error {
	if len(due) == 0 {
		return nil
	}
	fmt.Fprintln(e.Stderr, e.Tr("Es gibt eine neue Fassung, der Sie zustimmen müssen:", "There is a new version you need to agree to:"))
	ts, err := client.DueTexts(ctx, c, due, e.Lang)
	if err != nil {
		return err
	}
	as, err := e.askTexts(ts, yes, true, "consents_due")
	if err != nil {
		return err
	}
	for _, a := range as {
		if _, err := c.GiveConsent(ctx, a); err != nil {
			return err
		}
	}
	return nil
}
