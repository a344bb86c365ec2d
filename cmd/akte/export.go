package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/archive"
	"github.com/akte/akte/client"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/seal"
)

func exportCmd(e *env) *cobra.Command {
	var out string
	var unencrypted, passStdin, asJSON bool
	cmd := &cobra.Command{
		Use:   "export --out FILE [--unencrypted]",
		Short: e.Tr("Die ganze Akte als Archiv speichern (FHIR R4, Originaldateien, Protokoll, PDF-Bericht), mit Passphrase verschlüsselt", "Save the whole record as an archive (FHIR R4, original files, protocol, PDF report), encrypted with a passphrase"),
		Long: e.Tr("Schreibt ein ZIP-Archiv, standardmäßig mit age und einer Passphrase verschlüsselt (entschlüsseln: age -d DATEI > akte.zip).\n"+
			"Die Passphrase kommt aus AKTE_EXPORT_PASSPHRASE, mit --passphrase-stdin aus der Standardeingabe oder aus einer Abfrage.",
			"Writes a ZIP archive, by default encrypted with age and a passphrase (decrypt: age -d FILE > record.zip).\n"+
				"The passphrase comes from AKTE_EXPORT_PASSPHRASE, with --passphrase-stdin from standard input, or from a prompt."),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var recipient age.Recipient
			if unencrypted {
				fmt.Fprintln(e.Stderr, e.Tr("Achtung: Das Archiv wird unverschlüsselt geschrieben. Wer die Datei hat, liest Ihre Gesundheitsdaten.",
					"Careful: the archive is written unencrypted. Whoever has the file reads your health data."))
			} else {
				pass, err := e.secrets(passStdin).get(e.Tr("Passphrase für das Archiv", "Passphrase for the archive"), "AKTE_EXPORT_PASSPHRASE", true)
				if err != nil {
					return err
				}
				// archive.Recipient: at least 12 characters, scrypt at work
				// factor 2^16 (decision 0039), as the web app encrypts.
				if recipient, err = archive.Recipient(pass); err != nil {
					return err
				}
			}
			// The archive's file and key come first: scrypt's 64 MiB then
			// meet the smallest process (peak RSS, docs/benchmarks.md).
			f, err := createExport(out, recipient)
			if err != nil {
				return err
			}
			defer f.abort()
			st, c, _, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			acc, err := c.Account(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			docs, entries, err := c.ExportDocuments(ctx, rec, &st.Seen, e.Lang)
			if err != nil {
				return e.authErr(st, err)
			}
			e.save(st)
			_, x, err := e.verifiedProtocol(cmd)
			if err != nil {
				return err
			}
			r := archive.Record{AccountID: acc.AccountID, KVNR: acc.KVNR, BirthDate: acc.BirthDate, Documents: docs, Entries: entries, Protocol: &x, Lang: e.Lang, Now: time.Now()}
			res, err := e.writeArchive(cmd, f, r)
			if err != nil {
				return err
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"file": out, "encrypted": recipient != nil, "documents": res.Documents, "entries": len(entries), "bytes": res.Bytes, "files": len(res.Files)})
			}
			fmt.Fprintf(e.Stderr, e.Tr("%d Dokumente nach %s geschrieben.\n", "%d documents written to %s.\n"), res.Documents, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", e.Tr("Zieldatei", "output file"))
	f.BoolVar(&unencrypted, "unencrypted", false, e.Tr("ohne Verschlüsselung (nicht empfohlen)", "without encryption (not recommended)"))
	f.BoolVar(&passStdin, "passphrase-stdin", false, e.Tr("Passphrase aus der Standardeingabe lesen", "read the passphrase from standard input"))
	e.jsonFlag(cmd, &asJSON)
	cli.Required(cmd, "out")
	return cmd
}

// exportFile is an archive being written: a temporary file next to out,
// behind age when encrypted; commit renames it to out.
type exportFile struct {
	tmp *os.File
	w   io.WriteCloser
	out string
}

func createExport(out string, recipient age.Recipient) (*exportFile, error) {
	if _, err := os.Stat(out); err == nil {
		return nil, cli.Fail(akte.KindConflict, "file_exists", map[string]any{"file": out})
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".akte-export-*")
	if err != nil {
		return nil, err
	}
	f := &exportFile{tmp: tmp, w: nopWriteCloser{tmp}, out: out}
	if recipient != nil {
		// scrypt takes 64 MiB at once: before, what the process holds goes;
		// after, scrypt's own, so that the heap does not grow to twice that
		// while the documents stream.
		debug.FreeOSMemory()
		if f.w, err = archive.Encrypt(tmp, recipient); err != nil {
			f.abort()
			return nil, err
		}
		debug.FreeOSMemory()
	}
	return f, nil
}

// abort removes the temporary file unless commit renamed it.
func (f *exportFile) abort() {
	f.tmp.Close()
	os.Remove(f.tmp.Name())
}

func (f *exportFile) commit() error {
	if err := f.w.Close(); err != nil {
		return err
	}
	if err := f.tmp.Sync(); err != nil {
		return err
	}
	if err := f.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(f.tmp.Name(), f.out)
}

// writeArchive writes the record's archive into f and commits it.
func (e *env) writeArchive(cmd *cobra.Command, f *exportFile, r archive.Record) (*archive.Result, error) {
	var total int64
	for _, d := range r.Documents {
		total += d.Meta.Size
	}
	var progress func(int64)
	if b := e.bar(total, e.Tr("Export", "Export")); b != nil {
		progress = func(n int64) { b.Set64(n) }
		defer b.Finish()
	}
	res, err := archive.Write(cmd.Context(), f.w, r, filepath.Dir(f.out), progress)
	if err != nil {
		return nil, err
	}
	return res, f.commit()
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

func importCmd(e *env) *cobra.Command {
	var passStdin, asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: e.Tr("Ein Archiv von akte export in diese Akte übernehmen (auch von einem anderen Server)", "Bring an archive of akte export into this record (also from another server)"),
		Long: e.Tr("Prüft das ganze Archiv, bevor etwas hochgeladen wird; was die Akte schon enthält, wird übersprungen, ein zweiter Aufruf fügt nichts hinzu.\n"+
			"Die Passphrase eines verschlüsselten Archivs kommt aus AKTE_EXPORT_PASSPHRASE, mit --passphrase-stdin aus der Standardeingabe oder aus einer Abfrage.",
			"Checks the whole archive before anything is uploaded; what the record holds already is skipped, a second run adds nothing.\n"+
				"The passphrase of an encrypted archive comes from AKTE_EXPORT_PASSPHRASE, with --passphrase-stdin from standard input, or from a prompt."),
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, err := os.Open(args[0])
			if err != nil {
				return cli.Fail(akte.KindNotFound, "file_unreadable", map[string]any{"file": args[0]})
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			var r io.ReaderAt = f
			size := fi.Size()
			if archive.IsEncrypted(f) {
				pass, err := e.secrets(passStdin).get(e.Tr("Passphrase des Archivs", "Passphrase of the archive"), "AKTE_EXPORT_PASSPHRASE", false)
				if err != nil {
					return err
				}
				if r, size, err = archive.Decrypt(f, size, pass); err != nil {
					return err
				}
			}
			a, err := archive.Read(r, size)
			if err != nil {
				return err
			}
			st, c, umk, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			defer e.save(st)
			plans, err := e.uploadPlans(umk)
			if err != nil {
				return err
			}
			res, err := c.ImportArchive(ctx, rec, a, plans, func(title string, size int64) client.Transfer {
				t := client.Transfer{Seen: &st.Seen, Notice: func(err error) { fmt.Fprintf(e.Stderr, "%s: %s\n", title, e.Message(err)) }}
				if b := e.bar(seal.CiphertextSize(size, seal.DefaultSegmentSize), title); b != nil {
					t.Progress = func(n int64) { b.Set64(n) }
				}
				return t
			})
			if err != nil {
				return e.authErr(st, err)
			}
			if asJSON {
				return e.PrintJSON(map[string]any{"documents": len(a.Documents), "entries": len(a.Entries), "added": res.Added, "skipped": res.Skipped})
			}
			fmt.Fprintf(e.Stderr, e.Tr("%d Dokumente übernommen, %d schon vorhanden.\n", "%d documents added, %d already there.\n"), len(res.Added), res.Skipped)
			return nil
		},
	}
	cmd.Flags().BoolVar(&passStdin, "passphrase-stdin", false, e.Tr("Passphrase aus der Standardeingabe lesen", "read the passphrase from standard input"))
	e.jsonFlag(cmd, &asJSON)
	return cmd
}
