package main

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/bmp"
	"github.com/akte/akte/bmp/datamatrix"
)

// medplanJSON is what akte medplan import|show --json print.
type medplanJSON struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Lines   []struct {
		N            int    `json:"n"`
		PZN          string `json:"pzn"`
		Name         string `json:"name"`
		Dose         string `json:"dose"`
		Unit         string `json:"unit"`
		Instructions string `json:"instructions"`
		Reason       string `json:"reason"`
		Note         string `json:"note"`
		Entry        string `json:"entry"`
	} `json:"lines"`
}

// wantLine is a line of a KBV example as written by reading it by hand.
type wantLine struct{ pzn, name, dose, unit, instructions, reason, note string }

var (
	// bmp-0002.xml (BMP 2.5, KBV test package).
	want0002 = []wantLine{
		{"", "Metformin 500 mg", "1-0-1-0", "Stück", "", "Diabetes", ""},
		{"", "Lisinopril 5 mg", "1-0-0-0", "Stück", "", "Blutdruck", ""},
		{"02394397", "PZN 02394397", "1-1-1-0", "Stück", "", "Bronchitis", ""},
		{"11186232", "PZN 11186232", "siehe nächste Zeile", "", "Feste Einnahmezeiten beachten!", "Parkinson",
			"Einnahmezeiten Parkinsonmedikation: 8:30 = 1 Tabl.; 12:30 = 2 Tabl.; 16:00 = 1 Tabl.; 18:30 = 1 Tabl."},
	}
	// bmp-28.xml (BMP 2.8, KBV example beispiel_1).
	want28 = []wantLine{
		{"", "Ramipril 5 mg", "1-0-0-0", "Stück", "während der Mahlzeit", "Bluthochdruck", ""},
		{"06453257", "HCT-1A Pharma 25 mg Tabletten", "1-0-0-0", "Stück", "während der Mahlzeit", "Bluthochdruck", ""},
		{"00544786", "PROTAPHANE PENFILL ZAM", "20-0-10-0", "IE", "subkutan", "Diabetes", ""},
		{"03159468", "MTX HEXAL 10 mg Tabletten", "1-0-0-0", "Stück", "Alkoholkonsum vermeiden", "Rheuma", ""},
		{"03971388", "Folsäure-Ratiopharm 5 mg", "1-0-0-0", "Stück", "", "Folsäure-Mangel", ""},
		{"16357856", "Nitrolingual Akut Spray", "max. 3", "Hub", "akut", "Herzschmerzen", ""},
		{"08693497", "CEFACLOR STADA 500", "1-1-1-0", "Stück", "alle 8 Stunden einnehmen", "Nebenhöhlenentzündung", "Sofort mit Einnahme beginnen, für 10 Tage (bis 10.07.2026)"},
	}
	// drugNames28 are the names of the 2.8 example that must never be at
	// rest in plaintext, nor in a reminder.
	drugNames28 = []string{"Ramipril", "Hydrochlorothiazid", "PROTAPHANE", "MTX HEXAL", "Methotrexat", "Nitrolingual", "CEFACLOR", "Cefaclor", "Rheuma", "06453257", "6453257"}
)

