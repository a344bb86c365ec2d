package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// openRecord loads the session, the user master key and the opened record.
func (e *env) openRecord(ctx context.Context) (*state, *client.API, []byte, *client.Record, error) {
	st, c, err := e.session()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	umk, _, err := e.unlockUMK(ctx, st, c)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var info wire.Record
	if err := c.Do(ctx, "GET", "/api/v1/record", nil, &info); err != nil {
		return nil, nil, nil, nil, e.authErr(st, err)
	}
	rec, err := client.OpenRecord(umk, info)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if err := e.checkKeyVersions(st, rec); err != nil {
		return nil, nil, nil, nil, err
	}
	return st, c, umk, rec, nil
}

// bar returns a progress bar on stderr if stderr is a terminal, else nil.
func (e *env) bar(total int64, what string) *progressbar.ProgressBar {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription(what), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
}

// transfer returns the transfer settings; AKTE_RETRIES sets how often a
// failed request is retried (default 8, about 10 s in all).
func (e *env) transfer() client.Transfer {
	var t client.Transfer
	fmt.Sscanf(e.getenv("AKTE_RETRIES"), "%d", &t.Retries)
	return t
}

// expandFiles turns the arguments into files: a folder stands for the
// regular files in it and its subfolders, in name order.
func expandFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if !fi.IsDir() {
			out = append(out, a)
			continue
		}
		var in []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				in = append(in, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(in)
		out = append(out, in...)
	}
	return out, nil
}

// resumeFile is what AKTE_HOME/uploads/KEY.json keeps of an unfinished
// upload. The item key and stream seed are sealed under the user master
// key, so the file is useless without the account.
type resumeFile struct {
	Path    string      `json:"path"`
	Size    int64       `json:"size"`
	ModTime time.Time   `json:"mod_time"`
	Plan    client.Plan `json:"plan"`
	Secret  []byte      `json:"secret"`
}

func resumeAAD(id string) []byte { return []byte("akte v1 cli upload " + id) }

func resumePath(e *env, parts ...string) (string, error) {
	h, err := homeDir(e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return filepath.Join(h, "uploads", hex.EncodeToString(sum[:16])+".json"), nil
}

func saveResume(path string, r *resumeFile, umk []byte, plan *client.Plan) error {
	r.Plan = *plan
	r.Plan.Key, r.Plan.Seed = nil, nil
	if r.Secret == nil {
		s, err := seal.SealSmall(umk, resumeAAD(plan.Request.ID), append(append([]byte{}, plan.Key...), plan.Seed...))
		if err != nil {
			return err
		}
		r.Secret = s
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadResume returns the saved plan for the file if the file is unchanged.
func loadResume(path string, fi os.FileInfo, abs string, umk []byte) (*resumeFile, *client.Plan) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil
	}
	var r resumeFile
	if json.Unmarshal(b, &r) != nil || r.Path != abs || r.Size != fi.Size() || !r.ModTime.Equal(fi.ModTime()) {
		return nil, nil
	}
	sec, err := seal.OpenSmall(umk, resumeAAD(r.Plan.Request.ID), r.Secret)
	if err != nil || len(sec) != seal.KeySize+seal.StreamRandomSize {
		return nil, nil
	}
	p := r.Plan
	p.Key, p.Seed = sec[:seal.KeySize], sec[seal.KeySize:]
	return &r, &p
}

func uploadCmd(e *env) *cobra.Command {
	var category, title, date, source, comment, docType, replaces string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "upload FILE... --category C [--title T] [--date YYYY-MM-DD] [--source S] [--comment C] [--replaces ID]",
		Short: "Dokumente verschlüsselt hochladen / encrypt and upload documents (a folder uploads its files)",
		Long: "Lädt Dateien verschlüsselt hoch; Titel, Datum, Quelle und Kommentar werden auf diesem Gerät verschlüsselt.\n" +
			"Ein abgebrochenes Hochladen wird beim erneuten Aufruf mit denselben Angaben fortgesetzt.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if date != "" {
				if _, err := time.Parse("2006-01-02", date); err != nil {
					return akte.E("upload", akte.KindInvalid, "--date muss die Form JJJJ-MM-TT haben.", nil)
				}
			}
			files, err := expandFiles(args)
			if err != nil {
				return err
			}
			if len(files) > 1 && replaces != "" {
				return akte.E("upload", akte.KindInvalid, "--replaces geht nur mit einer Datei.", nil)
			}
			st, c, umk, rec, err := e.openRecord(ctx)
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
				it, t, err := e.uploadOne(ctx, c, umk, rec, f, category, title, docType, date, source, comment, replaces)
				if err != nil {
					return e.authErr(st, fmt.Errorf("%s: %w", f, err))
				}
				done = append(done, out{ID: it.ID, File: f, Title: t})
				if !asJSON {
					e.printf("%s\n", it.ID)
				}
			}
			if asJSON {
				return e.printJSON(done)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&category, "category", "", "Kategorie, z. B. findings, letters, private (siehe akte quota --json)")
	f.StringVar(&title, "title", "", "Titel (Standard: Dateiname)")
	f.StringVar(&docType, "type", "", "Dokumenttyp, z. B. Laborbefund")
	f.StringVar(&date, "date", "", "Datum des Dokuments JJJJ-MM-TT")
	f.StringVar(&source, "source", "", "Quelle oder Verfasser")
	f.StringVar(&comment, "comment", "", "Kommentar")
	f.StringVar(&replaces, "replaces", "", "neue Version des Dokuments mit dieser Kennung")
	f.BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	cmd.MarkFlagRequired("category")
	return cmd
}

