package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/wire"
)

// The client's side of the consent ledger (decision 0044): it shows a text
// only after checking it against the hash the server names, and answers
// with that hash, so that the ledger records the text this client showed.

// CheckConsentText checks that the text's body is what its hash says.
func CheckConsentText(t wire.ConsentText) error {
	h := sha256.Sum256([]byte(t.Body))
	if t.Body == "" || !strings.EqualFold(hex.EncodeToString(h[:]), t.Hash) {
		return akte.R("consent.read", akte.KindInvalid, "consent_text_changed", map[string]any{"text": t.Text}, "")
	}
	return nil
}

// AnswerOf is the answer agreeing to a text as shown.
func AnswerOf(t *wire.ConsentText, via string) wire.ConsentAnswer {
	return wire.ConsentAnswer{Text: t.Text, Version: t.Version, Lang: t.Lang, Hash: t.Hash, Via: via}
}

// RequiredTexts fetches the current texts every patient agrees to at
// registration, each checked.
func RequiredTexts(ctx context.Context, c *API, lang string) ([]*wire.ConsentText, error) {
	list, err := c.ConsentTexts(ctx, lang)
	if err != nil {
		return nil, err
	}
	var out []*wire.ConsentText
	for _, t := range list {
		if !t.Required {
			continue
		}
		full, err := c.ConsentText(ctx, t.Text, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, full)
	}
	return out, nil
}

// DueTexts fetches the texts of ids (the login's consents_due), checked.
func DueTexts(ctx context.Context, c *API, ids []string, lang string) ([]*wire.ConsentText, error) {
	var out []*wire.ConsentText
	for _, id := range ids {
		t, err := c.ConsentText(ctx, id, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// RegistrationAnswers fetches the required texts and agrees to them all
// (what "akte register --accept" sends).
func RegistrationAnswers(ctx context.Context, c *API, lang, via string) ([]wire.ConsentAnswer, error) {
	ts, err := RequiredTexts(ctx, c, lang)
	if err != nil {
		return nil, err
	}
	out := make([]wire.ConsentAnswer, len(ts))
	for i, t := range ts {
		out[i] = AnswerOf(t, via)
	}
	return out, nil
}

// ServiceAllowed consults the ledger and the restriction before a service
// computes anything (decision 0044): a withdrawn consent to the service,
// or to the processing as a whole, stops it at once (service_off), and so
// does a restriction of processing (record_restricted). A service switched
// on before the ledger existed has no record and goes by its profile.
func (c *API) ServiceAllowed(ctx context.Context, name string) error {
	r, err := c.Restriction(ctx)
	if err != nil {
		return err
	}
	if r.Restricted {
		return akte.R("service.status", akte.KindForbidden, "record_restricted", nil, "")
	}
	l, err := c.Consents(ctx)
	if err != nil {
		return err
	}
	for _, s := range l.States {
		if (s.Text == name || s.Text == "processing") && s.Last != nil && s.Last.Decision == string(akte.ConsentWithdrawn) {
			return akte.R("service.status", akte.KindInvalid, "service_off", map[string]any{"service": name}, "")
		}
	}
	return nil
}
