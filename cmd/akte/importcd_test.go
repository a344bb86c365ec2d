package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/akte/akte/dicom/dicomtest"
)

// writeCD lays out a small patient CD: a synthetic CT under DICOM/, a
// viewer program, a logo and an autorun file. It returns the CD's folder
// and the instances' bytes by SOP instance UID.
func writeCD(t *testing.T, c dicomtest.CT) (string, map[string][]byte) {
	t.Helper()
	cd := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(cd, "DICOM", "ST1"), 0o755))
	paths, err := dicomtest.WriteCT(filepath.Join(cd, "DICOM", "ST1"), c)
	must(t, err)
	byUID := map[string][]byte{}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		must(t, err)
		byUID[dicomtest.UID(c.Seed, "instance "+strconv.Itoa(i))] = b
	}
	must(t, os.WriteFile(filepath.Join(cd, "VIEWER.EXE"), append([]byte("MZ"), make([]byte, 300)...), 0o644))
	must(t, os.WriteFile(filepath.Join(cd, "LOGO.PNG"), append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...), 0o644))
	must(t, os.WriteFile(filepath.Join(cd, "AUTORUN.INF"), []byte("[autorun]\nopen=VIEWER.EXE\n"), 0o644))
	return cd, byUID
}

// zipDir writes the folder's files into a ZIP file.
func zipDir(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "cd.zip")
	f, err := os.Create(out)
	must(t, err)
	zw := zip.NewWriter(f)
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		r, err := os.Open(p)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(w, r)
		return err
	}))
	must(t, zw.Close())
	must(t, f.Close())
	return out
}

// TestImportCD: a CD folder and the same CD as a ZIP become one study item
// each; the extras are listed as skipped; `akte get ID -o DIR` writes every
// instance back byte for byte; a CD of another person, or an import not
// confirmed, uploads nothing.
func TestImportCD(t *testing.T) {
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	alice := newUser(t, srv, "alice-cd@example.org")
	alice.register(testKVNR) // born 1980-04-01
	alice.login()

	// Another person's CD (born 1958) is refused without --other-patient,
	// and nothing is uploaded.
	other, _ := writeCD(t, dicomtest.CT{Slices: 3, Size: 32, Seed: "other", PatientName: "Müller^Jürgen", BirthDate: "19580321"})
	msg := alice.fails("import-cd", other, "--yes")
	if !says(msg, "dicom_other_patient", nil) || !strings.Contains(msg, "1958-03-21") || !strings.Contains(msg, "Geburtsdatum: weicht ab") {
		t.Errorf("another person's CD: %s", msg)
	}
	// Confirmed with --other-patient it is imported (and removed again,
	// so that the counts below are of the patient's own CD).
	var others []struct{ ID string }
	alice.okJSON(&others, "import-cd", other, "--yes", "--other-patient")
	if len(others) != 1 {
		t.Fatalf("another person's CD, confirmed: %+v", others)
	}
	alice.ok("rm", others[0].ID)
	// Not confirmed (no terminal, no --yes): nothing uploaded.
	cd, originals := writeCD(t, dicomtest.CT{Slices: 6, Size: 64, Seed: "alice", PatientName: "Beispiel^Alice", BirthDate: "19800401"})
	if msg := alice.fails("import-cd", cd); !says(msg, "import_not_confirmed", nil) {
		t.Errorf("unconfirmed import: %s", msg)
	}
	if items := alice.ls(); len(items) != 0 {
		t.Fatalf("refused imports left items: %+v", items)
	}

	for _, src := range []string{cd, zipDir(t, cd)} {
		out, errs, code := alice.run("", nil, "import-cd", src, "--yes", "--json")
		if code != 0 {
			t.Fatalf("import-cd %s: exit %d\n%s", src, code, errs)
		}
		var studies []struct {
			ID        string `json:"id"`
			StudyUID  string `json:"study_uid"`
			Instances int    `json:"instances"`
			Series    int    `json:"series"`
		}
		if err := jsonUnmarshal(out, &studies); err != nil || len(studies) != 1 || studies[0].Instances != 6 || studies[0].Series != 1 {
			t.Fatalf("import-cd --json: %v %s", err, out)
		}
		// The summary: description, date, modality, institution, counts,
		// size, and the patient checked against the record's.
		for _, want := range []string{"Untersuchung 1: CT Thorax, 2024-01-15, CT", "Radiologie Musterstadt", "1 Serien, 6 Bilder, ",
			"Patient: Alice Beispiel, geboren 1980-04-01", "Geburtsdatum: stimmt überein"} {
			if !strings.Contains(errs, want) {
				t.Errorf("the summary does not say %q:\n%s", want, errs)
			}
		}
		for _, name := range []string{"VIEWER.EXE", "LOGO.PNG", "AUTORUN.INF"} {
			if !strings.Contains(errs, name) {
				t.Errorf("%s not listed as skipped:\n%s", name, errs)
			}
		}
		dir := filepath.Join(t.TempDir(), "study")
		var got struct {
			Dir       string   `json:"dir"`
			Instances int      `json:"instances"`
			Files     []string `json:"files"`
		}
		alice.okJSON(&got, "get", studies[0].ID, "-o", dir)
		if got.Instances != 6 || len(got.Files) != 6 {
			t.Fatalf("get -o DIR: %+v", got)
		}
		series := dicomtest.UID("alice", "series")
		for uid, want := range originals {
			b, err := os.ReadFile(filepath.Join(dir, series, uid+".dcm"))
			if err != nil || !bytes.Equal(b, want) {
				t.Errorf("instance %s differs after the round trip (%v)", uid, err)
			}
		}
		// The directory is not written over.
		if msg := alice.fails("get", studies[0].ID, "-o", dir); !says(msg, "file_exists", map[string]any{"file": dir}) {
			t.Errorf("get into a full folder: %s", msg)
		}
	}
	if items := alice.ls(); len(items) != 2 || items[0].MediaType != "application/vnd.akte.dicom-study" || items[0].Category != "images" {
		t.Errorf("ls after two imports: %+v", items)
	}
}

