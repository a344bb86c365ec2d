// Package health is the pure part of structured entries and services
// (decision 0037): which category, date and title an entry has, the
// checks of a new entry, the record's profile with the services and
// consents, and the status of vaccinations and check-ups computed from
// the entries. No I/O: package client uses it natively, and the lazily
// loaded WebAssembly module cmd/akte-health-wasm in the browser.
package health

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/doctors"
	"github.com/akte/akte/emergency"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/rules"
)

// MaxEntrySize bounds the JSON of one resource: the sealed metadata may be
// 64 KiB, and the entry shares it with its title and fields.
const MaxEntrySize = 48 << 10

// Category is the category an entry of a resource type goes to when
// none is named: its key decides who a category grant lets read it.
func Category(r fhir.Resource) string {
	switch r := r.(type) {
	case *fhir.Immunization:
		return "vaccinations"
	case *fhir.Procedure:
		if r.Code != nil {
			switch c := r.Code.Code("urn:akte:checkup"); {
			case strings.HasPrefix(c, "U") || strings.HasPrefix(c, "J"):
				return "child-exams"
			case strings.HasPrefix(c, "dental"):
				return "dental"
			}
		}
		return "findings"
	case *fhir.MedicationStatement:
		return "medication"
	case *fhir.AllergyIntolerance:
		return "emergency"
	case *fhir.Condition:
		return "diagnoses"
	case *fhir.Practitioner, *fhir.Encounter:
		return "letters"
	case *fhir.Patient:
		return "private"
	}
	return "findings"
}

// Date is the clinical date of a resource (when it happened), "" if
// it has none.
func Date(r fhir.Resource) fhir.Date {
	first := func(ds ...fhir.Date) fhir.Date {
		for _, d := range ds {
			if d != "" {
				return d
			}
		}
		return ""
	}
	start := func(p *fhir.Period) fhir.Date {
		if p == nil {
			return ""
		}
		return p.Start
	}
	switch r := r.(type) {
	case *fhir.Immunization:
		return first(r.OccurrenceDateTime, r.Recorded)
	case *fhir.Procedure:
		return first(r.PerformedDateTime, start(r.PerformedPeriod))
	case *fhir.Encounter:
		return start(r.Period)
	case *fhir.MedicationStatement:
		return first(r.EffectiveDateTime, start(r.EffectivePeriod), r.DateAsserted)
	case *fhir.Observation:
		return first(r.EffectiveDateTime, start(r.EffectivePeriod))
	case *fhir.AllergyIntolerance:
		return first(r.OnsetDateTime, r.RecordedDate)
	case *fhir.Condition:
		return first(r.OnsetDateTime, r.RecordedDate)
	}
	return ""
}

// Title is a short label of a resource for listings (the vaccine,
// the procedure's or observation's code, the practitioner's name).
func Title(r fhir.Resource) string {
	var s string
	switch r := r.(type) {
	case *fhir.Immunization:
		s = r.VaccineCode.Label()
	case *fhir.Procedure:
		s = r.Code.Label()
	case *fhir.Observation:
		s = r.Code.Label()
	case *fhir.MedicationStatement:
		s = r.MedicationCodeableConcept.Label()
	case *fhir.AllergyIntolerance:
		s = r.Code.Label()
	case *fhir.Condition:
		s = r.Code.Label()
	case *fhir.Practitioner:
		if len(r.Name) > 0 {
			s = r.Name[0].String()
		}
	case *fhir.Patient:
		if len(r.Name) > 0 {
			s = r.Name[0].String()
		}
	}
	if s == "" {
		return r.ResourceType()
	}
	return s
}

// Parse reads one FHIR R4 resource and checks it (fhir.Parse, then
// fhir.Check against today and the birth date, "" if unknown). The error
// is the first problem, an *akte.Error with its reason.
func Parse(data []byte, ctx fhir.Context) (fhir.Resource, []byte, error) {
	r, err := fhir.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	if err := fhir.Check(r, ctx); err != nil {
		return nil, nil, err
	}
	b, err := fhir.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	if len(b) > MaxEntrySize {
		return nil, nil, akte.R("entry.add", akte.KindInvalid, "entry_too_large", map[string]any{"max": MaxEntrySize}, "")
	}
	return r, b, nil
}

// ProfileCategory is the category of the profile item.
const ProfileCategory = "private"

// Profile is the decrypted profile.
type Profile struct {
	// BirthDate (YYYY-MM-DD) and Sex (female, male, other, unknown) are
	// kept only while a service that needs them is on.
	BirthDate string                  `json:"birth_date,omitempty"`
	Sex       string                  `json:"sex,omitempty"`
	Services  map[string]ServiceState `json:"services,omitempty"`
	// Donation is the research data donation (decision 0048): the sink's
	// pinned recipient, the pseudonym key and the categories opted in.
	Donation *Donation `json:"donation,omitempty"`
}

