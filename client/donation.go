package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/wire"
)

// The research data donation on the client (decision 0048). The server is
// the adversary: the sink's recipient it names is pinned in the sealed
// profile at the first opt-in, and a different one is refused
// (donation_recipient_changed) until the patient confirms its fingerprint;
// a category is donated only while both the sealed profile and the ledger
// say it is on, so that neither a forged ledger nor a stale profile sends
// what the patient withdrew.

// DonationOffer is GET /api/v1/donation.
func (c *API) DonationOffer(ctx context.Context) (*wire.DonationOffer, error) {
	var out wire.DonationOffer
	_, err := c.do(ctx, "GET", prefix+"/donation", nil, &out, nil)
	return &out, err
}

// Donate is POST /api/v1/account/donations: the ciphertext relayed.
func (c *API) Donate(ctx context.Context, categories []string, ciphertext []byte) (*wire.DonationRelayed, error) {
	path := prefix + "/account/donations?" + url.Values{"categories": {strings.Join(categories, ",")}}.Encode()
	req, err := http.NewRequestWithContext(ctx, "POST", c.Base+path, bytes.NewReader(ciphertext))
	if err != nil {
		return nil, badURL("POST "+path, err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, _, err := c.stream(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out wire.DonationRelayed
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, akte.E("POST "+path, akte.KindInternal, "", err)
	}
	return &out, nil
}

// DonationCategory is one category's state.
type DonationCategory struct {
	Category string     `json:"category"`
	On       bool       `json:"on"`
	Since    *time.Time `json:"since,omitempty"`
	Text     string     `json:"text"`
}

// DonationStatus is what `akte donate ls` shows.
type DonationStatus struct {
	Offered bool `json:"offered"`
	// Recipient and Fingerprint are the sink the server names now,
	// Pinned the fingerprint of the one the patient confirmed (empty
	// before the first opt-in); Changed says they differ.
	Recipient   string             `json:"recipient,omitempty"`
	Fingerprint string             `json:"fingerprint,omitempty"`
	Pinned      string             `json:"pinned_fingerprint,omitempty"`
	Changed     bool               `json:"recipient_changed"`
	Categories  []DonationCategory `json:"categories"`
}

// donating returns the categories that are on in both the sealed profile
// and the ledger.
func donating(p health.Profile, l *wire.ConsentLedger) map[string]time.Time {
	out := map[string]time.Time{}
	if p.Donation == nil {
		return out
	}
	for cat, con := range p.Donation.Categories {
		i := slices.IndexFunc(l.States, func(s wire.ConsentState) bool { return s.Text == donation.TextID(cat) })
		if i >= 0 && l.States[i].Last != nil && l.States[i].Last.Decision == string(akte.ConsentGiven) {
			out[cat] = con.At
		}
	}
	return out
}

// DonationState reads the offer, the ledger and the profile.
func (c *API) DonationState(ctx context.Context, es *Entries) (*DonationStatus, error) {
	o, err := c.DonationOffer(ctx)
	if err != nil {
		return nil, err
	}
	l, err := c.Consents(ctx)
	if err != nil {
		return nil, err
	}
	st := &DonationStatus{Offered: o.Offered, Categories: []DonationCategory{}}
	if o.Offered {
		st.Recipient, st.Fingerprint = o.Recipient, donation.Fingerprint(o.Recipient)
	}
	if d := es.Profile.Donation; d != nil && d.Recipient != "" {
		st.Pinned = donation.Fingerprint(d.Recipient)
		st.Changed = o.Offered && d.Recipient != o.Recipient
	}
	on := donating(es.Profile, l)
	for _, cat := range donation.Categories() {
		r := DonationCategory{Category: cat, Text: donation.TextID(cat)}
		if at, ok := on[cat]; ok {
			r.On, r.Since = true, &at
		}
		st.Categories = append(st.Categories, r)
	}
	return st, nil
}

// sinkRecipient checks the offered recipient against the pinned one: it
// returns the recipient to use and whether it must be pinned (the first
// time, or confirmed anew by its fingerprint accept).
func sinkRecipient(o *wire.DonationOffer, p health.Profile, accept string) (string, bool, error) {
	const op = "donation"
	if !o.Offered {
		return "", false, akte.R(op, akte.KindNotFound, "donation_not_offered", nil, "")
	}
	if _, err := donation.ParseRecipient(o.Recipient); err != nil {
		return "", false, err
	}
	pinned := ""
	if p.Donation != nil {
		pinned = p.Donation.Recipient
	}
	switch {
	case pinned == o.Recipient:
		return pinned, false, nil
	case pinned == "" && (accept == "" || donation.SameFingerprint(accept, donation.Fingerprint(o.Recipient))):
		return o.Recipient, true, nil
	case pinned != "" && donation.SameFingerprint(accept, donation.Fingerprint(o.Recipient)):
		return o.Recipient, true, nil
	case pinned == "":
		return "", false, akte.R(op, akte.KindConflict, "donation_fingerprint_mismatch", map[string]any{"offered": donation.Fingerprint(o.Recipient)}, "")
	}
	return "", false, akte.R(op, akte.KindConflict, "donation_recipient_changed",
		map[string]any{"pinned": donation.Fingerprint(pinned), "offered": donation.Fingerprint(o.Recipient)}, "")
}

// pin is the profile change that pins recipient (and makes the pseudonym
// key the first time).
func pin(p *health.Profile, recipient string, now time.Time) {
	d := health.Donation{}
	if p.Donation != nil {
		d = *p.Donation
	}
	if d.Key == "" {
		d.Key = hex.EncodeToString(donation.NewSecret())
	}
	if d.Recipient != recipient {
		d.Recipient, d.PinnedAt = recipient, now.UTC()
	}
	cats := map[string]health.Consent{}
	for k, v := range d.Categories {
		cats[k] = v
	}
	d.Categories = cats
	p.Donation = &d
}

// DonationOn opts the category in: the recipient checked (pinned the
// first time; accept, its fingerprint, confirms a changed one), the
// consent to the text shown recorded in the ledger (DON-01), then the
// category and the pin sealed in the profile.
func (c *API) DonationOn(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, category string, shown *wire.ConsentText, via, accept string, now time.Time) (health.Profile, string, error) {
	if err := donation.CheckCategory(category); err != nil {
		return es.Profile, "", err
	}
	o, err := c.DonationOffer(ctx)
	if err != nil {
		return es.Profile, "", err
	}
	recipient, _, err := sinkRecipient(o, es.Profile, accept)
	if err != nil {
		return es.Profile, "", err
	}
	if shown.Text != donation.TextID(category) {
		return es.Profile, "", akte.R("donation", akte.KindInvalid, "consent_text_changed", map[string]any{"text": shown.Text}, "")
	}
	if _, err := c.GiveConsent(ctx, AnswerOf(shown, via)); err != nil {
		return es.Profile, "", err
	}
	p, err := c.ChangeProfile(ctx, rec, seen, es, func(p *health.Profile) error {
		pin(p, recipient, now)
		p.Donation.Categories[category] = health.Consent{Text: shown.Text, Version: shown.Version, Lang: shown.Lang, Hash: shown.Hash, At: now.UTC()}
		return nil
	})
	return p, recipient, err
}

// DonationOff withdraws the category at once: the ledger first (DON-02;
// the server refuses the category from then on), then the profile.
func (c *API) DonationOff(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, category, via string) (health.Profile, error) {
	if err := donation.CheckCategory(category); err != nil {
		return es.Profile, err
	}
	if _, err := c.WithdrawConsent(ctx, donation.TextID(category), via); err != nil {
		if r, _ := akte.ReasonOf(err); r != "consent_not_active" {
			return es.Profile, err
		}
	}
	return c.ChangeProfile(ctx, rec, seen, es, func(p *health.Profile) error {
		if p.Donation == nil {
			return nil
		}
		d := *p.Donation
		cats := map[string]health.Consent{}
		for k, v := range d.Categories {
			if k != category {
				cats[k] = v
			}
		}
		d.Categories = cats
		p.Donation = &d
		return nil
	})
}

// DonationSent is what a donation sent.
type DonationSent struct {
	donation.Summary
	Bytes       int    `json:"bytes"`
	Fingerprint string `json:"fingerprint"`
}

// DonationSend builds the extract of every category that is on, seals it
// to the pinned recipient and has the server relay it. A changed
// recipient is refused unless accept confirms its fingerprint (then it is
// pinned first); a restriction of processing stops it.
func (c *API) DonationSend(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, accept string, now time.Time) (*DonationSent, error) {
	o, err := c.DonationOffer(ctx)
	if err != nil {
		return nil, err
	}
	p := es.Profile
	if p.Donation == nil || len(p.Donation.Categories) == 0 {
		if !o.Offered {
			return nil, akte.R("donation", akte.KindNotFound, "donation_not_offered", nil, "")
		}
		return nil, akte.R("donation.send", akte.KindInvalid, "donation_nothing_on", nil, "")
	}
	recipient, repin, err := sinkRecipient(o, p, accept)
	if err != nil {
		return nil, err
	}
	if repin {
		if p, err = c.ChangeProfile(ctx, rec, seen, es, func(p *health.Profile) error { pin(p, recipient, now); return nil }); err != nil {
			return nil, err
		}
	}
	if r, err := c.Restriction(ctx); err != nil {
		return nil, err
	} else if r.Restricted {
		return nil, akte.R("donation.send", akte.KindForbidden, "record_restricted", nil, "")
	}
	l, err := c.Consents(ctx)
	if err != nil {
		return nil, err
	}
	on := donating(p, l)
	var cats []string
	for _, cat := range donation.Categories() {
		if _, ok := on[cat]; ok {
			cats = append(cats, cat)
		}
	}
	if len(cats) == 0 {
		return nil, akte.R("donation.send", akte.KindInvalid, "donation_nothing_on", nil, "")
	}
	person := donation.Person{BirthDate: p.BirthDate, Sex: p.Sex}
	if person.BirthDate == "" {
		if acc, err := c.Account(ctx); err == nil {
			person.BirthDate = acc.BirthDate
		}
	}
	// An item's category is vouched for by its key: an item under a
	// category key opens only with that category's key. An unfiled inbox
	// item (key version 0, sealed to the record's public key) is not, so
	// it is left out: the server could have named any category for it.
	inbox := map[string]bool{}
	for _, it := range es.Items {
		if it.KeyVersion == 0 {
			inbox[it.ID] = true
		}
	}
	var entries []donation.Entry
	for _, e := range es.Latest {
		if !inbox[e.ID] {
			entries = append(entries, donation.Entry{Category: e.Category, Resource: e.Resource})
		}
	}
	ct, sum, err := donation.Make(entries, cats, person, p.Donation.Key, recipient)
	if err != nil {
		return nil, err
	}
	if _, err := c.Donate(ctx, cats, ct); err != nil {
		return nil, err
	}
	return &DonationSent{Summary: sum, Bytes: len(ct), Fingerprint: donation.Fingerprint(recipient)}, nil
}
