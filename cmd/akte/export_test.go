package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/akte/akte/dicom/dicomtest"
	"github.com/akte/akte/internal/fhirschema"
	"github.com/akte/akte/internal/pdftest"
)

// readZip returns the archive's files by name.
func readZip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	must(t, err)
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		must(t, err)
		data, err := io.ReadAll(r)
		must(t, err)
		out[f.Name] = data
	}
	return out
}

// TestExport: `akte export` writes one archive, encrypted with age and a
// passphrase by default: every document byte for byte (a study as its
// instances, an older version too), a bundle valid against the FHIR R4
// schema that describes each, the verified protocol, and a report that
// renders and lists every document.
func TestExport(t *testing.T) {
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	alice := newUser(t, srv, "alice-export@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	letter := filepath.Join(dir, "Arztbrief Kardiologie.pdf")
	writeRandom(t, letter, 3<<20+17, 7)
	lab := filepath.Join(dir, "blutbild.txt")
	must(t, os.WriteFile(lab, []byte("Hämoglobin 14,1 g/dl\n"), 0o600))
	letterID := alice.upload(letter, "--category", "letters", "--title", "Arztbrief Kardiologie", "--date", "2024-03-02", "--source", "Dr. Weber")
	labID := alice.upload(lab, "--category", "findings", "--title", "Blutbild")
	lab2 := filepath.Join(dir, "blutbild-korrigiert.txt")
	must(t, os.WriteFile(lab2, []byte("Hämoglobin 14,2 g/dl\n"), 0o600))
	lab2ID := alice.upload(lab2, "--category", "findings", "--title", "Blutbild", "--replaces", labID)
	cd, originals := writeCD(t, dicomtest.CT{Slices: 3, Size: 32, Seed: "export", PatientName: "Beispiel^Alice", BirthDate: "19800401"})
	var studies []struct{ ID string }
	alice.okJSON(&studies, "import-cd", cd, "--yes")

	// Refusals first: a short passphrase, an existing file.
	out := filepath.Join(dir, "akte.zip.age")
	if _, errs, code := alice.run("", []string{"AKTE_EXPORT_PASSPHRASE=kurz"}, "export", "--out", out); code == 0 || !says(errs, "passphrase_too_short", map[string]any{"min": 12}) {
		t.Errorf("short passphrase: exit %d, %s", code, errs)
	}
	const pass = "Heckenrose-Abendlicht-7"
	stdout, errs, code := alice.run("", []string{"AKTE_EXPORT_PASSPHRASE=" + pass}, "export", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("export: exit %d\n%s", code, errs)
	}
	var res struct {
		File      string `json:"file"`
		Encrypted bool   `json:"encrypted"`
		Documents int    `json:"documents"`
	}
	must(t, json.Unmarshal([]byte(stdout), &res))
	if !res.Encrypted || res.Documents != 4 || res.File != out {
		t.Errorf("export --json: %s", stdout)
	}
	if _, errs, code := alice.run("", []string{"AKTE_EXPORT_PASSPHRASE=" + pass}, "export", "--out", out); code == 0 || !says(errs, "file_exists", map[string]any{"file": out}) {
		t.Errorf("export over a file: exit %d, %s", code, errs)
	}

	// age -d with the passphrase opens it; nothing else does.
	sealed, err := os.ReadFile(out)
	must(t, err)
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v", fi.Mode())
	}
	wrong, _ := age.NewScryptIdentity("Falsche-Passphrase-99")
	if _, err := age.Decrypt(bytes.NewReader(sealed), wrong); err == nil {
		t.Error("a wrong passphrase opened the archive")
	}
	id, err := age.NewScryptIdentity(pass)
	must(t, err)
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	must(t, err)
	plain, err := io.ReadAll(r)
	must(t, err)
	files := readZip(t, plain)

	same := func(name string, want []byte) {
		t.Helper()
		if got, ok := files[name]; !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: in the archive %v, equal %v", name, ok, bytes.Equal(got, want))
		}
	}
	read := func(p string) []byte { b, err := os.ReadFile(p); must(t, err); return b }
	same("files/"+letterID+"/Arztbrief Kardiologie.pdf", read(letter))
	same("files/"+labID+"/blutbild.txt", read(lab))
	same("files/"+lab2ID+"/blutbild-korrigiert.txt", read(lab2))
	series := dicomtest.UID("export", "series")
	for sop, b := range originals {
		same("files/"+studies[0].ID+"/"+series+"/"+sop+".dcm", b)
	}
	for _, name := range []string{"README.txt", "protocol/protokoll.pdf", "protocol/auditevents.json", "protocol/checkpoint.txt"} {
		if len(files[name]) == 0 {
			t.Errorf("%s missing", name)
		}
	}

	// The bundle: one Patient, a DocumentReference and a Provenance per
	// document; the new version relates to the one it replaces.
	var b struct {
		Entry []struct {
			Resource struct {
				ResourceType string `json:"resourceType"`
				ID           string `json:"id"`
				RelatesTo    []struct {
					Code string `json:"code"`
				} `json:"relatesTo"`
				Content []struct {
					Attachment struct{ URL string } `json:"attachment"`
				} `json:"content"`
			} `json:"resource"`
		} `json:"entry"`
	}
	must(t, json.Unmarshal(files["bundle.json"], &b))
	count := map[string]int{}
	for _, e := range b.Entry {
		count[e.Resource.ResourceType]++
		if e.Resource.ResourceType == "DocumentReference" {
			for _, c := range e.Resource.Content {
				if p, err := url.PathUnescape(c.Attachment.URL); err != nil || files[p] == nil {
					t.Errorf("attachment %s is not in the archive", c.Attachment.URL)
				}
			}
			if e.Resource.ID == lab2ID && (len(e.Resource.RelatesTo) != 1 || e.Resource.RelatesTo[0].Code != "replaces") {
				t.Errorf("the new version relates to %+v", e.Resource.RelatesTo)
			}
		}
	}
	if count["Patient"] != 1 || count["DocumentReference"] != 4 || count["Provenance"] != 4 {
		t.Errorf("bundle holds %v", count)
	}
	if os.Getenv(fhirschema.RequiredEnv) != "" || os.Getenv("AKTE_FHIR_SCHEMA") != "" {
		if err := fhirschema.New(t).Validate(files["bundle.json"]); err != nil {
			t.Errorf("bundle.json against the FHIR R4 schema: %v", err)
		}
	}
	if os.Getenv("AKTE_PDF_TESTS") != "" {
		text := pdftest.Text(t, files["report.pdf"])
		for _, want := range []string{"Export Ihrer Akte", "Arztbrief Kardiologie", "Blutbild", "CT Thorax", testKVNR} {
			if !strings.Contains(text, want) {
				t.Errorf("report.pdf does not say %q:\n%s", want, text)
			}
		}
		if pages := pdftest.Pages(t, files["report.pdf"], 50); len(pages) == 0 {
			t.Error("report.pdf has no page")
		}
	}

	// --unencrypted writes the ZIP itself, with a warning.
	plainOut := filepath.Join(dir, "akte.zip")
	_, errs, code = alice.run("", nil, "export", "--out", plainOut, "--unencrypted")
	if code != 0 || !strings.Contains(errs, "unverschlüsselt") && !strings.Contains(errs, "unencrypted") {
		t.Fatalf("export --unencrypted: exit %d, %s", code, errs)
	}
	if got := readZip(t, read(plainOut)); !bytes.Equal(got["files/"+letterID+"/Arztbrief Kardiologie.pdf"], read(letter)) {
		t.Error("the unencrypted archive lacks the letter")
	}
}

