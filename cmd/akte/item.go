package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/dicom"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// expandFiles turns the arguments into files: a folder stands for the
// regular files in it and its subfolders, in name order.
func expandFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		var in []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				in = append(in, p)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(in)
		out = append(out, in...)
	}
	return out, nil
}

func uploadCmd(e *env) *cobra.Command {
	var category, replaces string
	var m core.Meta
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "upload FILE... --category C [--title T] [--date YYYY-MM-DD] [--source S] [--comment C] [--replaces ID]",
		Short: e.Tr("Dokumente verschlüsselt hochladen (ein Ordner lädt seine Dateien hoch)", "Encrypt and upload documents (a folder uploads its files)"),
		Long: e.Tr("Lädt Dateien verschlüsselt hoch; Titel, Datum, Quelle und Kommentar werden auf diesem Gerät verschlüsselt.\n"+
			"Ein abgebrochenes Hochladen wird beim erneuten Aufruf mit denselben Angaben fortgesetzt.",
			"Encrypts and uploads files; title, date, source and comment are encrypted on this device.\n"+
				"An interrupted upload goes on when the same command is run again."),
		Args: cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if _, err := time.Parse("2006-01-02", m.Date); m.Date != "" && err != nil {
				return cli.Fail(akte.KindInvalid, "date_format", map[string]any{"flag": "--date"})
			}
			files, err := expandFiles(args)
			if err != nil {
				return err
			}
			if len(files) > 1 && replaces != "" {
				return cli.Fail(akte.KindInvalid, "replaces_one_file", nil)
			}
			if st, c, err := e.recordSession(ctx); err == nil {
				if granted, err := e.granted(ctx, st, c); err != nil {
					return err
				} else if granted {
					return e.uploadGranted(cmd, st, c, files, category, m, asJSON)
				}
			}
			st, c, umk, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			defer e.save(st) // the manifest counters seen (best effort)
			if err := c.RotateIfNeeded(ctx, rec, category); err != nil {
				return e.authErr(st, err)
			}
			// The version chain is sealed with the item (docs/crypto.md §15,
			// row 4): the replaced item's id and this one's number.
			var prev core.Meta
			if replaces != "" {
				if _, _, prev, err = e.openItem(ctx, st, c, rec, replaces); err != nil {
					return err
				}
			}
			m.Replaces, m.Version = core.NextVersion(replaces, prev)
			plans, err := e.uploadPlans(umk)
			if err != nil {
				return err
			}
			type out struct {
				ID    string `json:"id"`
				File  string `json:"file"`
				Title string `json:"title"`
			}
			var done []out
			for _, f := range files {
				fm := m
				if fm.Title == "" {
					fm.Title = filepath.Base(f)
				}
				it, err := e.upload(cmd, st, c, rec, plans, f, category, fm, replaces)
				if err != nil {
					return e.authErr(st, cli.InFile(f, err))
				}
				done = append(done, out{ID: it, File: f, Title: fm.Title})
				if !asJSON {
					e.Printf("%s\n", it)
				}
			}
			if asJSON {
				return e.PrintJSON(done)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&category, "category", "", e.Tr("Kategorie, z. B. findings, letters, private (siehe akte quota --json)", "category, e.g. findings, letters, private (see akte quota --json)"))
	f.StringVar(&m.Title, "title", "", e.Tr("Titel (Standard: Dateiname)", "title (default: the file name)"))
	f.StringVar(&m.Type, "type", "", e.Tr("Dokumenttyp, z. B. Laborbefund", "document type, e.g. lab report"))
	f.StringVar(&m.Date, "date", "", e.Tr("Datum des Dokuments JJJJ-MM-TT", "date of the document YYYY-MM-DD"))
	f.StringVar(&m.Source, "source", "", e.Tr("Quelle oder Verfasser", "source or author"))
	f.StringVar(&m.Comment, "comment", "", e.Tr("Kommentar", "comment"))
	f.StringVar(&replaces, "replaces", "", e.Tr("neue Version des Dokuments mit dieser Kennung", "new version of the document with this id"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	cli.Required(cmd, "category")
	return cmd
}

// upload sends one file and returns the new item's id. The plan of an
// interrupted upload is found again by the file's path and metadata.
func (e *env) upload(cmd *cobra.Command, st *client.State, c *client.API, rec *core.Record, plans client.Plans, path, category string, m core.Meta, replaces string) (string, error) {
	m.FileName, m.MediaType = filepath.Base(path), mediaType(path)
	f, err := e.file(path, category, m, replaces)
	if err != nil {
		return "", err
	}
	t := client.Transfer{Notice: func(err error) { fmt.Fprintf(e.Stderr, "%s: %s\n", path, e.Message(err)) }, Seen: &st.Seen}
	if b := e.bar(seal.CiphertextSize(f.Size, seal.DefaultSegmentSize), filepath.Base(path)); b != nil {
		t.Progress = func(n int64) { b.Set64(n) }
		defer b.Finish()
	}
	it, err := c.Upload(cmd.Context(), rec, f, category, m, replaces, plans, t)
	if err != nil {
		return "", err
	}
	return it.ID, nil
}

// file is a file to upload; its plan is found again by the path and the
// metadata.
func (e *env) file(path, category string, m core.Meta, replaces string) (client.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return client.File{}, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return client.File{}, err
	}
	return client.File{Key: strings.Join([]string{abs, category, m.Title, m.Type, m.Date, m.Source, m.Comment, replaces}, "\x00"), Size: fi.Size(),
		Open: func() (io.ReadCloser, error) { return os.Open(abs) }}, nil
}

func mediaType(path string) string {
	if t := mime.TypeByExtension(filepath.Ext(path)); t != "" {
		return t
	}
	f, err := os.Open(path)
	if err != nil {
		return "application/octet-stream"
	}
	defer f.Close()
	b := make([]byte, 512)
	n, _ := io.ReadFull(f, b)
	return http.DetectContentType(b[:n])
}

// listed is one line of `akte ls --json`.
type listed struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Category       string    `json:"category"`
	Size           int64     `json:"size"`
	CiphertextSize int64     `json:"ciphertext_size"`
	Created        time.Time `json:"created"`
	Type           string    `json:"type,omitempty"`
	Date           string    `json:"date,omitempty"`
	Source         string    `json:"source,omitempty"`
	Comment        string    `json:"comment,omitempty"`
	FileName       string    `json:"file_name,omitempty"`
	MediaType      string    `json:"media_type,omitempty"`
	Replaces       string    `json:"replaces,omitempty"`
	Version        int64     `json:"version,omitempty"`
	// Problem is the reason of a version chain the server bent (the
	// sealed replaces is the one shown).
	Problem string `json:"problem,omitempty"`
}

