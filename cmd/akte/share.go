package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/codesheet"
	"github.com/akte/akte/internal/cli"
)

// Shares by link or access code (issue 15, decision 0042). The client
// draws the secret and wraps the keys (client.CreateShare); these commands
// only wire.

func shareCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "share",
		Short: e.Tr("Dokumente per Link oder Zugangscode freigeben, anzeigen, widerrufen und öffnen", "Share documents by link or access code, list, revoke and open shares"),
	}
	cmd.AddCommand(shareCreateCmd(e), shareLsCmd(e), shareRevokeCmd(e), shareOpenCmd(e))
	return cmd
}

// sharePassword reads a share's password (AKTE_SHARE_PASSWORD, a line of
// standard input, or a prompt asked twice), or none with noPassword.
func (e *env) sharePassword(stdin, noPassword, confirm bool) (string, error) {
	if noPassword {
		return "", nil
	}
	return e.secrets(stdin).get(e.Tr("Passwort der Freigabe", "Share password"), "AKTE_SHARE_PASSWORD", confirm)
}

func shareCreateCmd(e *env) *cobra.Command {
	var s client.ShareSpec
	var expires, sheet string
	var stdin, noPassword, asJSON bool
	cmd := &cobra.Command{
		Use: "create ITEM_ID... [--code] [--expires YYYY-MM-DD] [--no-password] [--sheet FILE.pdf]",
		Short: e.Tr("Dokumente freigeben: druckt den Link oder mit --code den Zugangscode (Vorgabe: 14 Tage, höchstens 1 Jahr). Passwort: AKTE_SHARE_PASSWORD, Eingabe oder --password-stdin",
			"Share documents: prints the link, or with --code the access code (default: 14 days, at most 1 year). Password: AKTE_SHARE_PASSWORD, a prompt or --password-stdin"),
		Args: cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s.Items = args
			if expires != "" {
				d, err := time.ParseInLocation("2006-01-02", expires, time.Local)
				if err != nil {
					return cli.Fail(akte.KindInvalid, "date_format", map[string]any{"flag": "--expires"})
				}
				end := d.AddDate(0, 0, 1) // through the whole day named
				s.Expires = &end
			}
			if sheet != "" && !s.Code {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--code"})
			}
			pw, err := e.sharePassword(stdin, noPassword, true)
			if err != nil {
				return err
			}
			s.Password = pw
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			out, err := c.CreateShare(cmd.Context(), rec, s)
			if err != nil {
				return e.authErr(st, err)
			}
			if sheet != "" {
				if err := e.writeSheet(sheet, out, c.Base); err != nil {
					return err
				}
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"share": out.Share, "link": out.Link, "code": out.Code})
			}
			e.Printf(e.Tr("Freigabe %s erstellt, gültig bis %s.\n", "Share %s made, valid until %s.\n"), out.Share.ID, e.time(out.Share.ExpiresAt))
			if s.Code {
				e.Printf("%s\n", out.Code)
			} else {
				e.Printf("%s\n", out.Link)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&s.Code, "code", false, e.Tr("Zugangscode XXXX-XXXX-XXXX statt Link", "access code XXXX-XXXX-XXXX instead of a link"))
	f.StringVar(&expires, "expires", "", e.Tr("gültig bis einschließlich JJJJ-MM-TT", "valid through YYYY-MM-DD"))
	f.BoolVar(&noPassword, "no-password", false, e.Tr("ohne Passwort freigeben", "share without a password"))
	f.StringVar(&sheet, "sheet", "", e.Tr("Zugangscode-Blatt als PDF schreiben (mit --code)", "write the access-code sheet as PDF (with --code)"))
	f.BoolVar(&stdin, "password-stdin", false, e.Tr("Passwort der Freigabe als Zeile von der Standardeingabe lesen", "read the share password as a line from standard input"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

// writeSheet writes the access-code sheet of a new code share.
func (e *env) writeSheet(path string, s *client.CreatedShare, base string) error {
	l := codesheet.GermanLabels()
	if e.Lang == "en" {
		l = codesheet.EnglishLabels()
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".akte-sheet-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	sh := codesheet.Sheet{Code: s.Code, Link: s.Link, Server: strings.TrimRight(base, "/") + "/freigabe", Expires: s.Share.ExpiresAt,
		Items: len(s.Share.Items), Password: s.Share.Password}
	if err := codesheet.Write(f, sh, l, time.Local, time.Now()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func shareLsCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: e.Tr("Freigaben mit Zustand und Aufrufen anzeigen", "List shares with their state and views"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			ss, err := c.Shares(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(ss)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("FREIGABE\tART\tZUSTAND\tGÜLTIG BIS\tDOKUMENTE\tAUFRUFE\t", "SHARE\tKIND\tSTATE\tVALID UNTIL\tDOCUMENTS\tVIEWS\t"))
			for _, s := range ss {
				kind := e.Tr("Link", "link")
				if s.Code {
					kind = e.Tr("Code", "code")
				}
				var views []string
				for _, v := range s.Views {
					views = append(views, e.time(v))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t\n", s.ID, kind, s.State, e.time(s.ExpiresAt), strings.Join(s.Items, ","), strings.Join(views, ", "))
			}
			return w.Flush()
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func shareRevokeCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "revoke SHARE_ID",
		Short: e.Tr("Freigabe sofort widerrufen", "Revoke a share at once"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			if err := c.RevokeShare(cmd.Context(), args[0]); err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": args[0], "revoked": true})
			}
			e.Printf(e.Tr("Freigabe %s widerrufen.\n", "Share %s revoked.\n"), args[0])
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func shareOpenCmd(e *env) *cobra.Command {
	var dir string
	var stdin, noPassword, asJSON bool
	cmd := &cobra.Command{
		Use: "open LINK|CODE [-o DIR] [--no-password]",
		Short: e.Tr("Freigabe ohne Konto öffnen und die Dokumente herunterladen. Passwort: AKTE_SHARE_PASSWORD, Eingabe oder --password-stdin",
			"Open a share without an account and download its documents. Password: AKTE_SHARE_PASSWORD, a prompt or --password-stdin"),
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sec, err := core.ParseShare(args[0])
			if err != nil {
				return err
			}
			pw, err := e.sharePassword(stdin, noPassword, false)
			if err != nil {
				return err
			}
			c := e.api(nil)
			if u, err := url.Parse(strings.TrimSpace(args[0])); err == nil && u.Scheme != "" && u.Host != "" {
				c = client.NewAPI(u.Scheme + "://" + u.Host)
			}
			files, err := client.SaveShare(cmd.Context(), c, sec, pw, dir)
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(files)
			}
			for _, f := range files {
				fmt.Fprintln(e.Stdout, f.File)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&dir, "output", "o", ".", e.Tr("Zielordner", "folder to write to"))
	cmd.Flags().BoolVar(&noPassword, "no-password", false, e.Tr("die Freigabe hat kein Passwort", "the share has no password"))
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, e.Tr("Passwort der Freigabe als Zeile von der Standardeingabe lesen", "read the share password as a line from standard input"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