func checkPlan(t *testing.T, what string, got medplanJSON, want []wantLine) {
	t.Helper()
	if len(got.Lines) != len(want) {
		t.Fatalf("%s: %d lines, want %d: %+v", what, len(got.Lines), len(want), got.Lines)
	}
	for i, w := range want {
		l := got.Lines[i]
		g := wantLine{l.PZN, l.Name, l.Dose, l.Unit, l.Instructions, l.Reason, l.Note}
		if g != w {
			t.Errorf("%s line %d:\n got %+v\nwant %+v", what, i+1, g, w)
		}
		if l.Entry == "" {
			t.Errorf("%s line %d has no entry", what, i+1)
		}
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "bmp", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// planImage renders the plan's carrier as a DataMatrix PNG (gozxing's
// writer), as a phone would photograph it.
func planImage(t *testing.T, dir, name string, carrier []byte) string {
	t.Helper()
	img, err := datamatrix.EncodeImage(carrier, 400)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

func countType(t *testing.T, u *user, typ string) int {
	t.Helper()
	var rows []entryRow
	u.okJSON(&rows, "entry", "ls", "--type", typ)
	return len(rows)
}

// TestMedplanE2E: the KBV examples import from their XML and from a
// rendered DataMatrix into the right lines, each a MedicationStatement
// entry; corrupted and truncated codes are refused with their reason and
// nothing is stored; the plan prints as PDF; intakes are logged; the
// reminders fire at the set time (server clock moved through
// AKTE_TEST_CLOCK_FILE) with a mail that names no medication, stop when the
// service is switched off; deleting a plan deletes its log; and no drug
// name of the plan is at rest on the server.
func TestMedplanE2E(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := filepath.Join(dir, "clock")
	setClock := func(d time.Duration) {
		if err := os.WriteFile(clock, []byte(d.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	setClock(0)
	srv := smtpServer(t, "AKTE_TEST_CLOCK_FILE="+clock, "AKTE_SESSION_IDLE=2400h", "AKTE_SESSION_MAX=2400h")
	alice := newUser(t, srv, "alice-medplan@example.org")
	alice.register(testKVNR)
	alice.login()

	xml0002 := filepath.Join(dir, "bmp-0002.xml")
	os.WriteFile(xml0002, readTestdata(t, "bmp-0002.xml"), 0o600)
	if errs := alice.fails("medplan", "import", xml0002); !says(errs, "service_off", map[string]any{"service": "medication"}) {
		t.Errorf("import without the service: %s", errs)
	}
	if errs := alice.fails("medplan", "remind", "--morning", "08:00"); !says(errs, "service_off", map[string]any{"service": "medication"}) {
		t.Errorf("remind without the service: %s", errs)
	}
	alice.ok("services", "on", "medication", "--yes")

	// From the XML file (2.5, ISO-8859-1 with prolog and DOCTYPE).
	var got medplanJSON
	got = medplanJSON{}
	alice.okJSON(&got, "medplan", "import", xml0002)
	checkPlan(t, "bmp-0002 import", got, want0002)
	if got.Version != "2.5" {
		t.Errorf("version %q", got.Version)
	}
	got = medplanJSON{}
	alice.okJSON(&got, "medplan", "show")
	checkPlan(t, "bmp-0002 show", got, want0002)
	if n := countType(t, alice, "MedicationStatement"); n != len(want0002) {
		t.Errorf("%d MedicationStatement entries, want %d", n, len(want0002))
	}
	// The same plan again stores nothing new.
	got = medplanJSON{}
	alice.okJSON(&got, "medplan", "import", xml0002)
	if n := countType(t, alice, "MedicationStatement"); n != len(want0002) {
		t.Errorf("after the same import: %d entries", n)
	}
	alice.ok("medplan", "log", "--take", "3", "--slot", "morning")

	// From a photo of the DataMatrix (2.8): it replaces the plan, its lines
	// and its log.
	p28, err := bmp.Decode(readTestdata(t, "bmp-28.xml"))
	if err != nil {
		t.Fatal(err)
	}
	img := planImage(t, dir, "plan.png", p28.Raw)
	got = medplanJSON{}
	alice.okJSON(&got, "medplan", "import", img)
	checkPlan(t, "bmp-28 from the image", got, want28)
	if got.Version != "2.8" {
		t.Errorf("version %q", got.Version)
	}
	if n := countType(t, alice, "MedicationStatement"); n != len(want28) {
		t.Errorf("after the new plan: %d MedicationStatement entries, want %d", n, len(want28))
	}

	// Refused, with what is wrong, and nothing stored.
	cut := planImage(t, dir, "cut.png", p28.Raw[:len(p28.Raw)*2/3])
	blank := filepath.Join(dir, "blank.png")
	os.WriteFile(blank, mustPNG(t), 0o600)
	badPZN := filepath.Join(dir, "pzn.xml")
	os.WriteFile(badPZN, bytes.Replace(p28.Raw, []byte(`p="6453257"`), []byte(`p="6453258"`), 1), 0o600)
	truncated := filepath.Join(dir, "truncated.xml")
	os.WriteFile(truncated, p28.Raw[:len(p28.Raw)/2], 0o600)
	for _, c := range []struct{ file, reason string }{
		{cut, "bmp_truncated"}, {blank, "bmp_code_not_found"}, {badPZN, "pzn_check_digit"}, {truncated, "bmp_truncated"},
	} {
		errs := alice.fails("medplan", "import", c.file)
		if !says(errs, c.reason, nil) {
			t.Errorf("%s: %s", filepath.Base(c.file), errs)
		}
	}
	if errs := alice.fails("medplan", "import", badPZN); !strings.Contains(errs, "MP/S[1]/M[2]@p") {
		t.Errorf("the PZN error does not say where: %s", errs)
	}
	if n := countType(t, alice, "MedicationStatement"); n != len(want28) {
		t.Errorf("after the refused imports: %d entries, want %d", n, len(want28))
	}
	got = medplanJSON{}
	alice.okJSON(&got, "medplan", "show")
	checkPlan(t, "bmp-28 after the refusals", got, want28)

	// Printable plan.
	pdf := filepath.Join(dir, "plan.pdf")
	alice.ok("medplan", "print", "--out", pdf)
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Errorf("plan.pdf: %v", err)
	}

	// Intake log.
	var log []intakeRow
	alice.okJSON(&log, "medplan", "log", "--take", "2", "--slot", "morning")
	if len(log) != 1 || log[0].Line != 2 || log[0].PZN != "06453257" || log[0].Slot != "morning" {
		t.Errorf("log: %+v", log)
	}
	if errs := alice.fails("medplan", "log", "--take", "99"); !says(errs, "medplan_line_unknown", map[string]any{"line": 99, "lines": 7}) {
		t.Errorf("log line 99: %s", errs)
	}

	// Deleting a plan deletes its log (bob, so that alice's plan stays for
	// the scan at rest).
	bob := newUser(t, srv, "bob-medplan@example.org")
	bob.register(kvnrs(1)[0])
	bob.login()
	bob.ok("services", "on", "medication", "--yes")
	xml0001 := filepath.Join(dir, "bmp-0001.xml")
	os.WriteFile(xml0001, readTestdata(t, "bmp-0001.xml"), 0o600)
	bob.ok("medplan", "import", xml0001)
	bob.ok("medplan", "log", "--take", "1")
	bob.ok("medplan", "log", "--take", "2", "--slot", "evening")
	if n := countType(t, bob, "MedicationStatement"); n != 6+2 {
		t.Errorf("bob: %d entries, want 8", n)
	}
	bob.ok("medplan", "rm")
	if n := countType(t, bob, "MedicationStatement"); n != 0 {
		t.Errorf("bob after rm: %d entries", n)
	}
	if errs := bob.fails("medplan", "show"); !says(errs, "medplan_none", nil) {
		t.Errorf("show after rm: %s", errs)
	}

	// Reminders: an hour from now (UTC), then the server's clock moves past it.
	at := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	var rem struct {
		Reminders *struct{ TZ, Morning, Evening string } `json:"reminders"`
	}
	alice.okJSON(&rem, "medplan", "remind", "--morning", at.Format("15:04"), "--evening", at.Add(6*time.Hour).Format("15:04"), "--tz", "UTC")
	if rem.Reminders == nil || rem.Reminders.Morning != at.Format("15:04") || rem.Reminders.TZ != "UTC" {
		t.Fatalf("remind: %+v", rem)
	}
	if errs := alice.fails("medplan", "remind", "--noon", "25:00", "--tz", "UTC"); !says(errs, "reminder_time_invalid", nil) {
		t.Errorf("25:00: %s", errs)
	}
	if srv.mails(alice.Email, "Medikamente") != 0 {
		t.Fatal("a reminder before its time")
	}
	setClock(time.Hour + time.Minute)
	waitMail(t, srv, alice.Email, "Zeit für Ihre Medikamente")
	m := srv.lastMail(alice.Email, "Zeit für Ihre Medikamente")
	if !strings.Contains(m.Body, at.Format("15:04")) {
		t.Errorf("the reminder does not say its time: %s", m.Body)
	}
	for _, name := range append(drugNames28, "Metformin", "Lisinopril") {
		if strings.Contains(m.Subject+m.Body, name) {
			t.Errorf("the reminder names %q", name)
		}
	}
	time.Sleep(16 * time.Second) // a round of the job loop more
	if n := srv.mails(alice.Email, "Medikamente"); n != 1 {
		t.Errorf("%d reminders for one time", n)
	}
	// Off: the reminders are gone at once; the evening one never goes.
	alice.ok("services", "off", "medication")
	alice.okJSON(&rem, "medplan", "remind")
	if rem.Reminders != nil {
		t.Errorf("reminders after the service's switch-off: %+v", rem.Reminders)
	}
	setClock(7*time.Hour + time.Minute)
	time.Sleep(16 * time.Second)
	if n := srv.mails(alice.Email, "Medikamente"); n != 1 {
		t.Errorf("%d reminders after the switch-off", n)
	}

	srv.stop()
	n := srv.atRest(func(name string, b []byte) {
		for _, d := range drugNames28 {
			if bytes.Contains(b, []byte(d)) {
				t.Errorf("%s holds %q", name, d)
			}
		}
	})
	if n == 0 {
		t.Fatal("nothing at rest was scanned")
	}
}

// mustPNG is a white picture without a code.
func mustPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, blankImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func blankImage() image.Image {
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	return img
}