func lsCmd(e *env) *cobra.Command {
	var category string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [--category C]",
		Short: e.Tr("Dokumente auflisten (auf diesem Gerät entschlüsselt)", "List documents (decrypted on this device)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, op, rec, err := e.openForRead(cmd.Context())
			if err != nil {
				return err
			}
			its, err := c.Items(cmd.Context(), category)
			if err != nil {
				return e.authErr(st, err)
			}
			out := make([]listed, 0, len(its))
			metas := map[string]core.Meta{}
			for _, it := range its {
				if category != "" {
					if err := core.Expect("category", category, it.Category); err != nil {
						return err
					}
				}
				if rec == nil && it.KeyVersion == 0 {
					continue // added through the inbox: only the patient opens it
				}
				_, m, err := op.OpenItem(it)
				if err != nil && rec == nil { // a grantee lacks the key (hidden while it was made): said, not fatal
					reason, _ := akte.ReasonOf(err)
					out = append(out, listed{ID: it.ID, Category: it.Category, Created: it.CreatedAt, Problem: reason})
					continue
				}
				if err != nil {
					return err
				}
				metas[it.ID] = m
				if m.Entry != "" || m.Profile != "" {
					continue // structured entries and the profile: akte entry ls, akte services ls
				}
				out = append(out, listed{ID: it.ID, Title: m.Title, Category: it.Category, Size: m.Size, CiphertextSize: it.Size, Created: it.CreatedAt,
					Type: m.Type, Date: m.Date, Source: m.Source, Comment: m.Comment, FileName: m.FileName, MediaType: m.MediaType,
					Replaces: core.VerifiedReplaces(it, m), Version: m.Version})
			}
			problems := core.ChainProblems(its, metas)
			defer e.save(st)             // the manifest counter seen (best effort)
			var mproblems []core.Problem // the owner's manifest; a grantee has none
			if rec != nil {
				mproblems, err = c.CheckManifest(cmd.Context(), rec, &st.Seen, its, metas, category)
			}
			if err != nil {
				return e.authErr(st, err)
			}
			var all []core.Problem // the chain's first
			index := map[string]int{}
			for i, l := range out {
				index[l.ID] = i
				if err := problems[l.ID]; err != nil {
					all = append(all, core.Problem{ID: l.ID, Err: err})
				}
			}
			// On the listed item's row, else a row with only the id, or none.
			for _, p := range append(all, mproblems...) {
				i, ok := index[p.ID]
				if !ok {
					i, out = len(out), append(out, listed{ID: p.ID})
				}
				if out[i].Problem == "" {
					out[i].Problem, _ = akte.ReasonOf(p.Err)
					fmt.Fprintln(e.Stderr, e.Tr("Warnung:", "Warning:"), e.Message(p.Err))
				}
			}
			if asJSON {
				return e.PrintJSON(out)
			}
			w := tabwriter.NewWriter(e.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, e.Tr("ID\tKATEGORIE\tDATUM\tGRÖSSE\tTITEL\t", "ID\tCATEGORY\tDATE\tSIZE\tTITLE\t"))
			for _, l := range out {
				if l.Created.IsZero() {
					continue // not listed (withheld, or the whole list): said on standard error
				}
				d := l.Date
				if d == "" {
					d = l.Created.Local().Format("2006-01-02")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", l.ID, l.Category, d, catalog.Bytes(e.Lang, l.Size), l.Title)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&category, "category", "", e.Tr("nur diese Kategorie", "only this category"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

// openItem fetches an item and opens its key and metadata.
func (e *env) openItem(ctx context.Context, st *client.State, c *client.API, rec itemOpener, id string) (*wire.Item, []byte, core.Meta, error) {
	it, err := c.Item(ctx, id)
	if err != nil {
		return nil, nil, core.Meta{}, e.authErr(st, err)
	}
	// Item B opens as well as A (both are the user's): only the id tells
	// that the server answered another question.
	if err := core.Expect("item", id, it.ID); err != nil {
		return nil, nil, core.Meta{}, err
	}
	key, m, err := rec.OpenItem(*it)
	return it, key, m, err
}

func getCmd(e *env) *cobra.Command {
	var output string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get ID [-o FILE|DIR]",
		Short: e.Tr("Dokument herunterladen und entschlüsseln (-o - für die Standardausgabe)", "Download and decrypt a document (-o - for standard output)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, c, op, _, err := e.openForRead(ctx)
			if err != nil {
				return err
			}
			it, key, m, err := e.openItem(ctx, st, c, op, args[0])
			if err != nil {
				return err
			}
			var t client.Transfer
			if b := e.bar(it.Size, m.Title); b != nil {
				t.Progress = func(n int64) { b.Set64(n) }
				defer b.Finish()
			}
			if m.MediaType == dicom.StudyMediaType && output != "-" {
				return e.getStudy(ctx, c, it, key, m, output, t, asJSON)
			}
			if output == "-" {
				if asJSON {
					return cli.Fail(akte.KindInvalid, "json_with_stdout", nil)
				}
				return c.Download(ctx, it, key, m, e.Stdout, t)
			}
			if output == "" {
				output = filepath.Base(m.FileName)
				if output == "" || output == "." || output == "/" {
					output = it.ID
				}
				if _, err := os.Stat(output); err == nil {
					return cli.Fail(akte.KindConflict, "file_exists", map[string]any{"file": output})
				}
			}
			// Plaintext reaches the named file only after the whole
			// stream verified.
			tmp, err := os.CreateTemp(filepath.Dir(output), ".akte-get-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			if err := c.Download(ctx, it, key, m, tmp, t); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), output); err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"id": it.ID, "file": output, "title": m.Title, "size": m.Size})
			}
			fmt.Fprintf(e.Stderr, "%s\n", output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", e.Tr("Zieldatei (Standard: ursprünglicher Dateiname; - für die Standardausgabe)",
		"file to write (default: the original file name; - for standard output)"))
	cmd.Flags().BoolVar(&asJSON, "json", false, e.Tr("Ausgabe als JSON (id, file, title, size)", "JSON output (id, file, title, size)"))
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

func editCmd(e *env) *cobra.Command {
	var m core.Meta
	var category string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "edit ID [--title T] [--date YYYY-MM-DD] [--source S] [--comment C] [--category C]",
		Short: e.Tr("Angaben zu einem Dokument ändern (ohne es neu hochzuladen)", "Change the details of a document (without uploading it again)"),
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if !slices.ContainsFunc([]string{"title", "type", "date", "source", "comment", "category"}, f.Changed) {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--title, --date, --source, --comment, --category"})
			}
			if _, err := time.Parse("2006-01-02", m.Date); m.Date != "" && err != nil {
				return cli.Fail(akte.KindInvalid, "date_format", map[string]any{"flag": "--date"})
			}
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st) // the manifest counters seen (best effort)
			if category != "" {
				if err := c.RotateIfNeeded(cmd.Context(), rec, category); err != nil {
					return e.authErr(st, err)
				}
			}
			// Only the named flags change the description.
			it, got, err := c.Describe(cmd.Context(), rec, &st.Seen, args[0], func(old *core.Meta) {
				for name, dst := range old.Described() {
					if f.Changed(name) {
						*dst = *m.Described()[name]
					}
				}
			}, category)
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(listed{ID: it.ID, Title: got.Title, Category: it.Category, Size: got.Size, CiphertextSize: it.Size, Created: it.CreatedAt,
					Type: got.Type, Date: got.Date, Source: got.Source, Comment: got.Comment, FileName: got.FileName, MediaType: got.MediaType,
					Replaces: core.VerifiedReplaces(*it, got), Version: got.Version})
			}
			e.Printf(e.Tr("geändert: %s\n", "changed: %s\n"), it.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&m.Title, "title", "", e.Tr("neuer Titel", "new title"))
	f.StringVar(&m.Type, "type", "", e.Tr("Dokumenttyp, z. B. Laborbefund", "document type, e.g. lab report"))
	f.StringVar(&m.Date, "date", "", e.Tr("Datum des Befunds JJJJ-MM-TT (leer: keines)", "date of the finding YYYY-MM-DD (empty: none)"))
	f.StringVar(&m.Source, "source", "", e.Tr("Verfasser oder Praxis", "author or practice"))
	f.StringVar(&m.Comment, "comment", "", e.Tr("Notiz", "note"))
	f.StringVar(&category, "category", "", e.Tr("in diese Kategorie verschieben", "move to this category"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

func rmCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rm ID...",
		Short: e.Tr("Dokumente endgültig löschen", "Delete documents for good"),
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, _, rec, err := e.openRecord(cmd.Context())
			if err != nil {
				return err
			}
			defer e.save(st) // the manifest counters seen (best effort)
			for _, id := range args {
				if err := c.DeleteItemNoted(cmd.Context(), rec, &st.Seen, id); err != nil {
					return e.authErr(st, err)
				}
				if !asJSON {
					e.Printf(e.Tr("gelöscht: %s\n", "deleted: %s\n"), id)
				}
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"deleted": args})
			}
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}

func quotaCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "quota",
		Short: e.Tr("Speicherplatz anzeigen", "Show used and free space"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.recordSession(cmd.Context())
			if err != nil {
				return err
			}
			info, err := c.Record(cmd.Context())
			if err != nil {
				return e.authErr(st, err)
			}
			free := max(info.Quota-info.Used-info.Reserved, 0)
			if asJSON {
				return e.PrintJSON(map[string]any{"quota": info.Quota, "used": info.Used, "reserved": info.Reserved, "free": free, "categories": info.Categories})
			}
			b := func(n int64) string { return catalog.Bytes(e.Lang, n) }
			e.Printf(e.Tr("Belegt:      %s\nReserviert:  %s\nFrei:        %s\nKontingent:  %s\n", "Used:      %s\nReserved:  %s\nFree:      %s\nQuota:     %s\n"),
				b(info.Used), b(info.Reserved), b(free), b(info.Quota))
			return nil
		},
	}
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
