package service

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Provider accounts (issue 14, item 2; decision 0034). A provider
// registers like a patient (password split, TOTP, the HPKE key pair
// under its user master key) plus its institution's data, and has no
// record of its own. It is a provider only once an operator verified it:
// until then nobody finds it and nobody can grant it anything
// (VerifiedProvider), and a rejection is final.

// ProviderRegisterRequest is a provider's registration: the account's
// part as in RegisterRequest (without KVNR, date of birth and record) and
// the institution's data.
type ProviderRegisterRequest struct {
	Email            string
	KDF              akte.KDFParams
	LoginSecret      []byte
	RecoveryVerifier []byte
	Keys             akte.KeyBundle
	DeviceID         akte.DeviceID
	DeviceName       string
	Lang             string

	Type        akte.ProviderType
	Name        string
	TelematikID string
	LANR        string
	BSNR        string
	Place       string
}

// Bounds of the institution data.
const (
	providerNameMax  = 120 // characters
	providerPlaceMax = 120
	telematikIDMax   = 128
	searchMin        = 2
	searchMax        = 100
	// searchLimit is the most providers one search answers.
	searchLimit = 20
)

// telematikIDRe is the form of a Telematik-ID: the number of the issuing
// sector (1 doctors and psychotherapists, 2 dentists, 3 pharmacies,
// 5 hospitals, ...), a hyphen, then letters, digits, '.', '-' and '_'
// (gematik's ids such as 1-20014977 or 3-SMC-B-Testkarte-883110000092724).
var telematikIDRe = regexp.MustCompile(`^[0-9]{1,2}-[0-9A-Za-z._-]{1,125}$`)

// oneLine is s with its runs of white space made one space and trimmed.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func validText(s string, min, max int) bool {
	n := utf8.RuneCountInString(s)
	return utf8.ValidString(s) && n >= min && n <= max && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

// validateInstitution checks and normalizes the institution data of a
// registration. LANR and BSNR come together; a doctor's practice must
// give them (a dentist, psychotherapist or hospital may: they are checked
// when given).
func validateInstitution(op string, r *ProviderRegisterRequest) error {
	if !slices.Contains(akte.ProviderTypes(), r.Type) {
		return invalid(op, "provider_type_invalid", nil)
	}
	r.Name, r.Place = oneLine(r.Name), oneLine(r.Place)
	r.TelematikID, r.LANR, r.BSNR = strings.TrimSpace(r.TelematikID), strings.TrimSpace(r.LANR), strings.TrimSpace(r.BSNR)
	if !validText(r.Name, 2, providerNameMax) {
		return invalid(op, "provider_name_invalid", map[string]any{"min": 2, "max": providerNameMax})
	}
	if !validText(r.Place, 0, providerPlaceMax) {
		return invalid(op, "provider_place_invalid", map[string]any{"max": providerPlaceMax})
	}
	if !telematikIDRe.MatchString(r.TelematikID) {
		return invalid(op, "telematik_id_invalid", map[string]any{"max": telematikIDMax})
	}
	if r.LANR == "" && r.BSNR == "" {
		if r.Type == akte.ProviderPractice {
			return invalid(op, "lanr_bsnr_required", nil)
		}
		return nil
	}
	if !akte.ValidLANR(r.LANR) {
		return invalid(op, "lanr_invalid", nil)
	}
	if !akte.ValidBSNR(r.BSNR) {
		return invalid(op, "bsnr_invalid", nil)
	}
	return nil
}

// searchText is how names, places and queries are compared: lower case,
// single spaces.
func searchText(s string) string { return strings.ToLower(oneLine(s)) }

// RegisterProvider creates an unconfirmed provider account in status
// pending and mails the confirmation code, with Register's rules: the
// same counters (a provider's registration is a registration), the same
// answer for a taken address.
func (s *Service) RegisterProvider(ctx context.Context, cl Client, r ProviderRegisterRequest) (*RegisterResult, error) {
	const op = "provider.register"
	var err error
	if r.Email, err = normalizeEmail(op, r.Email); err != nil {
		return nil, err
	}
	if err := validateInstitution(op, &r); err != nil {
		return nil, err
	}
	if r.Lang, err = validateLang(op, r.Lang); err != nil {
		return nil, err
	}
	if err := validateKDF(op, r.KDF); err != nil {
		return nil, err
	}
	if err := validateSecret(op, "login_secret", r.LoginSecret); err != nil {
		return nil, err
	}
	if err := validateSecret(op, "recovery_verifier", r.RecoveryVerifier); err != nil {
		return nil, err
	}
	if err := validateKeys(op, r.Keys); err != nil {
		return nil, err
	}
	if err := validateDevice(op, r.DeviceID, r.DeviceName); err != nil {
		return nil, err
	}
	p := &akte.Provider{Type: r.Type, Name: r.Name, TelematikID: r.TelematikID, LANR: r.LANR, BSNR: r.BSNR, Place: r.Place,
		Search: searchText(r.Name + " " + r.Place), Status: akte.ProviderPending}
	return s.enrol(ctx, cl, op, "provider", enrolment{Email: r.Email, Lang: r.Lang, KDF: r.KDF, LoginSecret: r.LoginSecret,
		RecoveryVerifier: r.RecoveryVerifier, Keys: r.Keys, DeviceID: r.DeviceID, DeviceName: r.DeviceName},
		func(a *akte.Account) error {
			p.AccountID, p.CreatedAt = a.ID, a.CreatedAt
			return s.store.CreateProvider(ctx, a, p)
		})
}