// TestImport: an archive goes into an account on another server: every
// document byte for byte, the version chain and the study kept; a second
// import adds nothing; a wrong passphrase, a truncated or an altered
// archive is refused and changes nothing.
func TestImport(t *testing.T) {
	one := startServer(t, "", nil)
	alice := newUser(t, one, "alice-import@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	letter := filepath.Join(dir, "Arztbrief.pdf")
	writeRandom(t, letter, 2<<20+5, 11)
	lab := filepath.Join(dir, "blutbild.txt")
	must(t, os.WriteFile(lab, []byte("Hämoglobin 14,1 g/dl\n"), 0o600))
	alice.upload(letter, "--category", "letters", "--title", "Arztbrief", "--comment", "nüchtern")
	labID := alice.upload(lab, "--category", "findings", "--title", "Blutbild")
	lab2 := filepath.Join(dir, "blutbild-2.txt")
	must(t, os.WriteFile(lab2, []byte("Hämoglobin 14,2 g/dl\n"), 0o600))
	alice.upload(lab2, "--category", "findings", "--title", "Blutbild", "--replaces", labID)
	cd, originals := writeCD(t, dicomtest.CT{Slices: 3, Size: 32, Seed: "import", PatientName: "Beispiel^Alice", BirthDate: "19800401"})
	alice.ok("import-cd", cd, "--yes")
	const pass = "Heckenrose-Abendlicht-7"
	sealed := filepath.Join(dir, "akte.zip.age")
	if _, errs, code := alice.run("", []string{"AKTE_EXPORT_PASSPHRASE=" + pass}, "export", "--out", sealed); code != 0 {
		t.Fatalf("export: %s", errs)
	}
	plain := filepath.Join(dir, "akte.zip")
	alice.ok("export", "--out", plain, "--unencrypted")

	two := startServer(t, "", nil)
	carol := newUser(t, two, "carol-import@example.org")
	carol.register("K220635158")
	carol.login()
	// Refused, nothing changed: a wrong passphrase, a cut archive, a
	// changed byte in a document.
	if _, errs, code := carol.run("", []string{"AKTE_EXPORT_PASSPHRASE=Falsche-Passphrase-1"}, "import", sealed); code == 0 || !says(errs, "passphrase_wrong", nil) {
		t.Errorf("wrong passphrase: exit %d, %s", code, errs)
	}
	b, err := os.ReadFile(plain)
	must(t, err)
	cut := filepath.Join(dir, "cut.zip")
	must(t, os.WriteFile(cut, b[:len(b)*2/3], 0o600))
	if errs := carol.fails("import", cut); !says(errs, "import_invalid", nil) {
		t.Errorf("cut archive: %s", errs)
	}
	letterBytes, err := os.ReadFile(letter)
	must(t, err)
	at := bytes.Index(b, letterBytes[:64])
	if at < 0 {
		t.Fatal("the letter is not stored in the ZIP")
	}
	altered := bytes.Clone(b)
	altered[at+1000] ^= 1
	bad := filepath.Join(dir, "altered.zip")
	must(t, os.WriteFile(bad, altered, 0o600))
	if errs := carol.fails("import", bad); !says(errs, "import_damaged", nil) {
		t.Errorf("altered archive: %s", errs)
	}
	if items := carol.ls(); len(items) != 0 {
		t.Fatalf("refused imports left %d items", len(items))
	}

	var res struct {
		Documents int      `json:"documents"`
		Added     []string `json:"added"`
		Skipped   int      `json:"skipped"`
	}
	stdout, errs, code := carol.run("", []string{"AKTE_EXPORT_PASSPHRASE=" + pass}, "import", sealed, "--json")
	if code != 0 {
		t.Fatalf("import: exit %d, %s", code, errs)
	}
	must(t, json.Unmarshal([]byte(stdout), &res))
	if res.Documents != 4 || len(res.Added) != 4 || res.Skipped != 0 {
		t.Fatalf("import --json: %s", stdout)
	}
	items := carol.ls()
	byTitle := map[string][]lsItem{}
	for _, it := range items {
		byTitle[it.Title] = append(byTitle[it.Title], it)
	}
	if len(items) != 4 || len(byTitle["Blutbild"]) != 2 || byTitle["Arztbrief"][0].Comment != "nüchtern" || byTitle["Arztbrief"][0].Category != "letters" {
		t.Fatalf("ls after the import: %+v", items)
	}
	for _, it := range byTitle["Blutbild"] {
		want := "Hämoglobin 14,1 g/dl\n"
		if it.Replaces != "" {
			want = "Hämoglobin 14,2 g/dl\n"
			if it.Version != 2 {
				t.Errorf("new version: %+v", it)
			}
		}
		if got := carol.ok("get", it.ID, "-o", "-"); got != want {
			t.Errorf("%s: %q, want %q", it.ID, got, want)
		}
	}
	out := filepath.Join(dir, "letter-back.pdf")
	carol.ok("get", byTitle["Arztbrief"][0].ID, "-o", out)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, letterBytes) {
		t.Error("the letter differs after export and import")
	}
	study := filepath.Join(dir, "study")
	carol.ok("get", byTitle["CT Thorax"][0].ID, "-o", study)
	for sop, want := range originals {
		if got, err := os.ReadFile(filepath.Join(study, dicomtest.UID("import", "series"), sop+".dcm")); err != nil || !bytes.Equal(got, want) {
			t.Errorf("instance %s differs after export and import (%v)", sop, err)
		}
	}

	// Again: nothing new.
	stdout, errs, code = carol.run("", nil, "import", plain, "--json")
	if code != 0 {
		t.Fatalf("second import: %s", errs)
	}
	must(t, json.Unmarshal([]byte(stdout), &res))
	if len(res.Added) != 0 || res.Skipped != 4 || len(carol.ls()) != 4 {
		t.Errorf("second import: %s", stdout)
	}
}

