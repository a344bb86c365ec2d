package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Grants, hiding and blocking (issue 14, decision 0035). The patient's
// client wraps the keys; these commands only wire.

func grantCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "grant",
		Short: e.Tr("Praxen Zugriff auf Ihre Akte geben, anzeigen und entziehen", "Grant providers access to your record, list and revoke it"),
	}
	cmd.AddCommand(grantAddCmd(e), grantLsCmd(e), grantRevokeCmd(e))
	return cmd
}

func grantAddCmd(e *env) *cobra.Command {
	var s client.GrantSpec
	var until string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add --provider ID (--record-wide | --category C... | --item ID...) [--write] [--until YYYY-MM-DD | --unlimited]",
		Short: e.Tr("Einer Praxis die ganze Akte, Kategorien oder einzelne Dokumente freigeben (Vorgabe: 90 Tage)", "Grant a provider the whole record, categories or single documents (default: 90 days)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			scopes := 0
			for _, set := range []bool{s.RecordWide, len(s.Categories) > 0, len(s.Items) > 0} {
				if set {
					scopes++
				}
			}
			if scopes != 1 {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--record-wide, --category, --item"})
			}
			if until != "" {
				if s.Unlimited {
					return cli.Fail(akte.KindInvalid, "grant_until_and_unlimited", nil)
				}
				d, err := time.ParseInLocation("2006-01-02", until, time.Local)
				if err != nil {
					return cli.Fail(akte.KindInvalid, "date_format", map[string]any{"flag": "--until"})
				}
				end := d.AddDate(0, 0, 1) // through the whole day named
				s.Until = &end
			}
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			g, fp, err := c.Grant(cmd.Context(), rec, s)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"grant": g, "grantee_fingerprint": fp, "record_fingerprint": seal.Fingerprint(rec.Info.Keys.PublicKey)})
			}
			e.Printf(e.Tr("Freigabe %s erteilt (%s).\nFingerabdruck der Praxis: %s\nFingerabdruck Ihrer Akte (zum Vergleich in der Praxis): %s\n",
				"Grant %s made (%s).\nProvider's fingerprint: %s\nYour record's fingerprint (to compare at the practice): %s\n"),
				g.ID, e.until(g.Until), fp, seal.Fingerprint(rec.Info.Keys.PublicKey))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&s.Grantee, "provider", "", e.Tr("Kennung der Praxis", "the provider's id"))
	f.BoolVar(&s.RecordWide, "record-wide", false, e.Tr("die ganze Akte (ohne die privaten Dokumente)", "the whole record (without the private documents)"))
	f.StringSliceVar(&s.Categories, "category", nil, e.Tr("eine Kategorie (mehrfach möglich)", "a category (repeatable)"))
	f.StringSliceVar(&s.Items, "item", nil, e.Tr("ein Dokument (mehrfach möglich)", "a document (repeatable)"))
	f.BoolVar(&s.Write, "write", false, e.Tr("auch Dokumente einstellen", "also add documents"))
	f.StringVar(&until, "until", "", e.Tr("gültig bis einschließlich JJJJ-MM-TT", "valid through YYYY-MM-DD"))
	f.BoolVar(&s.Unlimited, "unlimited", false, e.Tr("unbefristet", "without end"))
	f.StringVar(&s.Fingerprint, "fingerprint", "", e.Tr("Fingerabdruck, den die Praxis zeigt (wird geprüft)", "fingerprint the provider shows (checked)"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	cli.Required(cmd, "provider")
	return cmd
}

// until writes a grant's end for people.
func (e *env) until(t *time.Time) string {
	if t == nil {
		return e.Tr("unbefristet", "without end")
	}
	return e.Tr("bis ", "until ") + e.time(*t)
}

func grantLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: e.Tr("Freigaben der Akte anzeigen (als Praxis: Ihre eigenen)", "List the record's grants (as a provider: your own)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			gs, err := c.Grants(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			for i := range gs {
				gs[i].Keys = nil // slots are for the client, not for people
			}
			if asJSON {
				return e.PrintJSON(gs)
			}
			if len(gs) > 0 && len(gs[0].RecordPublicKey) > 0 {
				// A practice compares it with the one the patient's akte
				// grant add printed (docs/crypto.md, 17).
				e.Printf(e.Tr("Fingerabdruck der Akte: %s\n", "Record fingerprint: %s\n"), seal.Fingerprint(gs[0].RecordPublicKey))
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("FREIGABE\tPRAXIS\tUMFANG\tRECHT\tGÜLTIG\t", "GRANT\tPROVIDER\tSCOPE\tRIGHT\tVALID\t"))
			for _, g := range gs {
				scope := g.Scope + " " + strings.Join(append(g.Categories, g.Items...), ",")
				right, valid := e.Tr("lesen", "read"), e.until(g.Until)
				if g.Write {
					right = e.Tr("lesen+einstellen", "read+add")
				}
				if !g.Active {
					valid = e.Tr("beendet", "ended")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", g.ID, g.Grantee, scope, right, valid)
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func grantRevokeCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "revoke GRANT_ID",
		Short: e.Tr("Eine Freigabe sofort entziehen (neue Dokumente bekommen neue Schlüssel)", "Revoke a grant at once (new documents get new keys)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			ended, err := e.grantsNamed(cmd.Context(), c, func(g wire.Grant) bool { return g.ID == args[0] })
			if err == nil {
				err = c.RevokeGrant(cmd.Context(), args[0])
			}
			if err == nil {
				err = c.RotateAfter(cmd.Context(), rec, ended)
			}
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"revoked": args[0]})
			}
			e.Printf(e.Tr("Freigabe %s entzogen.\n", "Grant %s revoked.\n"), args[0])
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

// grantsNamed lists the record's running grants that match.
func (e *env) grantsNamed(ctx context.Context, c *client.API, match func(wire.Grant) bool) ([]wire.Grant, error) {
	gs, err := c.Grants(ctx)
	var out []wire.Grant
	for _, g := range gs {
		if g.Active && match(g) {
			out = append(out, g)
		}
	}
	return out, err
}

// hideCmd and unhideCmd hide an item or a category from one provider, or
// show it again.
func hideCmd(e *env, hide bool) *cobra.Command {
	var h wire.Hiding
	var asJSON bool
	use, short := "hide", e.Tr("Ein Dokument oder eine Kategorie vor einer Praxis verbergen", "Hide a document or a category from one provider")
	if !hide {
		use, short = "unhide", e.Tr("Ein verborgenes Dokument oder eine Kategorie der Praxis wieder zeigen", "Show a hidden document or category to the provider again")
	}
	cmd := &cobra.Command{
		Use:   use + " --provider ID (--category C | --item ID)",
		Short: short,
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (h.Category == "") == (h.Item == "") {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--category, --item"})
			}
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			err = c.SetHidden(cmd.Context(), h, hide)
			if err == nil && hide && h.Category != "" {
				// Keys enforce it for what comes: a new version of the
				// category key, not wrapped to this provider.
				var rec *core.Record
				if st, c, _, rec, err = e.openRecord(cmd.Context()); err == nil {
					err = c.Rotate(cmd.Context(), rec, []string{h.Category})
				}
			}
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"hidden": hide, "provider": h.Grantee, "category": h.Category, "item": h.Item})
			}
			e.Printf("%s\n", e.Tr("erledigt", "done"))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&h.Grantee, "provider", "", e.Tr("Kennung der Praxis", "the provider's id"))
	f.StringVar(&h.Category, "category", "", e.Tr("die Kategorie", "the category"))
	f.StringVar(&h.Item, "item", "", e.Tr("das Dokument", "the document"))
	e.jsonFlag(cmd, &asJSON)
	cli.Required(cmd, "provider")
	return cmd
}