// Donation is the research data donation's sealed state (decision 0048).
// The recipient is pinned at the first opt-in: a sink key the server
// names later is used only after the patient confirmed it. The key makes
// the pseudonym (donation.Pseudonym); it stays when every category is
// off, so that a patient who opts in again keeps one pseudonym.
type Donation struct {
	Recipient  string             `json:"recipient,omitempty"`
	PinnedAt   time.Time          `json:"pinned_at,omitzero"`
	Key        string             `json:"key,omitempty"` // hex, 32 bytes
	Categories map[string]Consent `json:"categories,omitempty"`
}

// ServiceState is a service switched on, with the consent given for it.
type ServiceState struct {
	On      bool      `json:"on"`
	Consent Consent   `json:"consent"`
	Since   time.Time `json:"since"`
}

// Consent records which text the person agreed to: the text's id, its
// version, language and SHA-256 (catalog.ConsentText), and when. Issue
// 16's consent ledger takes these records as they are.
type Consent struct {
	Text    string    `json:"text"`
	Version int       `json:"version"`
	Lang    string    `json:"lang"`
	Hash    string    `json:"hash"`
	At      time.Time `json:"at"`
}

// Service is one service of the record (issue 17, item 7).
type Service struct {
	Name string
	// Built says whether this version of Akte provides the service.
	Built bool
	// NeedsPerson says it needs the birth date and sex.
	NeedsPerson bool
}

// Services lists the services in the order they are shown.
func Services() []Service {
	return []Service{
		{Name: "vaccinations", Built: true, NeedsPerson: true},
		{Name: "checkups", Built: true, NeedsPerson: true},
		{Name: "medication", Built: true},
		{Name: "doctors", Built: true},
		{Name: "emergency", Built: true},
	}
}

// ServiceByName returns the service, or service_unknown.
func ServiceByName(name string) (Service, error) {
	for _, s := range Services() {
		if s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range Services() {
		names = append(names, s.Name)
	}
	return Service{}, akte.R("service", akte.KindInvalid, "service_unknown", map[string]any{"service": name, "known": names}, "")
}

// On reports whether the service is switched on.
func (p Profile) On(name string) bool { return p.Services[name].On }

// NeedsPerson reports whether a service that is on needs birth date and sex.
func (p Profile) NeedsPerson() bool {
	for _, s := range Services() {
		if s.NeedsPerson && p.On(s.Name) {
			return true
		}
	}
	return false
}

func DecodeProfile(b []byte) (Profile, error) {
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return p, akte.R("profile.open", akte.KindCrypto, "profile_unreadable", nil, "")
	}
	return p, nil
}

// Sexes returns the values of the profile's sex (FHIR administrative gender).
func Sexes() []string { return []string{"female", "male", "other", "unknown"} }

// CheckPerson checks a birth date and sex before they are kept.
func CheckPerson(birth, sex string, today time.Time) error {
	d, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return akte.R("profile", akte.KindInvalid, "birth_date_invalid", nil, "")
	}
	if d.After(fhir.Day(today)) || d.Year() < 1900 {
		return akte.R("profile", akte.KindInvalid, "birth_date_out_of_range", map[string]any{"min": "1900-01-01"}, "")
	}
	if !slices.Contains(Sexes(), sex) {
		return akte.R("profile", akte.KindInvalid, "sex_invalid", map[string]any{"values": Sexes()}, "")
	}
	return nil
}

// Person returns what the rules need from the profile, or service_off if
// the service is not on.
func (p Profile) Person(service string) (rules.Person, error) {
	if !p.On(service) || p.BirthDate == "" {
		return rules.Person{}, akte.R("service", akte.KindInvalid, "service_off", map[string]any{"service": service}, "")
	}
	d, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return rules.Person{}, akte.R("profile.open", akte.KindCrypto, "profile_unreadable", nil, "")
	}
	return rules.Person{BirthDate: d, Sex: p.Sex}, nil
}

// Vaccinations computes the status of every target disease from the
// current Immunization entries (never stored), or service_off.
func Vaccinations(pr Profile, imms []*fhir.Immunization, today time.Time) ([]rules.Result, error) {
	p, err := pr.Person("vaccinations")
	if err != nil {
		return nil, err
	}
	return rules.STIKO().Vaccinations(p, imms, today), nil
}

// Doctors lists the doctors of the last four years from the current
// entries and the insurer's billing lines (never stored), or service_off.
func Doctors(pr Profile, entries []fhir.Resource, billing []doctors.Billing, today time.Time) ([]doctors.Doctor, error) {
	if !pr.On("doctors") {
		return nil, akte.R("service", akte.KindInvalid, "service_off", map[string]any{"service": "doctors"}, "")
	}
	ds := doctors.List(entries, billing, today)
	if ds == nil {
		ds = []doctors.Doctor{}
	}
	return ds, nil
}

// Emergency gathers the emergency data from the current entries (never
// stored), or service_off.
func Emergency(pr Profile, entries []fhir.Resource, today time.Time) (emergency.Summary, error) {
	if !pr.On("emergency") {
		return emergency.Summary{}, akte.R("service", akte.KindInvalid, "service_off", map[string]any{"service": "emergency"}, "")
	}
	return emergency.Summarize(entries, today), nil
}

