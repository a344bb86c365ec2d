package mail

import (
	"io/fs"
	"strings"
	"testing"
	"time"
)

// all are the templates of the service's messages, with sample data.
var all = []Template{
	EmailCode{Code: "12345678", Minutes: 30},
	EmailTaken{},
	EmailChangeCode{Code: "23456789", Minutes: 30},
	EmailChanged{New: "neu@example.org"},
	DeviceLink{Device: "Firefox (Linux)", Time: "2026-03-02 09:00", Hours: 24, Link: "https://akte.example/geraet#abc"},
	LoginFailures{Attempts: 5},
	Alarm{Kind: "failed_logins", Count: 10, Time: "2026-03-01 12:00"},
	Alarm{Kind: "new_device", Count: 1, Time: "2026-03-01 12:00"},
	PasswordChanged{},
	AuthenticatorChanged{},
	PasskeyAdded{Passkey: "Laptop"},
	PasswordRecovered{},
	ResetCode{Code: "87654321", Minutes: 30},
	PasswordReset{},
	ProviderVerified{Institution: "Praxis Dr. Müller"},
	TerminationStarted{Date: "2027-01-28", Days: 28},
	TerminationReminder{Date: "2027-01-28", Days: 7},
	TerminationKept{},
	ShareLocked{Created: "2027-01-02", Attempts: 10},
	ProviderRejected{Institution: "Praxis Dr. Müller"},
	RepresentativeNamed{Patient: "p@example.org", WaitDays: 3, Record: "abcdefghijklmnop"},
	RepresentativeNamed{Patient: "p@example.org", Record: "abcdefghijklmnop"},
	RepresentativeAccepted{Representative: "r@example.org", ID: "rep1"},
	EmergencyRequested{Representative: "r@example.org", ID: "rep1", Opens: "2026-03-05 09:00", Days: 3},
	EmergencyReminder{Representative: "r@example.org", ID: "rep1", Opens: "2026-03-05 09:00"},
	EmergencyOpened{Representative: "r@example.org", Patient: "p@example.org", Owner: true},
	EmergencyOpened{Representative: "r@example.org", Patient: "p@example.org", Record: "abcdefghijklmnop"},
	EmergencyRefused{Patient: "p@example.org"},
	MedicationReminder{Slot: "morning", Time: "08:00"},
	MedicationReminder{Slot: "night", Time: "22:30"},
}

// TestTemplates: every message renders in German and in English into a
// subject and a text that carry its data; no template file is left over.
func TestTemplates(t *testing.T) {
	files := map[string]bool{}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		files[strings.TrimPrefix(n, "templates/")] = true
	}
	from, err := parseFrom("test", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range all {
		for _, lang := range []string{"de", "en"} {
			delete(files, tmpl.Name()+"."+lang+".tmpl")
			m, err := Compose("p@example.org", lang, tmpl)
			if err != nil {
				t.Errorf("%s %s: %v", tmpl.Name(), lang, err)
				continue
			}
			if !strings.HasPrefix(m.Subject, "Akte: ") || m.Text == "" || strings.Contains(m.Text, "<no value>") {
				t.Errorf("%s %s: %q %q", tmpl.Name(), lang, m.Subject, m.Text)
			}
			greeting := map[string]string{"de": "Guten Tag,", "en": "Hello,"}[lang]
			if !strings.HasPrefix(m.Text, greeting) {
				t.Errorf("%s %s does not start with %q: %q", tmpl.Name(), lang, greeting, m.Text)
			}
			if _, err := compose("op", from, m, time.Now()); err != nil {
				t.Errorf("%s %s: %v", tmpl.Name(), lang, err)
			}
		}
		if c, ok := tmpl.(EmailCode); ok {
			m, _ := Compose("p@example.org", "en", tmpl)
			if !strings.Contains(m.Text, "Code: "+c.Code+"\n") {
				t.Errorf("the code is not on its own line: %q", m.Text)
			}
		}
	}
	for f := range files {
		t.Errorf("templates/%s belongs to no message", f)
	}
	if _, err := Compose("p@example.org", "fr", EmailTaken{}); err == nil {
		t.Error("a message in French")
	}
}

// TestBilingual: without a language, a message is German, then English.
func TestBilingual(t *testing.T) {
	m, err := Compose("p@example.org", "", EmailTaken{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Akte: Registrierung mit Ihrer E-Mail-Adresse / Registration with your e-mail address" {
		t.Errorf("subject %q", m.Subject)
	}
	de, en, ok := strings.Cut(m.Text, "\n---\n\n")
	if !ok || !strings.HasPrefix(de, "Guten Tag,") || !strings.HasPrefix(en, "Hello,") {
		t.Errorf("text %q", m.Text)
	}
}