// blockCmd blocks a provider (its grants end, keys of what they covered
// are rotated) or lifts the block.
func blockCmd(e *env, block bool) *cobra.Command {
	var provider string
	var asJSON bool
	use, short := "block", e.Tr("Eine Praxis sperren: ihre Freigaben enden, neue sind nicht möglich", "Block a provider: its grants end, no new one is possible")
	if !block {
		use, short = "unblock", e.Tr("Die Sperre einer Praxis aufheben", "Lift the block of a provider")
	}
	cmd := &cobra.Command{
		Use:   use + " --provider ID",
		Short: short,
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			ended, err := e.grantsNamed(cmd.Context(), c, func(g wire.Grant) bool { return g.Grantee == provider })
			var out *wire.Blocks
			if err == nil {
				out, err = c.Block(cmd.Context(), provider, block)
			}
			if err == nil && block {
				err = c.RotateAfter(cmd.Context(), rec, ended)
			}
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"blocked": block, "provider": provider, "ended": out.Ended})
			}
			e.Printf("%s\n", e.Tr("erledigt", "done"))
			return nil
		},
	}
	cmd.Flags().StringVar(&provider, "provider", "", e.Tr("Kennung der Praxis", "the provider's id"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	cli.Required(cmd, "provider")
	return cmd
}

// itemOpener opens an item's key and metadata: the owner's opened record,
// or a grantee's keyring.
type itemOpener interface {
	OpenItem(wire.Item) ([]byte, core.Meta, error)
}

// openForRead opens what reads the record the command addresses: the
// owner's record (rec set), or, for a record granted to this account, the
// keys of its grants (rec nil).
func (e *env) openForRead(ctx context.Context) (*client.State, *client.API, itemOpener, *core.Record, error) {
	st, c, err := e.recordSession(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if granted, err := e.granted(ctx, st, c); err != nil || !granted {
		st, c, _, rec, err := e.openRecord(ctx) // one's own, or represented
		return st, c, rec, rec, err
	}
	kr, err := e.openGranted(ctx, st, c)
	return st, c, kr, nil, err
}

// granted says whether the record c addresses is granted to this account
// as a provider (and not its own or one it represents).
func (e *env) granted(ctx context.Context, st *client.State, c *client.API) (bool, error) {
	if c.RecordID == st.RecordID {
		return false, nil
	}
	rs, err := c.Records(ctx)
	if err != nil {
		return false, e.authErr(st, err)
	}
	for _, r := range rs {
		if r.RecordID == c.RecordID {
			return strings.HasPrefix(r.Role, "provider_"), nil
		}
	}
	return false, nil
}

// openGranted opens the keys of this account's grants of the record c
// addresses, with the record's key pinned (state saved).
func (e *env) openGranted(ctx context.Context, st *client.State, c *client.API) (*core.Keyring, error) {
	umk, keys, err := e.unlockUMK(ctx, st, c)
	if err != nil {
		return nil, err
	}
	priv, err := core.AccountPrivateKey(umk, keys)
	if err != nil {
		return nil, err
	}
	kr, err := c.OpenGranted(ctx, priv, &st.Seen)
	if err != nil {
		return nil, e.authErr(st, err)
	}
	return kr, e.save(st)
}

// uploadGranted uploads files into a record granted to this account with
// "add": each sealed to the record's public key, which openGranted checked
// against the pinned one; the provider is the author.
func (e *env) uploadGranted(cmd *cobra.Command, st *client.State, c *client.API, files []string, category string, m core.Meta, asJSON bool) error {
	ctx := cmd.Context()
	kr, err := e.openGranted(ctx, st, c)
	if err != nil {
		return err
	}
	home, err := e.home()
	if err != nil {
		return err
	}
	umk, _, err := e.unlockUMK(ctx, st, c)
	if err != nil {
		return err
	}
	plans := client.DirPlans{Dir: filepath.Join(home, "uploads"), UMK: umk}
	var done []map[string]string
	for _, path := range files {
		fm := m
		if fm.Title == "" {
			fm.Title = filepath.Base(path)
		}
		f, err := e.file(path, category, fm, "")
		if err != nil {
			return err
		}
		fm.FileName, fm.MediaType = filepath.Base(path), mediaType(path)
		it, err := c.UploadInbox(ctx, kr, f, category, fm, plans, client.Transfer{})
		if err != nil {
			return e.authErr(st, cli.InFile(path, err))
		}
		done = append(done, map[string]string{"id": it.ID, "file": path, "title": fm.Title})
		if !asJSON {
			e.Printf("%s\n", it.ID)
		}
	}
	if asJSON {
		return e.PrintJSON(done)
	}
	return nil
}
