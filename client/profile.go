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
// services switched on with the consent given for each. A change is a new
// description of that item (decision 0026), compare-and-set on its
// meta_version, so that two devices never silently undo each other's
// change (a consent withdrawn on one, a service switched on on another):
// the change is applied again to what the other wrote. The server keeps
// only the current description, so a birth date once removed is not kept
// as history. With no service on, it holds nothing but that.

// profileTries bounds how often a change is applied again after another
// device changed the profile in between.
const profileTries = 20

// normalize drops what no service that is on needs.
func normalize(p *health.Profile) {
	services := map[string]health.ServiceState{}
	for k, v := range p.Services {
		if v.On {
			services[k] = v
		}
	}
	p.Services = services
	if !p.NeedsPerson() {
		p.BirthDate, p.Sex = "", ""
	}
}

// ChangeProfile applies change to the record's current profile and stores
// the result: as a new description of the profile item (compare-and-set,
// change applied again on a conflict), or as a new profile item if there
// is none. The item stays when no service is on (with nothing but that in
// it): deleting it could not be made conditional, and would undo another
// device's switch-on that crossed it. Profile items beyond the current one
// (two first writes at once) are deleted.
func (c *API) ChangeProfile(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, change func(*health.Profile) error) (health.Profile, error) {
	ids := es.ProfileIDs
	var out health.Profile
	for try := 1; ; try++ {
		if len(ids) == 0 {
			var p health.Profile
			if err := change(&p); err != nil {
				return p, err
			}
			normalize(&p)
			if len(p.Services) == 0 && p.Donation == nil {
				return p, nil
			}
			b, err := json.Marshal(p)
			if err != nil {
				return p, err
			}
			_, err = c.putEntry(ctx, rec, seen, health.ProfileCategory, core.Meta{Title: "Profil", Profile: core.RawJSON(b)}, "")
			return p, err
		}
		var cerr error
		_, _, err := c.Describe(ctx, rec, seen, ids[len(ids)-1], func(m *core.Meta) {
			p, err := health.DecodeProfile([]byte(m.Profile))
			if err != nil {
				cerr = err
				return
			}
			if cerr = change(&p); cerr != nil {
				return
			}
			normalize(&p)
			b, err := json.Marshal(p)
			if err != nil {
				cerr = err
				return
			}
			m.Profile, out = core.RawJSON(b), p
		}, "")
		switch {
		case cerr != nil:
			return out, cerr
		case err == nil:
			for _, id := range ids[:len(ids)-1] {
				if err := c.DeleteItemNoted(ctx, rec, seen, id); err != nil && !akte.Is(err, akte.KindNotFound) {
					return out, err
				}
			}
			return out, nil
		case akte.Is(err, akte.KindNotFound):
			ids = ids[:len(ids)-1] // deleted meanwhile (akte rm): the one before, or a new one
		case !akte.Is(err, akte.KindConflict) || try == profileTries:
			return out, err
		}
	}
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
	return c.ChangeProfile(ctx, rec, seen, es, func(p *health.Profile) error {
		if s.NeedsPerson {
			b, x := birth, sex
			if b == "" {
				b = p.BirthDate
			}
			if x == "" {
				x = p.Sex
			}
			if b == "" {
				return akte.R("service.on", akte.KindInvalid, "birth_date_required", map[string]any{"service": name}, "")
			}
			if x == "" {
				return akte.R("service.on", akte.KindInvalid, "sex_required", map[string]any{"service": name, "values": health.Sexes()}, "")
			}
			if err := health.CheckPerson(b, x, now); err != nil {
				return err
			}
			p.BirthDate, p.Sex = b, x
		}
		services := map[string]health.ServiceState{}
		for k, v := range p.Services {
			services[k] = v
		}
		services[name] = health.ServiceState{On: true, Since: now.UTC(),
			Consent: health.Consent{Text: text.ID, Version: text.Version, Lang: text.Lang, Hash: text.Hash, At: now.UTC()}}
		p.Services = services
		return nil
	})
}

// ServiceOff switches a service off at once and deletes what only it
// needed (the birth date and sex, when no other service needs them).
func (c *API) ServiceOff(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, name string) (health.Profile, error) {
	if _, err := health.ServiceByName(name); err != nil {
		return es.Profile, err
	}
	return c.ChangeProfile(ctx, rec, seen, es, func(p *health.Profile) error {
		services := map[string]health.ServiceState{}
		for k, v := range p.Services {
			if k != name {
				services[k] = v
			}
		}
		p.Services = services
		return nil
	})
}

// EntryContext is what plausibility checks of a new entry compare with:
// today and the profile's birth date if kept.
func (es *Entries) EntryContext(today time.Time) fhir.Context {
	return fhir.Context{Today: today, BirthDate: fhir.Date(es.Profile.BirthDate)}
}
