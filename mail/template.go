package mail

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// Every message the service sends is a template in templates/, one file
// per message and language (NAME.de.tmpl, NAME.en.tmpl): a "Subject: "
// line, an empty line, the text. A Template value is the data of one
// message; its type picks the files.

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.tmpl"))

// A Template is the data of one kind of message.
type Template interface {
	// Name is the templates' file name without language and extension.
	Name() string
}

// EmailCode confirms the address of a new account.
type EmailCode struct {
	Code    string
	Minutes int
}

// EmailChangeCode confirms the new address of an account that moves.
type EmailChangeCode struct {
	Code    string
	Minutes int
}

// EmailChanged tells the old address that the account moved to New.
type EmailChanged struct {
	New string
}

// EmailTaken tells the holder of an address that somebody tried to
// register with it.
type EmailTaken struct{}

// DeviceLink asks to confirm a device that logged in for the first time.
type DeviceLink struct {
	Device string
	Time   string // UTC, YYYY-MM-DD HH:MM
	Hours  int
	Link   string
}

// LoginFailures tells of failed attempts at the account's secrets.
type LoginFailures struct{ Attempts int }

// PasswordChanged confirms a password change.
type PasswordChanged struct{}

// AuthenticatorChanged confirms that the account's TOTP secret was
// replaced (another authenticator app or phone).
type AuthenticatorChanged struct{}

// PasskeyAdded tells the owner that a passkey was added to the account,
// with the name it was given (Passkey).
type PasskeyAdded struct {
	Passkey string
}

// PasswordRecovered confirms a reset with the recovery key.
type PasswordRecovered struct{}

// ResetCode carries the code of a reset without the recovery key and
// warns of the loss of the data.
type ResetCode struct {
	Code    string
	Minutes int
}

// PasswordReset confirms a reset without the recovery key.
type PasswordReset struct{}

// Alarm tells the patient of a suspicious pattern in the record's
// protocol (docs/audit.md §8): its kind, how many events met it and when.
// It carries no health data.
type Alarm struct {
	Kind  string // failed_logins, new_device, download_burst, denied_attempts, off_hours
	Count int
	Time  string // UTC, YYYY-MM-DD HH:MM
}

func (Alarm) Name() string                { return "alarm" }
func (EmailCode) Name() string            { return "email_code" }
func (EmailTaken) Name() string           { return "email_taken" }
func (EmailChangeCode) Name() string      { return "email_change_code" }
func (EmailChanged) Name() string         { return "email_changed" }
func (DeviceLink) Name() string           { return "device_link" }
func (LoginFailures) Name() string        { return "login_failures" }
func (PasswordChanged) Name() string      { return "password_changed" }
func (AuthenticatorChanged) Name() string { return "authenticator_changed" }
func (PasswordRecovered) Name() string    { return "password_recovered" }
func (PasskeyAdded) Name() string         { return "passkey_added" }
func (ResetCode) Name() string            { return "reset_code" }
func (PasswordReset) Name() string        { return "password_reset" }

// Compose renders the message t to to in the language lang ("de" or
// "en"); with lang "" it is in both, German first, for an address that no
// account's language speaks for.
func Compose(to, lang string, t Template) (Message, error) {
	if lang != "" {
		subject, text, err := render(lang, t)
		return Message{To: to, Subject: subject, Text: text}, err
	}
	sde, tde, err := render("de", t)
	if err != nil {
		return Message{}, err
	}
	sen, ten, err := render("en", t)
	return Message{To: to, Subject: sde + " / " + strings.TrimPrefix(sen, "Akte: "), Text: tde + "\n---\n\n" + ten}, err
}

func render(lang string, t Template) (subject, text string, err error) {
	if lang != "de" && lang != "en" {
		return "", "", fmt.Errorf("mail template %s: no language %q", t.Name(), lang)
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, t.Name()+"."+lang+".tmpl", t); err != nil {
		return "", "", fmt.Errorf("mail template: %w", err)
	}
	head, body, ok := strings.Cut(b.String(), "\n\n")
	subject, found := strings.CutPrefix(head, "Subject: ")
	if !ok || !found || strings.Contains(subject, "\n") {
		return "", "", fmt.Errorf("mail template %s.%s: no subject line and empty line first", t.Name(), lang)
	}
	return subject, body, nil
}

// ProviderVerified tells a provider that an operator verified its
// institution: patients now find it and can grant it access.
type ProviderVerified struct{ Institution string }

// ProviderRejected tells a provider that an operator did not verify its
// institution.
type ProviderRejected struct{ Institution string }

func (ProviderVerified) Name() string { return "provider_verified" }
func (ProviderRejected) Name() string { return "provider_rejected" }

// RepresentativeNamed tells a person that a patient named them as
// representative (emergency representative if WaitDays > 0), and how to
// accept.
type RepresentativeNamed struct {
	Patient  string // the patient's e-mail address
	WaitDays int
	Record   string
}

// RepresentativeAccepted tells the patient that the named person
// accepted, and that the record key is to be handed over.
type RepresentativeAccepted struct {
	Representative string
	ID             string
}

// EmergencyRequested tells the patient that an emergency representative
// asked for access, when it opens and how to refuse.
type EmergencyRequested struct {
	Representative string
	ID             string
	Opens          string // UTC, YYYY-MM-DD HH:MM
	Days           int
}

// EmergencyReminder tells the patient again, a day before access opens.
type EmergencyReminder struct {
	Representative string
	ID             string
	Opens          string
}

// EmergencyOpened tells the patient (Owner) or the representative that
// the waiting period passed.
type EmergencyOpened struct {
	Representative string
	Patient        string
	Record         string
	Owner          bool
}

// EmergencyRefused tells an emergency representative that the patient
// refused the request.
type EmergencyRefused struct {
	Patient string
}

func (RepresentativeNamed) Name() string    { return "representative_named" }
func (RepresentativeAccepted) Name() string { return "representative_accepted" }
func (EmergencyRequested) Name() string     { return "emergency_requested" }
func (EmergencyReminder) Name() string      { return "emergency_reminder" }
func (EmergencyOpened) Name() string        { return "emergency_opened" }
func (EmergencyRefused) Name() string       { return "emergency_refused" }

// TerminationStarted confirms the account's notice: Date is when its data
// is deleted (YYYY-MM-DD), Days the grace period.
type TerminationStarted struct {
	Date string
	Days int
}

// TerminationReminder says that the account's data is deleted on Date, in
// Days days.
type TerminationReminder struct {
	Date string
	Days int
}

// TerminationKept confirms that the notice was taken back.
type TerminationKept struct{}

func (TerminationStarted) Name() string  { return "termination_started" }
func (TerminationReminder) Name() string { return "termination_reminder" }
func (TerminationKept) Name() string     { return "termination_kept" }

// ShareLocked tells the patient that a share was locked after Attempts
// wrong passwords; Created is the day it was made (YYYY-MM-DD), so that
// the patient knows which one.
type ShareLocked struct {
	Created  string
	Attempts int
}

func (ShareLocked) Name() string { return "share_locked" }

// MedicationReminder is an intake reminder of the medication plan: the
// time of day (Slot: morning, noon, evening, night) and the time set
// (HH:MM), never a medication (the server does not know it).
type MedicationReminder struct {
	Slot string
	Time string
}

func (MedicationReminder) Name() string { return "medication_reminder" }