func (e *env) uploadOne(ctx context.Context, c *client.API, umk []byte, rec *client.Record, path, category, title, docType, date, source, comment, replaces string) (*wire.Item, string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, "", err
	}
	if title == "" {
		title = filepath.Base(path)
	}
	rpath, err := resumePath(e, abs, category, title, docType, date, source, comment, replaces)
	if err != nil {
		return nil, "", err
	}
	rf, plan := loadResume(rpath, fi, abs, umk)
	if plan == nil {
		m := client.Meta{Title: title, Type: docType, Date: date, Source: source, Comment: comment,
			FileName: filepath.Base(path), MediaType: mediaType(abs), Size: fi.Size()}
		ni, err := rec.NewItem(category, m)
		if err != nil {
			return nil, "", err
		}
		plan = client.NewPlan(ni, fi.Size(), replaces)
		rf = &resumeFile{Path: abs, Size: fi.Size(), ModTime: fi.ModTime()}
		if err := saveResume(rpath, rf, umk, plan); err != nil {
			return nil, "", fmt.Errorf("save upload state: %w", err)
		}
	}
	t := e.transfer()
	t.Acked = func(p *client.Plan) { saveResume(rpath, rf, umk, p) }
	if b := e.bar(plan.Request.Size, filepath.Base(path)); b != nil {
		t.Progress = func(n int64) { b.Set64(n) }
		defer b.Finish()
	}
	it, err := c.Upload(ctx, plan, func() (io.ReadCloser, error) { return os.Open(abs) }, t)
	if err != nil {
		if akte.Is(err, akte.KindConflict) || akte.Is(err, akte.KindQuota) || akte.Is(err, akte.KindInvalid) {
			// This plan can never succeed: start afresh next time.
			os.Remove(rpath)
		}
		return nil, "", err
	}
	os.Remove(rpath)
	return it, title, nil
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
}