// TestAccountReport: `akte account report` says what the server stores
// about the account and sums up the record decrypted on the device.
func TestAccountReport(t *testing.T) {
	srv := startServer(t, "", nil)
	alice := newUser(t, srv, "alice-report@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	p := filepath.Join(dir, "brief.txt")
	must(t, os.WriteFile(p, []byte("Arztbrief\n"), 0o600))
	id := alice.upload(p, "--category", "letters", "--title", "Brief", "--date", "2023-05-04", "--source", "Praxis Weber")
	var r struct {
		Server struct {
			Account struct {
				Email, KVNR string
				BirthDate   string `json:"birth_date"`
			} `json:"account"`
			Devices  []struct{ ID string } `json:"devices"`
			Sessions []struct{ ID string } `json:"sessions"`
			Items    []struct {
				ID, Category string
				Size         int64
			} `json:"items"`
			Protocol struct{ Events int } `json:"protocol"`
		} `json:"server"`
		Content struct {
			Documents  int
			Earliest   string
			Sources    []string
			Categories []struct {
				ID        string
				Documents int
			}
		} `json:"content"`
	}
	alice.okJSON(&r, "account", "report")
	s := r.Server
	if s.Account.Email != alice.Email || s.Account.KVNR != testKVNR || s.Account.BirthDate != "1980-04-01" || len(s.Devices) != 1 || len(s.Sessions) == 0 ||
		len(s.Items) != 1 || s.Items[0].ID != id || s.Items[0].Category != "letters" || s.Items[0].Size <= 10 || s.Protocol.Events == 0 {
		t.Errorf("server part: %+v", s)
	}
	c := r.Content
	if c.Documents != 1 || c.Earliest != "2023-05-04" || len(c.Sources) != 1 || c.Sources[0] != "Praxis Weber" || len(c.Categories) != 1 || c.Categories[0].ID != "letters" {
		t.Errorf("content part: %+v", c)
	}
	if out := alice.ok("account", "report"); !strings.Contains(out, "KVNR") || !strings.Contains(out, "Arztbriefe") {
		t.Errorf("account report:\n%s", out)
	}
}
