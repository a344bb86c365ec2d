package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/catalog"
)

// The consent ledger (issue 16 item 1, decision 0044). The texts are
// documents shipped with the product (catalog/consents/*.md for the
// registration's texts, catalog/consents.json for the services') and may
// be replaced, text by text, by the operator's (Config.ConsentTexts, a
// directory of ID.LANG.md files). A record keeps text id, version,
// language and the SHA-256 of the text shown, and the ledger keeps the text
// itself by its hash, so that what was agreed to reads the same after the
// operator changed the texts. Records are appended, never changed; a
// text's state is its newest record.

// Text ids with a meaning of their own.
const (
	// TextProcessing is the consent to the processing of health data:
	// its withdrawal deletes the account after Config.WithdrawalGrace.
	TextProcessing = "processing"
	// TextPrivacy and TextTerms are acknowledged at registration; they
	// cannot be withdrawn (the terms end with the account's notice).
	TextPrivacy = "privacy"
	TextTerms   = "terms"
)

// RequiredTexts are the texts every patient agrees to at registration and
// again when a new version is out (at the next login).
var requiredTexts = []string{TextProcessing, TextPrivacy, TextTerms}

// ConsentEvidence is how long consent records stay after the contract
// ended (design §6).
const ConsentEvidence = 3 * 365 * 24 * time.Hour

// ConsentTexts is the current version of each text in each language.
type ConsentTexts struct {
	texts map[string]map[string]akte.ConsentText // id → lang → text
}

var consentIDRe = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// LoadConsentTexts reads the shipped texts and, if dir is not empty, the
// operator's, which replace the shipped ones of the same id. Each id needs
// both languages at one version.
func LoadConsentTexts(dir string) (*ConsentTexts, error) {
	ct := &ConsentTexts{texts: map[string]map[string]akte.ConsentText{}}
	for _, id := range catalog.ServiceConsents() {
		for _, lang := range []string{"de", "en"} {
			t, _ := catalog.Consent(lang, id)
			ct.put(akte.ConsentText{ID: id, Version: t.Version, Lang: lang, Hash: t.Hash, Body: t.Text})
		}
	}
	if err := ct.readDir(catalog.ConsentFiles(), nil); err != nil {
		return nil, fmt.Errorf("shipped consent texts: %w", err)
	}
	if dir != "" {
		replaced := map[string]bool{}
		if err := ct.readDir(os.DirFS(dir), replaced); err != nil {
			return nil, fmt.Errorf("consent texts in %s: %w", dir, err)
		}
	}
	for id, byLang := range ct.texts {
		de, en := byLang["de"], byLang["en"]
		if de.Body == "" || en.Body == "" || de.Version != en.Version {
			return nil, fmt.Errorf("consent text %q needs %s.de.md and %s.en.md of one version", id, id, id)
		}
	}
	return ct, nil
}