func lsCmd(e *env) *cobra.Command {
	var category string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls [--category C]",
		Short: "Dokumente auflisten (auf diesem Gerät entschlüsselt) / list documents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, c, _, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			var its []wire.Item
			path := "/api/v1/items"
			if category != "" {
				path += "?category=" + pathEscape(category)
			}
			if err := c.Do(ctx, "GET", path, nil, &its); err != nil {
				return e.authErr(st, err)
			}
			out := make([]listed, 0, len(its))
			for _, it := range its {
				if category != "" {
					if err := client.Expect("category", category, it.Category); err != nil {
						return err
					}
				}
				_, m, err := rec.OpenItem(it)
				if err != nil {
					return err
				}
				out = append(out, listed{ID: it.ID, Title: m.Title, Category: it.Category, Size: m.Size, CiphertextSize: it.Size, Created: it.CreatedAt,
					Type: m.Type, Date: m.Date, Source: m.Source, Comment: m.Comment, FileName: m.FileName, MediaType: m.MediaType, Replaces: it.Replaces})
			}
			if asJSON {
				return e.printJSON(out)
			}
			w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKATEGORIE\tDATUM\tGRÖSSE\tTITEL\t")
			for _, l := range out {
				d := l.Date
				if d == "" {
					d = l.Created.Local().Format("2006-01-02")
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t\n", l.ID, l.Category, d, service.FormatBytes(l.Size), l.Title)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&category, "category", "", "nur diese Kategorie")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func getCmd(e *env) *cobra.Command {
	var output string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "get ID [-o FILE]",
		Short: "Dokument herunterladen und entschlüsseln / download and decrypt a document (-o - for stdout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, c, _, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			var it wire.Item
			if err := c.Do(ctx, "GET", "/api/v1/items/"+pathEscape(args[0]), nil, &it); err != nil {
				return e.authErr(st, err)
			}
			// Item B opens as well as A (both are the user's): only the
			// id tells that the server answered another question.
			if err := client.Expect("item", args[0], it.ID); err != nil {
				return err
			}
			key, m, err := rec.OpenItem(it)
			if err != nil {
				return err
			}
			t := e.transfer()
			if b := e.bar(it.Size, m.Title); b != nil {
				t.Progress = func(n int64) { b.Set64(n) }
				defer b.Finish()
			}
			if output == "-" {
				if asJSON {
					return fmt.Errorf("--json und -o - schließen sich aus: die Standardausgabe trägt das Dokument")
				}
				return c.Download(ctx, it.ID, key, e.stdout, t)
			}
			if output == "" {
				output = filepath.Base(m.FileName)
				if output == "" || output == "." || output == "/" {
					output = it.ID
				}
				if _, err := os.Stat(output); err == nil {
					return fmt.Errorf("%s existiert schon; mit -o FILE einen anderen Namen angeben", output)
				}
			}
			// Plaintext reaches the named file only after the whole
			// stream verified.
			tmp, err := os.CreateTemp(filepath.Dir(output), ".akte-get-*")
			if err != nil {
				return err
			}
			defer os.Remove(tmp.Name())
			if err := c.Download(ctx, it.ID, key, tmp, t); err != nil {
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
				fi, err := os.Stat(output)
				if err != nil {
					return err
				}
				return e.printJSON(map[string]any{"id": it.ID, "file": output, "title": m.Title, "size": fi.Size()})
			}
			fmt.Fprintf(e.stderr, "%s\n", output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Zieldatei (Standard: ursprünglicher Dateiname; - für die Standardausgabe)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON (id, file, title, size)")
	return cmd
}

func rmCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "rm ID...",
		Short: "Dokumente endgültig löschen / delete documents for good",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			for _, id := range args {
				if err := c.Do(cmd.Context(), "DELETE", "/api/v1/items/"+pathEscape(id), nil, nil); err != nil {
					return e.authErr(st, err)
				}
				if !asJSON {
					e.printf("gelöscht / deleted: %s\n", id)
				}
			}
			if asJSON {
				return e.printJSON(map[string]any{"deleted": args})
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

func quotaCmd(e *env) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "quota",
		Short: "Speicherplatz anzeigen / show used and free space",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, c, err := e.session()
			if err != nil {
				return err
			}
			var info wire.Record
			if err := c.Do(cmd.Context(), "GET", "/api/v1/record", nil, &info); err != nil {
				return e.authErr(st, err)
			}
			free := max(info.Quota-info.Used-info.Reserved, 0)
			if asJSON {
				return e.printJSON(map[string]any{"quota": info.Quota, "used": info.Used, "reserved": info.Reserved, "free": free, "categories": info.Categories})
			}
			e.printf("Belegt / used:     %s\nReserviert / reserved: %s\nFrei / free:       %s\nKontingent / quota: %s\n",
				service.FormatBytes(info.Used), service.FormatBytes(info.Reserved), service.FormatBytes(free), service.FormatBytes(info.Quota))
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "Ausgabe als JSON")
	return cmd
}

var errNoSize = errors.New("not a size")

// parseSize reads a size such as 1073741824, 500MB, 1GiB or 2G (G and GB
// are decimal, GiB binary).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s {
		return 0, errNoSize
	}
	return n * mult, nil
}