// Checkups computes the status of every examination from the current
// Procedure entries (never stored), or service_off.
func Checkups(pr Profile, procs []*fhir.Procedure, today time.Time) ([]rules.Result, error) {
	p, err := pr.Person("checkups")
	if err != nil {
		return nil, err
	}
	return rules.GBA().Checkups(p, procs, today), nil
}

// CheckEntry is the browser's `entry add` before sealing (cmd/akte-health-wasm):
// data checked by Parse against today (YYYY-MM-DD) and the birth date ("" if
// not kept), and what the sealed metadata takes from it: the resource as
// sealed, its type, title, date and default category.
func CheckEntry(data, today, birth string) (map[string]any, error) {
	day, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return nil, akte.R("entry.check", akte.KindInvalid, "date_format", map[string]any{"flag": "today"}, "")
	}
	r, b, err := Parse([]byte(data), fhir.Context{Today: day, BirthDate: fhir.Date(birth)})
	if err != nil {
		return nil, err
	}
	d := string(Date(r))
	if len(d) > 10 {
		d = d[:10]
	}
	return map[string]any{"resource": string(b), "type": r.ResourceType(), "title": Title(r), "date": d, "category": Category(r)}, nil
}

// StatusJSON is the status of a service ("vaccinations" or "checkups",
// the list of "doctors", or the "emergency" data) as JSON text, from the
// profile's JSON text, the JSON texts of the current entries and, for the
// doctors, the insurer's billing documents (doctors.ReadBilling; one that
// does not read is left out) on today (YYYY-MM-DD): what `akte
// vaccinations --json`, `akte checkups --json`, `akte doctors --json` and
// `akte emergency --json` print, for the browser.
func StatusJSON(service, profile string, entries, billing []string, today string) (string, error) {
	day, err := time.Parse(time.DateOnly, today)
	if err != nil {
		return "", akte.R("status", akte.KindInvalid, "date_format", map[string]any{"flag": "today"}, "")
	}
	var p Profile
	if profile != "" {
		if p, err = DecodeProfile([]byte(profile)); err != nil {
			return "", err
		}
	}
	var imms []*fhir.Immunization
	var procs []*fhir.Procedure
	var all []fhir.Resource
	for _, e := range entries {
		r, err := Open("", e)
		if err != nil {
			continue // said by the listing; a status is computed from what opens
		}
		all = append(all, r)
		switch r := r.(type) {
		case *fhir.Immunization:
			imms = append(imms, r)
		case *fhir.Procedure:
			procs = append(procs, r)
		}
	}
	var out any
	switch service {
	case "doctors":
		var lines []doctors.Billing
		for _, b := range billing {
			if ls, err := doctors.ReadBilling([]byte(b)); err == nil {
				lines = append(lines, ls...)
			}
		}
		out, err = Doctors(p, all, lines, day)
	case "emergency":
		out, err = Emergency(p, all, day)
	}
	if out != nil || err != nil {
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(out)
		return string(b), err
	}
	var rs []rules.Result
	switch service {
	case "vaccinations":
		rs, err = Vaccinations(p, imms, day)
	case "checkups":
		rs, err = Checkups(p, procs, day)
	default:
		_, err = ServiceByName(service)
		if err == nil {
			err = akte.R("status", akte.KindInvalid, "service_not_available", map[string]any{"service": service}, "")
		}
	}
	if err != nil {
		return "", err
	}
	if rs == nil {
		rs = []rules.Result{}
	}
	b, err := json.Marshal(rs)
	return string(b), err
}

// Open decodes the resource of an entry's sealed metadata into its type
// (typ, the sealed meta's type; "" reads it from the resourceType
// fhir.Marshal writes first). The resource was checked in full (Parse) by
// the client that wrote it, and the metadata is authenticated under the
// item key, so reading skips fhir.Parse's structure checks: they cost two
// thirds of opening 200 entries natively, and more in WebAssembly.
func Open(typ, data string) (fhir.Resource, error) {
	const head = `{"resourceType":"`
	if typ == "" && strings.HasPrefix(data, head) {
		if n := strings.IndexByte(data[len(head):], '"'); n > 0 {
			typ = data[len(head) : len(head)+n]
		}
	}
	r := fhir.New(typ)
	if r == nil {
		return fhir.Parse([]byte(data)) // says why
	}
	// Its own UnmarshalJSON, which checks the JSON as it reads it:
	// json.Unmarshal would first scan it once more.
	var err error
	if u, ok := r.(json.Unmarshaler); ok {
		err = u.UnmarshalJSON([]byte(data))
	} else {
		err = json.Unmarshal([]byte(data), r)
	}
	if err != nil {
		return nil, akte.R("entry.open", akte.KindInvalid, "fhir_json_invalid", nil, "")
	}
	return r, nil
}