// readDir reads the ID.LANG.md files of fsys; replaced (if not nil)
// collects the ids read, whose earlier texts it drops first.
func (ct *ConsentTexts) readDir(fsys fs.FS, replaced map[string]bool) error {
	names, err := fs.Glob(fsys, "*.md")
	if err != nil {
		return err
	}
	slices.Sort(names)
	for _, name := range names {
		id, lang, ok := strings.Cut(strings.TrimSuffix(name, ".md"), ".")
		if !ok || !consentIDRe.MatchString(id) || (lang != "de" && lang != "en") {
			return fmt.Errorf("%s: the name is not ID.de.md or ID.en.md", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		t, err := parseConsentText(id, lang, b)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if replaced != nil && !replaced[id] {
			replaced[id] = true
			delete(ct.texts, id)
		}
		ct.put(t)
	}
	return nil
}

// parseConsentText reads "version: N", a blank line and the body.
func parseConsentText(id, lang string, b []byte) (akte.ConsentText, error) {
	first, body, _ := bytes.Cut(b, []byte("\n"))
	v, ok := strings.CutPrefix(strings.TrimSpace(string(first)), "version:")
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if !ok || err != nil || n < 1 {
		return akte.ConsentText{}, fmt.Errorf(`the first line is not "version: N" (N ≥ 1)`)
	}
	text := strings.TrimSpace(string(body))
	if text == "" || len(text) > 64<<10 {
		return akte.ConsentText{}, fmt.Errorf("the text is empty or longer than 64 KiB")
	}
	h := sha256.Sum256([]byte(text))
	return akte.ConsentText{ID: id, Version: n, Lang: lang, Hash: hex.EncodeToString(h[:]), Body: text}, nil
}

func (ct *ConsentTexts) put(t akte.ConsentText) {
	if ct.texts[t.ID] == nil {
		ct.texts[t.ID] = map[string]akte.ConsentText{}
	}
	ct.texts[t.ID][t.Lang] = t
}

// Text returns the current text of id in lang (German for another).
func (ct *ConsentTexts) Text(id, lang string) (akte.ConsentText, bool) {
	byLang, ok := ct.texts[id]
	if !ok {
		return akte.ConsentText{}, false
	}
	if lang != "en" {
		lang = "de"
	}
	return byLang[lang], true
}

// IDs lists the text ids: the required ones first, then the others sorted.
func (ct *ConsentTexts) IDs() []string {
	var rest []string
	for id := range ct.texts {
		if !slices.Contains(requiredTexts, id) {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	return append(slices.Clone(requiredTexts), rest...)
}

// Required reports whether every patient must agree to the text.
func Required(id string) bool { return slices.Contains(requiredTexts, id) }

// texts returns the service's texts, the shipped ones if none were loaded.
func (s *Service) texts() *ConsentTexts {
	if s.cfg.ConsentTexts != nil {
		return s.cfg.ConsentTexts
	}
	ct, err := LoadConsentTexts("")
	if err != nil {
		s.log.Error("consent texts", "err", err) // embedded: a build defect
		return &ConsentTexts{texts: map[string]map[string]akte.ConsentText{}}
	}
	s.cfg.ConsentTexts = ct
	return ct
}

// ConsentTextInfo is a text as the API lists it.
type ConsentTextInfo struct {
	akte.ConsentText
	Required bool
}

// ConsentTextList returns the current texts in lang (public: the texts
// are the product's, the same for everybody).
func (s *Service) ConsentTextList(lang string) []ConsentTextInfo {
	ct := s.texts()
	var out []ConsentTextInfo
	for _, id := range ct.IDs() {
		if t, ok := ct.Text(id, lang); ok {
			out = append(out, ConsentTextInfo{t, Required(id)})
		}
	}
	return out
}

// CurrentConsentText returns the current text of id in lang.
func (s *Service) CurrentConsentText(id, lang string) (ConsentTextInfo, error) {
	t, ok := s.texts().Text(id, lang)
	if !ok {
		return ConsentTextInfo{}, akte.R("consent.read", akte.KindNotFound, "consent_text_unknown", nil, "")
	}
	return ConsentTextInfo{t, Required(id)}, nil
}

// ConsentAnswer is what a client sends for a text it showed: the id,
// version, language and the SHA-256 it computed of the text itself.
type ConsentAnswer struct {
	Text    string
	Version int
	Lang    string
	Hash    string
}

// current checks that the answer names the current text exactly.
func (s *Service) current(op string, a ConsentAnswer) (akte.ConsentText, error) {
	t, ok := s.texts().Text(a.Text, a.Lang)
	if !ok {
		return t, akte.R(op, akte.KindNotFound, "consent_text_unknown", nil, "")
	}
	if (a.Lang != "de" && a.Lang != "en") || a.Version != t.Version || !strings.EqualFold(a.Hash, t.Hash) {
		return t, akte.R(op, akte.KindConflict, "consent_text_outdated", map[string]any{"text": t.ID, "version": t.Version}, "")
	}
	return t, nil
}

// ConsentState is one text's state in an account's ledger.
type ConsentState struct {
	Text string
	// Last is the newest record of the text.
	Last *akte.Consent
	// Due says that a required text's current version has not been
	// given (never, withdrawn, or an older version).
	Due bool
}

// Ledger is an account's whole ledger.
type Ledger struct {
	Records []*akte.Consent
	States  []ConsentState
	// Due lists the required texts to be asked (again).
	Due []string
	// DeleteAt is when the account is deleted after the withdrawal of
	// the processing consent (nil if not withdrawn).
	DeleteAt *time.Time
}

// ledger reads an account's ledger and works out its states.
func (s *Service) ledger(ctx context.Context, account akte.AccountID) (*Ledger, error) {
	rs, err := s.store.Consents(ctx, account)
	if err != nil {
		return nil, err
	}
	l := &Ledger{Records: rs}
	last := map[string]*akte.Consent{}
	for _, r := range rs {
		last[r.Text] = r
	}
	ct := s.texts()
	ids := ct.IDs()
	for id := range last {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		st := ConsentState{Text: id, Last: last[id]}
		if Required(id) {
			cur, _ := ct.Text(id, "de")
			st.Due = st.Last == nil || st.Last.Decision != akte.ConsentGiven || st.Last.Version < cur.Version
			if st.Due {
				l.Due = append(l.Due, id)
			}
		}
		if st.Last != nil || Required(id) {
			l.States = append(l.States, st)
		}
	}
	if t, err := s.store.Termination(ctx, account); err == nil && t.Withdrawal {
		l.DeleteAt = &t.DeleteAt
	} else if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, err
	}
	return l, nil
}

// Consents returns the caller's ledger.
func (s *Service) Consents(ctx context.Context, p *Principal) (*Ledger, error) {
	l, err := s.ledger(ctx, p.Account.ID)
	if err != nil {
		return nil, internal("consent.read", err)
	}
	return l, nil
}

// ConsentsDue lists the required texts the account has to agree to
// (again): the login asks them.
func (s *Service) ConsentsDue(ctx context.Context, account akte.AccountID) []string {
	l, err := s.ledger(ctx, account)
	if err != nil {
		s.log.Error("consents due", "err", err)
		return nil
	}
	return l.Due
}

// ConsentRecordText returns the text a record of the caller's ledger
// kept: exactly the wording agreed to.
func (s *Service) ConsentRecordText(ctx context.Context, p *Principal, hash string) (*akte.ConsentText, error) {
	const op = "consent.read"
	l, err := s.ledger(ctx, p.Account.ID)
	if err != nil {
		return nil, internal(op, err)
	}
	if !slices.ContainsFunc(l.Records, func(c *akte.Consent) bool { return c.Hash == hash }) {
		return nil, akte.R(op, akte.KindNotFound, "consent_not_found", nil, "")
	}
	t, err := s.store.ConsentText(ctx, hash)
	if err != nil {
		return nil, internal(op, err)
	}
	return t, nil
}

// record appends a decision to the ledger and the protocol.
func (s *Service) record(ctx context.Context, account akte.AccountID, t akte.ConsentText, d akte.Decision, via akte.ConsentVia, actor, role string, dev akte.DeviceID, addr string) (*akte.Consent, error) {
	// A text's state is its newest record: each record is later than the
	// account's last one, also within one clock tick (the three at
	// registration) or under a clock set back.
	at := s.nowUTC().Truncate(time.Microsecond)
	rs, err := s.store.Consents(ctx, account)
	if err != nil {
		return nil, err
	}
	if n := len(rs); n > 0 && !at.After(rs[n-1].At) {
		at = rs[n-1].At.Add(time.Microsecond)
	}
	c := &akte.Consent{ID: randomToken(10), AccountID: account, Text: t.ID, Version: t.Version, Lang: t.Lang, Hash: t.Hash, Decision: d,
		At: at, Via: via}
	if err := s.store.AddConsent(ctx, c, &t); err != nil {
		return nil, err
	}
	op := "consent.give"
	if d == akte.ConsentWithdrawn {
		op = "consent.withdraw"
	}
	if strings.HasPrefix(t.ID, donationTextPrefix) {
		// The research donation's categories (decision 0048): their own
		// codes, DON-01 and DON-02, so that the protocol names them.
		op = "donation.consent_give"
		if d == akte.ConsentWithdrawn {
			op = "donation.consent_withdraw"
		}
	}
	s.event(ctx, akte.Event{AccountID: account, Operation: op, Object: fmt.Sprintf("consent:%s/v%d", t.ID, t.Version), ActorID: actor, ActorRole: role,
		DeviceID: dev, ClientAddr: addr, Cause: "via=" + string(via)})
	return c, nil
}

func validVia(op string, via akte.ConsentVia) error {
	if via != akte.ViaWeb && via != akte.ViaCLI {
		return akte.R(op, akte.KindInvalid, "consent_via_invalid", nil, "")
	}
	return nil
}

// checkRegistrationConsents checks that the answers give every required
// text at its current version.
func (s *Service) checkRegistrationConsents(op string, as []ConsentAnswer) ([]akte.ConsentText, error) {
	var out []akte.ConsentText
	for _, id := range requiredTexts {
		i := slices.IndexFunc(as, func(a ConsentAnswer) bool { return a.Text == id })
		if i < 0 {
			return nil, akte.R(op, akte.KindInvalid, "consent_required", map[string]any{"text": id}, "")
		}
		t, err := s.current(op, as[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// GiveConsent records the caller's consent to the current text the answer
// names. Giving the processing consent again takes back the deletion its
// withdrawal started.
func (s *Service) GiveConsent(ctx context.Context, p *Principal, a ConsentAnswer, via akte.ConsentVia) (*akte.Consent, error) {
	const op = "consent.give"
	if err := validVia(op, via); err != nil {
		return nil, err
	}
	if _, err := s.take(ctx, op, s.consentCounter(p)); err != nil {
		return nil, err
	}
	t, err := s.current(op, a)
	if err != nil {
		return nil, err
	}
	c, err := s.record(ctx, p.Account.ID, t, akte.ConsentGiven, via, string(p.Account.ID), "patient", p.Session.DeviceID, "")
	if err != nil {
		return nil, internal(op, err)
	}
	if t.ID == TextProcessing {
		if err := s.undoWithdrawal(ctx, p.Account.ID); err != nil {
			return nil, internal(op, err)
		}
	}
	return c, nil
}

// undoWithdrawal takes back a deletion that a withdrawal started.
func (s *Service) undoWithdrawal(ctx context.Context, account akte.AccountID) error {
	t, err := s.store.Termination(ctx, account)
	if akte.Is(err, akte.KindNotFound) || (err == nil && !t.Withdrawal) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.store.DeleteTermination(ctx, account); err != nil && !akte.Is(err, akte.KindNotFound) {
		return err
	}
	return nil
}

// WithdrawConsent records the withdrawal of the caller's consent to the
// text: what it covered stops at once (the services' checks read the
// ledger). The processing consent's withdrawal deletes the account after
// Config.WithdrawalGrace (at once if 0) by the termination's path; until
// then giving it again undoes it. The privacy notice and the terms were
// acknowledged, not consented to: consent_not_withdrawable.
func (s *Service) WithdrawConsent(ctx context.Context, p *Principal, id string, via akte.ConsentVia) (*Ledger, error) {
	const op = "consent.withdraw"
	if err := validVia(op, via); err != nil {
		return nil, err
	}
	if _, err := s.take(ctx, op, s.consentCounter(p)); err != nil {
		return nil, err
	}
	if err := s.withdraw(ctx, p.Account, id, via, string(p.Account.ID), "patient", p.Session.DeviceID); err != nil {
		return nil, err
	}
	l, err := s.ledger(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return &Ledger{}, nil
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return l, nil
}

func (s *Service) withdraw(ctx context.Context, a *akte.Account, id string, via akte.ConsentVia, actor, role string, dev akte.DeviceID) error {
	const op = "consent.withdraw"
	if id == TextPrivacy || id == TextTerms {
		return akte.R(op, akte.KindInvalid, "consent_not_withdrawable", nil, "")
	}
	l, err := s.ledger(ctx, a.ID)
	if err != nil {
		return internal(op, err)
	}
	i := slices.IndexFunc(l.States, func(st ConsentState) bool { return st.Text == id })
	if i < 0 || l.States[i].Last == nil || l.States[i].Last.Decision != akte.ConsentGiven {
		return akte.R(op, akte.KindConflict, "consent_not_active", nil, "")
	}
	last := l.States[i].Last
	t := akte.ConsentText{ID: last.Text, Version: last.Version, Lang: last.Lang, Hash: last.Hash}
	if kept, err := s.store.ConsentText(ctx, last.Hash); err == nil {
		t = *kept
	}
	c, err := s.record(ctx, a.ID, t, akte.ConsentWithdrawn, via, actor, role, dev, "")
	if err != nil {
		return internal(op, err)
	}
	if id != TextProcessing {
		return nil
	}
	if s.cfg.WithdrawalGrace <= 0 {
		return s.terminate(ctx, a.ID)
	}
	now := c.At
	at := now.Add(s.cfg.WithdrawalGrace)
	if old, err := s.store.Termination(ctx, a.ID); err == nil && !old.DeleteAt.After(at) {
		return nil // a notice that deletes earlier stands
	} else if err != nil && !akte.Is(err, akte.KindNotFound) {
		return internal(op, err)
	}
	// No reminders: the grace is short, and the withdrawal's answer says
	// when the deletion comes.
	if err := s.store.SetTermination(ctx, &akte.Termination{AccountID: a.ID, RequestedAt: now, DeleteAt: at, Notices: len(terminationReminders),
		Withdrawal: true}); err != nil {
		return internal(op, err)
	}
	return nil
}

// AdminRecordConsent records a decision made on paper (a signed form the
// operator received): the text's current version in the language, given
// or withdrawn, under the operator's name. Only the processing consent
// and the services' consents are withdrawn this way; a paper withdrawal of
// the processing consent starts the deletion as the patient's own does.
func (s *Service) AdminRecordConsent(ctx context.Context, o Operator, ref, id, lang string, d akte.Decision) (*akte.Consent, error) {
	const op = "admin.consent_record"
	a, err := s.adminAccount(ctx, op, ref)
	if err != nil {
		return nil, err
	}
	switch d {
	case akte.ConsentGiven:
		t, ok := s.texts().Text(id, lang)
		if !ok {
			return nil, akte.R(op, akte.KindNotFound, "consent_text_unknown", nil, "")
		}
		c, err := s.record(ctx, a.ID, t, akte.ConsentGiven, akte.ViaPaper, o.actor(), "operator", "", "")
		if err != nil {
			return nil, internal(op, err)
		}
		if id == TextProcessing {
			if err := s.undoWithdrawal(ctx, a.ID); err != nil {
				return nil, internal(op, err)
			}
		}
		return c, nil
	case akte.ConsentWithdrawn:
		if err := s.withdraw(ctx, a, id, akte.ViaPaper, o.actor(), "operator", ""); err != nil {
			return nil, err
		}
		rs, err := s.store.Consents(ctx, a.ID)
		if err != nil || len(rs) == 0 {
			return nil, internal(op, fmt.Errorf("ledger after a withdrawal: %v", err))
		}
		return rs[len(rs)-1], nil
	}
	return nil, akte.R(op, akte.KindInvalid, "consent_decision_invalid", nil, "")
}

// expireConsents deletes the evidence of contracts ended more than
// ConsentEvidence ago and records the count.
func (s *Service) expireConsents(ctx context.Context, now time.Time) error {
	n, err := s.store.DeleteConsentsEndedBefore(ctx, now.Add(-ConsentEvidence))
	if err != nil || n == 0 {
		return err
	}
	s.event(ctx, akte.Event{Operation: "consent.evidence_expired", ActorID: "system", ActorRole: "system", Cause: fmt.Sprintf("records=%d", n)})
	return nil
}

// RequiredAnswers are the answers agreeing to the required texts as they
// stand in lang (for clients that show the same texts, and tests).
func (ct *ConsentTexts) RequiredAnswers(lang string) []ConsentAnswer {
	var out []ConsentAnswer
	for _, id := range requiredTexts {
		if t, ok := ct.Text(id, lang); ok {
			out = append(out, ConsentAnswer{Text: t.ID, Version: t.Version, Lang: t.Lang, Hash: t.Hash})
		}
	}
	return out
}

// consentsPerHour bounds an account's gives and withdrawals: the ledger
// is append-only, so a script cannot grow it without end.
const consentsPerHour = 120

func (s *Service) consentCounter(p *Principal) counter {
	return counter{"consent:account:" + string(p.Account.ID), PerHour(consentsPerHour)}
}
