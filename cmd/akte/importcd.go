package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// importedStudy is one line of `akte import-cd --json`.
type importedStudy struct {
	ID        string `json:"id"`
	StudyUID  string `json:"study_uid"`
	Title     string `json:"title"`
	Date      string `json:"date,omitempty"`
	Series    int    `json:"series"`
	Instances int    `json:"instances"`
	Size      int64  `json:"size"`
}

func importCDCmd(e *env) *cobra.Command {
	var category, name string
	var yes, otherPatient, asJSON bool
	cmd := &cobra.Command{
		Use:   "import-cd PATH [--yes] [--category images]",
		Short: e.Tr("Bilder einer Patienten-CD (Ordner oder ZIP) verschlüsselt hochladen, eine Untersuchung je Dokument", "Encrypt and upload the images of a patient CD (folder or ZIP), one item per study"),
		Long: e.Tr("Findet die Untersuchungen auf einer CD, einem Ordner oder in einer ZIP-Datei (mit oder ohne DICOMDIR), zeigt eine Übersicht und fragt vor dem Hochladen.\n"+
			"Ein abgebrochener Import geht beim erneuten Aufruf weiter.",
			"Finds the studies on a CD, in a folder or a ZIP file (with or without DICOMDIR), shows a summary and asks before uploading.\n"+
				"An interrupted import goes on when the same command is run again."),
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			abs, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			lim := dicom.DefaultLimits()
			fsys, closer, err := dicom.OpenSource(abs, lim)
			if err != nil {
				return err
			}
			defer closer.Close()
			res, err := dicom.Scan(ctx, fsys, lim)
			if err != nil {
				return err
			}
			st, c, umk, rec, err := e.openRecord(ctx)
			if err != nil {
				return err
			}
			defer e.save(st)
			acc, err := c.Account(ctx)
			if err != nil {
				return e.authErr(st, err)
			}
			mismatch := e.printCD(res, name, acc.BirthDate)
			if len(res.Studies) == 0 {
				return cli.Fail(akte.KindInvalid, "dicom_no_studies", nil)
			}
			if mismatch && !otherPatient {
				if err := e.confirmWord(e.Tr("ANDERE PERSON", "OTHER PERSON"), "dicom_other_patient"); err != nil {
					return err
				}
			}
			if !yes {
				if err := e.confirmWord(e.Tr("ja", "yes"), "import_not_confirmed"); err != nil {
					return err
				}
			}
			plans, err := e.uploadPlans(umk)
			if err != nil {
				return err
			}
			var done []importedStudy
			for _, s := range res.Studies {
				out, err := e.uploadStudy(cmd, st, c, rec, plans, abs, category, s)
				if err != nil {
					return e.authErr(st, err)
				}
				done = append(done, out)
				if !asJSON {
					e.Printf("%s\n", out.ID)
				}
			}
			if asJSON {
				return e.PrintJSON(done)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&category, "category", "images", e.Tr("Kategorie (Standard: images)", "category (default: images)"))
	f.StringVar(&name, "name", "", e.Tr("Ihr Name, um ihn mit dem Patientennamen der CD zu vergleichen", "your name, to compare with the CD's patient name"))
	f.BoolVar(&yes, "yes", false, e.Tr("ohne Rückfrage hochladen (für Skripte)", "upload without asking (for scripts)"))
	f.BoolVar(&otherPatient, "other-patient", false, e.Tr("auch hochladen, wenn die CD einer anderen Person zu gehören scheint", "upload even if the CD seems to be another person's"))
	e.jsonFlag(cmd, &asJSON)
	e.stdinFlag(cmd, &e.pwStdin)
	return cmd
}

// printCD writes the scan's summary to standard error and reports whether
// a study seems to be of another person than the record holder.
func (e *env) printCD(res *dicom.Result, name, birthDate string) (mismatch bool) {
	w := e.Stderr
	for i, s := range res.Studies {
		check := dicom.ComparePatient(s.Patient, name, birthDate)
		fmt.Fprintf(w, e.Tr("Untersuchung %d: %s, %s, %s\n", "Study %d: %s, %s, %s\n"), i+1, studyTitle(s), dicom.NormDate(s.Date), strings.Join(s.Modalities, "/"))
		if s.Institution != "" {
			fmt.Fprintf(w, "  %s\n", s.Institution)
		}
		fmt.Fprintf(w, e.Tr("  %d Serien, %d Bilder, %s\n", "  %d series, %d images, %s\n"), len(s.Series), s.Instances, catalog.Bytes(e.Lang, s.Size))
		fmt.Fprintf(w, e.Tr("  Patient: %s, geboren %s (Name: %s, Geburtsdatum: %s)\n", "  Patient: %s, born %s (name: %s, birth date: %s)\n"),
			dicom.FormatName(s.Patient.Name), dicom.NormDate(s.Patient.BirthDate), e.matchWord(check.Name), e.matchWord(check.BirthDate))
		if check.Mismatch() || s.PatientMismatch {
			mismatch = true
			fmt.Fprintln(w, e.Tr("  Achtung: Diese Untersuchung scheint zu einer anderen Person zu gehören.", "  Careful: this study seems to be another person's."))
		}
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(w, e.Tr("Nicht importiert (%d Dateien):\n", "Not imported (%d files):\n"), len(res.Skipped))
		for _, s := range res.Skipped {
			fmt.Fprintf(w, "  %s: %s\n", s.Path, e.skipReason(s.Reason))
		}
	}
	return mismatch
}

func studyTitle(s *dicom.Study) string {
	if s.Description != "" {
		return s.Description
	}
	return strings.Join(s.Modalities, "/") + " " + dicom.NormDate(s.Date)
}

func (e *env) matchWord(m dicom.Match) string {
	switch m {
	case dicom.MatchYes:
		return e.Tr("stimmt überein", "matches")
	case dicom.MatchNo:
		return e.Tr("weicht ab", "differs")
	}
	return e.Tr("nicht prüfbar", "cannot be checked")
}

// skipReason says why a file was not imported (docs/dicom.md §1).
func (e *env) skipReason(r string) string {
	switch r {
	case dicom.SkipProgram:
		return e.Tr("Programm (Bildbetrachter)", "program (image viewer)")
	case dicom.SkipAutorun:
		return e.Tr("Autostart-Datei", "autorun file")
	case dicom.SkipPicture:
		return e.Tr("Bild oder Logo, kein DICOM", "picture or logo, not DICOM")
	case dicom.SkipDocument:
		return e.Tr("Dokument, kein DICOM", "document, not DICOM")
	case dicom.SkipArchive:
		return e.Tr("Archiv", "archive")
	case dicom.SkipDuplicate:
		return e.Tr("doppelt vorhanden", "duplicate")
	case dicom.SkipMalformed:
		return e.Tr("beschädigtes DICOM", "damaged DICOM")
	case dicom.SkipEmpty:
		return e.Tr("leer", "empty")
	}
	return e.Tr("kein DICOM oder nicht lesbar", "not DICOM or not readable") + " (" + r + ")"
}

// confirmWord asks on the terminal for word; without a terminal the
// command fails with reason (the flag that says yes is the way for scripts).
func (e *env) confirmWord(word, reason string) error {
	if _, tty := e.stdinTerminal(); !tty || e.pwStdin {
		return cli.Fail(akte.KindInvalid, reason, nil)
	}
	fmt.Fprintf(e.Stderr, e.Tr("Tippen Sie %s, um fortzufahren: ", "Type %s to go on: "), word)
	l, _ := bufio.NewReader(e.Stdin).ReadString('\n')
	if !strings.EqualFold(strings.TrimSpace(l), word) {
		return cli.Fail(akte.KindInvalid, reason, nil)
	}
	return nil
}

// uploadStudy sends one study as an item; the plan of an interrupted
// import is found again by the source's path and the study's UID.
func (e *env) uploadStudy(cmd *cobra.Command, st *client.State, c *client.API, rec *core.Record, plans client.Plans, src, category string, s *dicom.Study) (importedStudy, error) {
	item, err := dicom.NewStudyItem(s)
	if err != nil {
		return importedStudy{}, err
	}
	m := core.Meta{Title: studyTitle(s), Type: "DICOM " + strings.Join(s.Modalities, "/"), Date: dicom.NormDate(s.Date),
		Source: s.Institution, MediaType: dicom.StudyMediaType}
	f := client.File{Key: strings.Join([]string{"import-cd", src, s.UID, category}, "\x00"), Size: item.Size(), Open: item.Open}
	t := client.Transfer{Notice: func(err error) { fmt.Fprintf(e.Stderr, "%s: %s\n", m.Title, e.Message(err)) }, Seen: &st.Seen}
	if b := e.bar(seal.CiphertextSize(item.Size(), seal.DefaultSegmentSize), m.Title); b != nil {
		t.Progress = func(n int64) { b.Set64(n) }
		defer b.Finish()
	}
	it, err := c.Upload(cmd.Context(), rec, f, category, m, "", plans, t)
	if err != nil {
		return importedStudy{}, err
	}
	return importedStudy{ID: it.ID, StudyUID: s.UID, Title: m.Title, Date: m.Date, Series: len(s.Series), Instances: s.Instances, Size: s.Size}, nil
}

// getStudy writes a study item's instances as files under dir
// (DIR/<SeriesUID>/<SOPUID>.dcm). The content is first downloaded whole
// next to dir, where its digest is checked, then split into files.
func (e *env) getStudy(ctx context.Context, c *client.API, it *wire.Item, key []byte, m core.Meta, dir string, t client.Transfer, asJSON bool) error {
	if dir == "" {
		dir = it.ID
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return cli.Fail(akte.KindConflict, "file_exists", map[string]any{"file": dir})
	}
	tmp, err := os.CreateTemp(filepath.Dir(filepath.Clean(dir)), ".akte-get-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := c.Download(ctx, it, key, m, tmp, t); err != nil {
		return err
	}
	man, files, err := dicom.WriteStudyFiles(ctx, tmp, m.Size, dir)
	if err != nil {
		return err
	}
	if asJSON {
		return e.PrintJSON(map[string]any{"id": it.ID, "dir": dir, "title": m.Title, "instances": man.Instances(), "files": files})
	}
	fmt.Fprintf(e.Stderr, e.Tr("%s: %d Bilder\n", "%s: %d images\n"), dir, man.Instances())
	return nil
}
