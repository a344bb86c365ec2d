package main

import (
	"bufio"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/internal/cli"
)

// The research data donation (decision 0048): `akte donate ls|on|off|send`.
// The work is in client (DonationOn, DonationOff, DonationSend) and
// package donation; these commands only wire.

func donateCmd(e *env) *cobra.Command {
	cmd := cli.Group(&cobra.Command{
		Use:   "donate ls|on CATEGORY|off CATEGORY|send",
		Short: e.Tr("Datenspende für die Forschung: pseudonymisiert, verschlüsselt, je Kategorie mit Einwilligung", "Research data donation: pseudonymised, encrypted, per category with consent"),
	})
	cmd.AddCommand(donateLsCmd(e), donateOnCmd(e), donateOffCmd(e), donateSendCmd(e))
	return cmd
}

func donateLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "ls", Short: e.Tr("Kategorien, ihren Zustand und den Schlüssel der Forschungsstelle zeigen", "List the categories, their state and the research body's key"), Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, _, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			ds, err := c.DonationState(cmd.Context(), es)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(ds)
			}
			if !ds.Offered {
				e.Printf("%s\n", e.Tr("Dieser Server bietet keine Datenspende an.", "This server offers no data donation."))
			} else {
				e.Printf(e.Tr("Forschungsstelle, Fingerabdruck: %s\n", "Research body, fingerprint: %s\n"), ds.Fingerprint)
			}
			if ds.Changed {
				e.Printf(e.Tr("Achtung: bestätigt war %s. Es wird nichts gespendet, bis Sie den neuen bestätigen (--accept-recipient).\n",
					"Warning: you confirmed %s. Nothing is donated until you confirm the new one (--accept-recipient).\n"), ds.Pinned)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("KATEGORIE\tZUSTAND\tSEIT\t", "CATEGORY\tSTATE\tSINCE\t"))
			for _, r := range ds.Categories {
				state, since := e.Tr("aus", "off"), ""
				if r.On {
					state, since = e.Tr("an", "on"), e.time(*r.Since)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t\n", r.Category, state, since)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func donateOnCmd(e *env) *cobra.Command {
	var asJSON, yes bool
	var accept string
	cmd := &cobra.Command{
		Use:   "on CATEGORY [--yes] [--accept-recipient FINGERPRINT]",
		Short: e.Tr("Eine Kategorie spenden: zeigt die Einwilligung und den Fingerabdruck und fragt", "Donate a category: shows the consent and the fingerprint and asks"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if err := donation.CheckCategory(args[0]); err != nil {
				return err
			}
			st, c, rec, es, err := e.loadEntries(ctx)
			if err != nil {
				return err
			}
			defer e.save(st)
			ds, err := c.DonationState(ctx, es)
			if err != nil {
				return e.authErr(st, err)
			}
			if !ds.Offered {
				return cli.Fail(akte.KindNotFound, "donation_not_offered", nil)
			}
			if ds.Changed && !donation.SameFingerprint(accept, ds.Fingerprint) {
				return cli.Fail(akte.KindConflict, "donation_recipient_changed", map[string]any{"pinned": ds.Pinned, "offered": ds.Fingerprint})
			}
			shown, err := c.ConsentText(ctx, donation.TextID(args[0]), e.Lang)
			if err != nil {
				return e.authErr(st, err)
			}
			out := e.Stdout
			if asJSON {
				out = e.Stderr // the output stays one JSON value
			}
			fmt.Fprintf(out, "%s\n\n", shown.Body)
			fmt.Fprintf(out, e.Tr("Schlüssel der Forschungsstelle, Fingerabdruck: %s\n", "The research body's key, fingerprint: %s\n"), ds.Fingerprint)
			if !yes {
				fmt.Fprint(out, e.Tr("Einwilligen? [j/N] ", "Do you consent? [y/N] "))
				line, _ := bufio.NewReader(e.Stdin).ReadString('\n')
				switch strings.ToLower(strings.TrimSpace(line)) {
				case "j", "ja", "y", "yes":
				default:
					return cli.Fail(akte.KindInvalid, "consent_not_given", map[string]any{"service": shown.Text})
				}
			}
			_, recipient, err := c.DonationOn(ctx, rec, &st.Seen, es, args[0], shown, "cli", accept, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"category": args[0], "on": true, "fingerprint": donation.Fingerprint(recipient)})
			}
			e.Printf(e.Tr("%s wird gespendet, wenn Sie „akte donate send“ aufrufen.\n", "%s is donated when you run \"akte donate send\".\n"), args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, e.Tr("einwilligen ohne zu fragen (für Skripte; der Text wird trotzdem gezeigt)", "consent without asking (for scripts; the text is shown all the same)"))
	cmd.Flags().StringVar(&accept, "accept-recipient", "", e.Tr("den Fingerabdruck eines geänderten Schlüssels der Forschungsstelle bestätigen", "confirm the fingerprint of a changed research body's key"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func donateOffCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "off CATEGORY",
		Short: e.Tr("Die Spende einer Kategorie sofort beenden (Widerruf)", "Stop donating a category at once (withdrawal)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := donation.CheckCategory(args[0]); err != nil {
				return err
			}
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			if _, err := c.DonationOff(cmd.Context(), rec, &st.Seen, es, args[0], "cli"); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"category": args[0], "on": false})
			}
			e.Printf(e.Tr("%s wird nicht mehr gespendet.\n", "%s is no longer donated.\n"), args[0])
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func donateSendCmd(e *env) *cobra.Command {
	var asJSON bool
	var accept string
	cmd := &cobra.Command{
		Use:   "send [--accept-recipient FINGERPRINT]",
		Short: e.Tr("Jetzt spenden: Auszug bauen, verschlüsseln, weiterleiten lassen", "Donate now: build the extract, encrypt it, have it relayed"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, rec, es, err := e.loadEntries(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st)
			sent, err := c.DonationSend(cmd.Context(), rec, &st.Seen, es, accept, time.Now())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(sent)
			}
			n := 0
			for _, k := range sent.Resources {
				n += k
			}
			e.Printf(e.Tr("Gespendet: %s, %d Einträge, %d Bytes verschlüsselt für %s.\nIhr Pseudonym dort: %s\n",
				"Donated: %s, %d entries, %d bytes encrypted for %s.\nYour pseudonym there: %s\n"),
				strings.Join(sent.Categories, ", "), n, sent.Bytes, sent.Fingerprint, sent.Pseudonym)
			return nil
		},
	}
	cmd.Flags().StringVar(&accept, "accept-recipient", "", e.Tr("den Fingerabdruck eines geänderten Schlüssels der Forschungsstelle bestätigen", "confirm the fingerprint of a changed research body's key"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