// ProviderEntry is what a patient may learn of a verified provider: its
// institution data and the public key the patient's client wraps keys
// to (and computes the fingerprint of: the server sends none).
type ProviderEntry struct {
	Provider  *akte.Provider
	PublicKey []byte
}

func errProviderNotFound(op string) error {
	return akte.R(op, akte.KindNotFound, "provider_not_found", nil, "")
}

// VerifiedProvider returns the provider entry of the account if it is a
// provider an operator verified, whose account is confirmed and not
// blocked; else KindNotFound with reason provider_not_found, the same
// for an unknown id, a patient, a pending, rejected or blocked provider.
// It is the check every grant to a provider makes (issue 14, item 3):
// only a verified provider can be a grantee. It records nothing and
// counts nothing; its callers do.
func (s *Service) VerifiedProvider(ctx context.Context, id akte.AccountID) (*ProviderEntry, error) {
	const op = "provider.verified"
	p, err := s.store.Provider(ctx, id)
	if akte.Is(err, akte.KindNotFound) {
		return nil, errProviderNotFound(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if p.Status != akte.ProviderVerified {
		return nil, errProviderNotFound(op)
	}
	a, err := s.store.Account(ctx, id)
	if akte.Is(err, akte.KindNotFound) {
		return nil, errProviderNotFound(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if !a.Confirmed() || a.BlockedAt != nil {
		return nil, errProviderNotFound(op)
	}
	return &ProviderEntry{Provider: p, PublicKey: a.Keys.PublicKey}, nil
}

// lookupCounter counts a principal's searches and reads of providers:
// the directory is for finding one's doctors, not for harvesting.
func (s *Service) lookupCounter(p *Principal) counter {
	return counter{"provider_lookup:account:" + string(p.Account.ID), PerHour(s.cfg.ProviderLookupsPerAccount)}
}

// lookupEvent records a principal's search or read of providers in its
// own protocol; the search text is not kept (the protocol keeps no text
// a caller made up).
func (s *Service) lookupEvent(ctx context.Context, p *Principal, op, object string, err error) error {
	e := akte.Event{AccountID: p.Account.ID, Operation: op, Object: object, ActorID: string(p.Account.ID),
		ActorRole: s.actorRoleOf(ctx, p), DeviceID: p.Session.DeviceID}
	if err != nil {
		e.Result, e.Cause = akte.ResultDenied, reasonOf(err)
	}
	return s.event(ctx, e)
}

// actorRoleOf names the principal in its own events: provider or patient.
func (s *Service) actorRoleOf(ctx context.Context, p *Principal) string {
	if p.RecordID == "" {
		if _, err := s.store.Provider(ctx, p.Account.ID); err == nil {
			return "provider"
		}
	}
	return "patient"
}

// Provider returns a verified provider's entry to an authenticated
// caller (GET /api/v1/providers/{id}): what a patient's client needs to
// show the provider, compute its key's fingerprint and, later, grant it.
func (s *Service) Provider(ctx context.Context, p *Principal, id akte.AccountID) (*ProviderEntry, error) {
	const op = "provider.read"
	if _, err := s.take(ctx, op, s.lookupCounter(p)); err != nil {
		return nil, err
	}
	e, err := s.VerifiedProvider(ctx, id)
	if err != nil {
		if akte.Is(err, akte.KindNotFound) {
			err = errProviderNotFound(op)
			if eerr := s.lookupEvent(ctx, p, op, "", err); eerr != nil {
				return nil, eerr
			}
		}
		return nil, err
	}
	if err := s.lookupEvent(ctx, p, op, "provider:"+string(id), nil); err != nil {
		return nil, err
	}
	return e, nil
}

// SearchProviders finds verified providers by a part of their name or
// place, or by their Telematik-ID, LANR, BSNR or account id, at most
// searchLimit, ordered by name. Pending, rejected and blocked providers
// are never among the answers.
func (s *Service) SearchProviders(ctx context.Context, p *Principal, query string) ([]*akte.Provider, error) {
	const op = "provider.search"
	text := searchText(query)
	if n := utf8.RuneCountInString(text); n < searchMin || n > searchMax || !validText(text, searchMin, searchMax) {
		return nil, invalid(op, "search_text_invalid", map[string]any{"min": searchMin, "max": searchMax})
	}
	if _, err := s.take(ctx, op, s.lookupCounter(p)); err != nil {
		return nil, err
	}
	id := strings.TrimSpace(query)
	if strings.ContainsFunc(id, unicode.IsSpace) {
		id = "" // no id has a space
	}
	// A few more than the limit, as blocked accounts are left out.
	found, err := s.store.SearchProviders(ctx, akte.ProviderVerified, text, id, searchLimit+5)
	if err != nil {
		return nil, internal(op, err)
	}
	out := []*akte.Provider{}
	for _, f := range found {
		if len(out) == searchLimit {
			break
		}
		a, err := s.store.Account(ctx, f.AccountID)
		if akte.Is(err, akte.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, internal(op, err)
		}
		if a.Confirmed() && a.BlockedAt == nil {
			out = append(out, f)
		}
	}
	if err := s.lookupEvent(ctx, p, op, "", nil); err != nil {
		return nil, err
	}
	return out, nil
}

// OwnProvider returns the caller's own provider entry, whatever its
// status, with its public key as the server holds it (the client checks
// it against its private key before it shows a fingerprint); KindNotFound
// with reason not_a_provider for an account that is none.
func (s *Service) OwnProvider(ctx context.Context, p *Principal) (*ProviderEntry, error) {
	const op = "provider.read"
	pr, err := s.store.Provider(ctx, p.Account.ID)
	if akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(op, akte.KindNotFound, "not_a_provider", nil, "")
	}
	if err != nil {
		return nil, internal(op, err)
	}
	if err := s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "provider:" + string(p.Account.ID),
		ActorID: string(p.Account.ID), ActorRole: "provider", DeviceID: p.Session.DeviceID}); err != nil {
		return nil, err
	}
	return &ProviderEntry{Provider: pr, PublicKey: p.Account.Keys.PublicKey}, nil
}

// AdminProvider is what an operator sees of a provider to decide on it.
type AdminProvider struct {
	*akte.Provider
	Email     string
	Confirmed bool
	Blocked   bool
}

// AdminProviders lists the providers with the status ("" for all),
// oldest first, for the operator's check.
func (s *Service) AdminProviders(ctx context.Context, op Operator, status akte.ProviderStatus) ([]AdminProvider, error) {
	const name = "admin.providers"
	switch status {
	case "", akte.ProviderPending, akte.ProviderVerified, akte.ProviderRejected:
	default:
		return nil, invalid(name, "provider_status_invalid", nil)
	}
	ps, err := s.store.Providers(ctx, status)
	if err != nil {
		return nil, internal(name, err)
	}
	out := make([]AdminProvider, 0, len(ps))
	for _, p := range ps {
		a, err := s.store.Account(ctx, p.AccountID)
		if akte.Is(err, akte.KindNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, internal(name, err)
		}
		out = append(out, AdminProvider{Provider: p, Email: a.Email, Confirmed: a.Confirmed(), Blocked: a.BlockedAt != nil})
	}
	if err := s.event(ctx, akte.Event{Operation: name, ActorID: op.actor(), ActorRole: "operator", Cause: string(status)}); err != nil {
		return nil, err
	}
	return out, nil
}

// AdminDecideProvider verifies (verify) or rejects a pending provider,
// named by account id or e-mail, after the operator checked the
// institution out of band (decision 0034). Only a pending provider is
// decided, once; only one whose e-mail address is confirmed is verified,
// and only if no other verified provider holds its Telematik-ID. The
// decision is recorded in the provider's protocol and mailed to it.
func (s *Service) AdminDecideProvider(ctx context.Context, op Operator, ref string, verify bool) (*AdminProvider, error) {
	name, to := "admin.provider_reject", akte.ProviderRejected
	if verify {
		name, to = "admin.provider_verify", akte.ProviderVerified
	}
	a, err := s.adminAccount(ctx, name, ref)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.Provider(ctx, a.ID); akte.Is(err, akte.KindNotFound) {
		return nil, errProviderNotFound(name)
	} else if err != nil {
		return nil, internal(name, err)
	}
	if verify && !a.Confirmed() {
		return nil, akte.R(name, akte.KindConflict, "provider_email_unconfirmed", nil, "")
	}
	switch err := s.store.DecideProvider(ctx, a.ID, akte.ProviderPending, to, s.nowUTC(), op.actor()); {
	case err == nil:
	case akte.Is(err, akte.KindConflict):
		r, _ := akte.ReasonOf(err)
		return nil, akte.R(name, akte.KindConflict, r, nil, "")
	case akte.Is(err, akte.KindNotFound):
		return nil, errProviderNotFound(name)
	default:
		return nil, internal(name, err)
	}
	p, err := s.store.Provider(ctx, a.ID)
	if err != nil {
		return nil, internal(name, err)
	}
	if err := s.event(ctx, akte.Event{AccountID: a.ID, Operation: name, Object: "provider:" + string(a.ID), ActorID: op.actor(), ActorRole: "operator"}); err != nil {
		return nil, err
	}
	if verify {
		s.mail(ctx, name, a, mail.ProviderVerified{Institution: p.Name})
	} else {
		s.mail(ctx, name, a, mail.ProviderRejected{Institution: p.Name})
	}
	return &AdminProvider{Provider: p, Email: a.Email, Confirmed: a.Confirmed(), Blocked: a.BlockedAt != nil}, nil
}
