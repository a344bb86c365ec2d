package client

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/rules"
)

// The record's profile (decision 0037) is one item of kind entry in the
// private category (no grant reaches it) whose sealed metadata holds
// core.Meta.Profile: the birth date and sex the rules need, and the
// services switched on with the consent given for each. It is written
// anew (a new item, the old ones deleted) on every change, so that a
// birth date once removed is gone from the server, not kept as history.
// With no service on it is deleted altogether.

// ProfileCategory is the category of the profile item.
const ProfileCategory = "private"

// Profile is the decrypted profile.
type Profile struct {
	// BirthDate (YYYY-MM-DD) and Sex (female, male, other, unknown) are
	// kept only while a service that needs them is on.
	BirthDate string                  `json:"birth_date,omitempty"`
	Sex       string                  `json:"sex,omitempty"`
	Services  map[string]ServiceState `json:"services,omitempty"`
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
		{Name: "medication"},
		{Name: "doctors"},
		{Name: "emergency"},
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

// needsPerson reports whether a service that is on needs birth date and sex.
func (p Profile) needsPerson() bool {
	for _, s := range Services() {
		if s.NeedsPerson && p.On(s.Name) {
			return true
		}
	}
	return false
}

func decodeProfile(b []byte) (Profile, error) {
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return p, akte.R("profile.open", akte.KindCrypto, "profile_unreadable", nil, "")
	}
	return p, nil
}

// Sexes are the values of the profile's sex (FHIR administrative gender).
var sexes = []string{"female", "male", "other", "unknown"}

// CheckPerson checks a birth date and sex before they are kept.
func CheckPerson(birth, sex string, today time.Time) error {
	d, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return akte.R("profile", akte.KindInvalid, "birth_date_invalid", nil, "")
	}
	if d.After(fhir.Day(today)) || d.Year() < 1900 {
		return akte.R("profile", akte.KindInvalid, "birth_date_out_of_range", map[string]any{"min": "1900-01-01"}, "")
	}
	if !slices.Contains(sexes, sex) {
		return akte.R("profile", akte.KindInvalid, "sex_invalid", map[string]any{"values": sexes}, "")
	}
	return nil
}

// SaveProfile stores p as the record's profile: a new profile item, then
// the old ones (olds, from Entries.ProfileIDs) deleted; with no service on,
// only the deletion. Birth date and sex are dropped first when no service
// that is on needs them.
func (c *API) SaveProfile(ctx context.Context, rec *core.Record, seen *Seen, p Profile, olds []string) (Profile, error) {
	if !p.needsPerson() {
		p.BirthDate, p.Sex = "", ""
	}
	for name, s := range p.Services {
		if !s.On {
			delete(p.Services, name)
		}
	}
	if len(p.Services) > 0 {
		b, err := json.Marshal(p)
		if err != nil {
			return p, err
		}
		if _, err := c.putEntry(ctx, rec, seen, ProfileCategory, core.Meta{Title: "Profil", Profile: core.RawJSON(b), Version: 1}, ""); err != nil {
			return p, err
		}
	}
	for _, id := range olds {
		if err := c.DeleteItemNoted(ctx, rec, seen, id); err != nil && !akte.Is(err, akte.KindNotFound) {
			return p, err
		}
	}
	return p, nil
}

// ServiceOn switches a service on with the consent to the text shown;
// birth and sex (may be empty if the profile has them) are kept when the
// service needs them.
func (c *API) ServiceOn(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, name string, text catalog.ConsentText, birth, sex string, now time.Time) (Profile, error) {
	s, err := ServiceByName(name)
	if err != nil {
		return es.Profile, err
	}
	if !s.Built {
		return es.Profile, akte.R("service.on", akte.KindInvalid, "service_not_available", map[string]any{"service": name}, "")
	}
	p := es.Profile
	if s.NeedsPerson {
		if birth == "" {
			birth = p.BirthDate
		}
		if sex == "" {
			sex = p.Sex
		}
		if birth == "" {
			return p, akte.R("service.on", akte.KindInvalid, "birth_date_required", map[string]any{"service": name}, "")
		}
		if sex == "" {
			return p, akte.R("service.on", akte.KindInvalid, "sex_required", map[string]any{"service": name, "values": sexes}, "")
		}
		if err := CheckPerson(birth, sex, now); err != nil {
			return p, err
		}
		p.BirthDate, p.Sex = birth, sex
	}
	services := map[string]ServiceState{}
	for k, v := range p.Services {
		services[k] = v
	}
	services[name] = ServiceState{On: true, Since: now.UTC(),
		Consent: Consent{Text: text.ID, Version: text.Version, Lang: text.Lang, Hash: text.Hash, At: now.UTC()}}
	p.Services = services
	return c.SaveProfile(ctx, rec, seen, p, es.ProfileIDs)
}

// ServiceOff switches a service off at once and deletes what only it
// needed (the birth date and sex, when no other service needs them).
func (c *API) ServiceOff(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, name string) (Profile, error) {
	if _, err := ServiceByName(name); err != nil {
		return es.Profile, err
	}
	p := es.Profile
	services := map[string]ServiceState{}
	for k, v := range p.Services {
		if k != name {
			services[k] = v
		}
	}
	p.Services = services
	return c.SaveProfile(ctx, rec, seen, p, es.ProfileIDs)
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

// VaccinationStatus computes the status of every target disease from the
// record's current Immunization entries (never stored).
func VaccinationStatus(es *Entries, today time.Time) ([]rules.Result, error) {
	p, err := es.Profile.Person("vaccinations")
	if err != nil {
		return nil, err
	}
	return rules.STIKO().Vaccinations(p, Resources[*fhir.Immunization](es), today), nil
}

// CheckupStatus computes the status of every examination from the
// record's current Procedure entries (never stored).
func CheckupStatus(es *Entries, today time.Time) ([]rules.Result, error) {
	p, err := es.Profile.Person("checkups")
	if err != nil {
		return nil, err
	}
	return rules.GBA().Checkups(p, Resources[*fhir.Procedure](es), today), nil
}

// EntryContext is what plausibility checks of a new entry compare with:
// today and the profile's birth date if kept.
func (es *Entries) EntryContext(today time.Time) fhir.Context {
	return fhir.Context{Today: today, BirthDate: fhir.Date(es.Profile.BirthDate)}
}
