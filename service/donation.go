package service

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/donation"
)

// The research data donation (issue 16 item 2, decision 0048). The
// patient's client builds a pseudonymised FHIR extract of the categories
// opted in and encrypts it to the sink's age recipient; the server only
// checks the ledger, the size and that the body is an age file, and relays
// the ciphertext to the sink the operator configured. It never sees the
// extract in plaintext, and keeps nothing of it.

// donationTextPrefix starts the ids of the donation's consent texts.
const donationTextPrefix = "donation-"

// DonationSink relays an encrypted extract to the research sink (package
// donation/sink: a directory, or an HTTPS endpoint).
type DonationSink interface {
	// Relay hands the ciphertext over (or queues it for delivery) and
	// returns once it is safe with the sink or its queue.
	Relay(ctx context.Context, ciphertext []byte) error
	// Kind is "dir" or "https", for the protocol.
	Kind() string
}

// DonationOffer is what the server offers: the sink's recipient (empty
// with no sink) and the categories.
type DonationOffer struct {
	Offered    bool
	Recipient  string
	Categories []string
	MaxBytes   int
}

// DonationOffer returns the offer (for every authenticated patient: the
// recipient is the operator's, the same for everybody).
func (s *Service) DonationOffer() DonationOffer {
	if s.donation == nil || s.cfg.DonationRecipient == "" {
		return DonationOffer{Categories: donation.Categories(), MaxBytes: donation.MaxExtract}
	}
	return DonationOffer{Offered: true, Recipient: s.cfg.DonationRecipient, Categories: donation.Categories(), MaxBytes: donation.MaxExtract}
}

func (s *Service) donationCounter(p *Principal) counter {
	n := s.cfg.DonationsPerHour
	if n <= 0 {
		n = 10
	}
	return counter{"donation:account:" + string(p.Account.ID), PerHour(n)}
}

// Donate relays the caller's encrypted extract of categories: only a
// patient with a record, while processing is not restricted, with a
// current consent for every category named (a withdrawn one stops it at
// once: donation_consent_missing) and the processing consent not
// withdrawn; the body is an age file of at most donation.MaxExtract bytes.
// Recorded as DON-03 with the categories and the size, never the content.
func (s *Service) Donate(ctx context.Context, p *Principal, categories []string, ciphertext []byte) error {
	const op = "donation.relay"
	offer := s.DonationOffer()
	if !offer.Offered {
		return akte.R(op, akte.KindNotFound, "donation_not_offered", nil, "")
	}
	if p.Party != nil || p.RecordID == "" {
		return akte.R(op, akte.KindNotFound, "record_not_found", nil, "")
	}
	if _, err := s.take(ctx, op, s.donationCounter(p)); err != nil {
		return err
	}
	if len(ciphertext) > donation.MaxExtract {
		return akte.R(op, akte.KindTooLarge, "donation_too_large", map[string]any{"max": donation.MaxExtract}, "")
	}
	if !bytes.HasPrefix(ciphertext, []byte(donation.Header)) {
		return akte.R(op, akte.KindInvalid, "donation_not_encrypted", nil, "")
	}
	if len(categories) == 0 {
		return akte.R(op, akte.KindInvalid, "donation_nothing_on", nil, "")
	}
	seen := map[string]bool{}
	for _, c := range categories {
		if err := donation.CheckCategory(c); err != nil || seen[c] {
			return akte.R(op, akte.KindInvalid, "donation_category_unknown", map[string]any{"category": c, "known": donation.Categories()}, "")
		}
		seen[c] = true
	}
	if r, err := s.restricted(ctx, p.Account.ID); err != nil {
		return internal(op, err)
	} else if r {
		return akte.R(op, akte.KindForbidden, "record_restricted", nil, "")
	}
	l, err := s.ledger(ctx, p.Account.ID)
	if err != nil {
		return internal(op, err)
	}
	given := func(id string) bool {
		i := slices.IndexFunc(l.States, func(st ConsentState) bool { return st.Text == id })
		return i >= 0 && l.States[i].Last != nil && l.States[i].Last.Decision == akte.ConsentGiven
	}
	if l.DeleteAt != nil || !given(TextProcessing) {
		return akte.R(op, akte.KindForbidden, "donation_consent_missing", map[string]any{"category": "processing"}, "")
	}
	for _, c := range categories {
		if !given(donation.TextID(c)) {
			return akte.R(op, akte.KindForbidden, "donation_consent_missing", map[string]any{"category": c}, "")
		}
	}
	if err := s.donation.Relay(ctx, ciphertext); err != nil {
		s.log.Error("donation relay", "sink", s.donation.Kind(), "err", err)
		return akte.R(op, akte.KindUnavailable, "donation_sink_unavailable", nil, "")
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "donation:" + strings.Join(categories, ","),
		ActorID: string(p.Account.ID), ActorRole: "patient", DeviceID: p.Session.DeviceID,
		Cause: fmt.Sprintf("sink=%s bytes=%d", s.donation.Kind(), len(ciphertext))})
	return nil
}
