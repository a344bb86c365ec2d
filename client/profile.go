package client

import (
	"context"
	"encoding/json"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/fhir"
)

// The record's profile (decision 0037) is one item of kind entry in the
// private category (no grant reaches it) whose sealed metadata holds
// core.Meta.Profile: the birth date and sex the rules need, and the
// services switched on with the consent given for each. It is written
// anew (a new item, the old ones deleted) on every change, so that a
// birth date once removed is gone from the server, not kept as history.
// With no service on it is deleted altogether.

// SaveProfile stores p as the record's profile: a new profile item, then
// the old ones (olds, from Entries.ProfileIDs) deleted; with no service on,
// only the deletion. Birth date and sex are dropped first when no service
// that is on needs them.
func (c *API) SaveProfile(ctx context.Context, rec *core.Record, seen *Seen, p health.Profile, olds []string) (health.Profile, error) {
	if !p.NeedsPerson() {
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
		if _, err := c.putEntry(ctx, rec, seen, health.ProfileCategory, core.Meta{Title: "Profil", Profile: core.RawJSON(b), Version: 1}, ""); err != nil {
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
func (c *API) ServiceOn(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, name string, text catalog.ConsentText, birth, sex string, now time.Time) (health.Profile, error) {
	s, err := health.ServiceByName(name)
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
			return p, akte.R("service.on", akte.KindInvalid, "sex_required", map[string]any{"service": name, "values": health.Sexes()}, "")
		}
		if err := health.CheckPerson(birth, sex, now); err != nil {
			return p, err
		}
		p.BirthDate, p.Sex = birth, sex
	}
	services := map[string]health.ServiceState{}
	for k, v := range p.Services {
		services[k] = v
	}
	services[name] = health.ServiceState{On: true, Since: now.UTC(),
		Consent: health.Consent{Text: text.ID, Version: text.Version, Lang: text.Lang, Hash: text.Hash, At: now.UTC()}}
	p.Services = services
	return c.SaveProfile(ctx, rec, seen, p, es.ProfileIDs)
}

// ServiceOff switches a service off at once and deletes what only it
// needed (the birth date and sex, when no other service needs them).
func (c *API) ServiceOff(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, name string) (health.Profile, error) {
	if _, err := health.ServiceByName(name); err != nil {
		return es.Profile, err
	}
	p := es.Profile
	services := map[string]health.ServiceState{}
	for k, v := range p.Services {
		if k != name {
			services[k] = v
		}
	}
	p.Services = services
	return c.SaveProfile(ctx, rec, seen, p, es.ProfileIDs)
}

// EntryContext is what plausibility checks of a new entry compare with:
// today and the profile's birth date if kept.
func (es *Entries) EntryContext(today time.Time) fhir.Context {
	return fhir.Context{Today: today, BirthDate: fhir.Date(es.Profile.BirthDate)}
}