// TestImportCDResume: an import cut off halfway goes on when the command
// is run again: only what is missing travels, no stored chunk is written
// again, and the study is the CD's, instance by instance.
func TestImportCDResume(t *testing.T) {
	const chunk = 1 << 20
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	alice := newUser(t, srv, "alice-resume@example.org")
	alice.register(testKVNR) // born 1980-04-01
	alice.login()
	// 24 slices of 512 × 512: 12.6 MB.
	cd, originals := writeCD(t, dicomtest.CT{Slices: 24, Size: 512, Seed: "resume", PatientName: "Beispiel^Alice", BirthDate: "19800401"})
	var size int64
	for _, b := range originals {
		size += int64(len(b))
	}
	px := newProxy(t, srv.URL)
	via := *alice
	via.srv = &server{t: t, URL: px.URL(), Data: srv.Data, remote: srv.remote}
	args := []string{"import-cd", cd, "--yes", "--json"}

	px.cutAt.Store(6 << 20)
	if _, errs, code := via.run("", []string{"AKTE_RETRIES=2"}, args...); code == 0 {
		t.Fatal("an import through a dead connection succeeded")
	} else {
		t.Logf("first attempt: %s", strings.TrimSpace(errs))
	}
	before := srv.chunkBlobs()
	if len(before) == 0 || int64(len(before)) >= size/chunk {
		t.Fatalf("%d chunks stored before the cut, want some but not all", len(before))
	}
	if items := alice.ls(); len(items) != 0 {
		t.Fatalf("a partial import is listed: %+v", items)
	}

	px.down.Store(false)
	sentBefore := px.sent.Load()
	out, errs, code := via.run("", nil, args...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	var studies []struct {
		ID        string `json:"id"`
		Instances int    `json:"instances"`
	}
	if err := jsonUnmarshal(out, &studies); err != nil || len(studies) != 1 || studies[0].Instances != 24 {
		t.Fatalf("resumed import-cd --json: %v %s", err, out)
	}
	resent := px.sent.Load() - sentBefore
	// The content is the manifest and the instances; slack for HTTP and
	// one chunk retried on a loaded machine.
	missing := size + 64<<10 - int64(len(before))*chunk
	if resent > missing+chunk+64<<10 {
		t.Errorf("resume sent %d bytes, but only about %d were missing", resent, missing)
	}
	after := srv.chunkBlobs()
	for k, b := range before {
		if after[k].ID != b.ID {
			t.Errorf("chunk %s was stored again", k)
		}
	}
	if items := alice.ls(); len(items) != 1 {
		t.Fatalf("ls after the resumed import: %+v", items)
	}
	dir := filepath.Join(t.TempDir(), "study")
	alice.ok("get", studies[0].ID, "-o", dir)
	series := dicomtest.UID("resume", "series")
	for uid, want := range originals {
		b, err := os.ReadFile(filepath.Join(dir, series, uid+".dcm"))
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("instance %s differs after the resumed import (%v)", uid, err)
		}
	}
	t.Logf("cut after %d chunks; the resume sent %d of %d bytes", len(before), resent, size)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
