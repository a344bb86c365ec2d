package service

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/akte/akte"
)

// Records opened by an insurer (decision 0043, issue 15 item 5). The
// insurer creates an account shell for an insured (KVNR, birth date,
// optionally e-mail) and gets a one-time activation code that it prints
// in a letter; with it the insured registers as anybody does, except that
// the KVNR and birth date are the shell's and count as verified. Shells
// not activated within ActivationTTL are deleted by the jobs.

// activationAlphabet has no look-alikes (no 0/O, 1/I/L): 31 symbols,
// 12 of them ≈ 59 bits.
const activationAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newActivationCode returns a code XXXX-XXXX-XXXX.
func newActivationCode() string {
	b := make([]byte, 0, 14)
	for i := range 12 {
		if i > 0 && i%4 == 0 {
			b = append(b, '-')
		}
		b = append(b, activationAlphabet[randIndex(len(activationAlphabet))])
	}
	return string(b)
}

// randIndex is a uniform random number below n (rejection sampling).
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// normalizeActivationCode accepts a code with or without dashes and
// spaces, in any case; "" if it cannot be one.
func normalizeActivationCode(code string) string {
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != 12 {
		return ""
	}
	for _, c := range code {
		if !strings.ContainsRune(activationAlphabet, c) {
			return ""
		}
	}
	return code[:4] + "-" + code[4:8] + "-" + code[8:]
}

func activationHash(code string) []byte { return hashBytes("activation", code) }

// OpenRecordRequest is what the insurer knows of its insured.
type OpenRecordRequest struct {
	KVNR, BirthDate, Email string
}

// OpenRecordResult is returned once: the code is not stored, only its
// hash.
type OpenRecordResult struct {
	ID        string
	Code      string
	ExpiresAt time.Time
}

// OpenRecord creates an account shell for an insured of the calling
// insurer and returns its one-time activation code. It says nothing
// about whether the KVNR has an account already: the insured who has one
// simply never uses the code, and the shell expires.
func (s *Service) OpenRecord(ctx context.Context, p *Principal, r OpenRecordRequest) (*OpenRecordResult, error) {
	const op = "insurer.open_record"
	if p.Party == nil || p.Party.Kind != akte.PartyInsurer {
		return nil, akte.R(op, akte.KindForbidden, "action_not_permitted", nil, "")
	}
	now := s.nowUTC()
	var err error
	if r.KVNR, err = validateKVNR(op, r.KVNR); err != nil {
		return nil, err
	}
	if r.BirthDate, err = validateBirthDate(op, r.BirthDate, now); err != nil {
		return nil, err
	}
	if r.Email != "" {
		if r.Email, err = normalizeEmail(op, r.Email); err != nil {
			return nil, err
		}
	}
	code := newActivationCode()
	a := &akte.Activation{ID: "act_" + randomToken(10), Insurer: p.Party.ID, KVNR: r.KVNR, BirthDate: r.BirthDate, Email: r.Email,
		CodeHash: activationHash(code), CreatedAt: now}
	if err := s.store.CreateActivation(ctx, a); err != nil {
		return nil, internal(op, err)
	}
	if err := s.event(ctx, akte.Event{Operation: op, Object: "activation:" + a.ID, ActorID: string(p.Party.ID), ActorName: p.Party.Name, ActorRole: "insurer"}); err != nil {
		return nil, err
	}
	return &OpenRecordResult{ID: a.ID, Code: code, ExpiresAt: now.Add(s.cfg.ActivationTTL)}, nil
}

// ActivateRequest is a registration with an activation code: the KVNR
// must be the shell's, whose birth date the account takes.
type ActivateRequest struct {
	RegisterRequest
	Code string
}

func errActivationInvalid(op string) error {
	return akte.R(op, akte.KindInvalid, "activation_code_invalid", nil, "")
}

// Activate registers the insured of a shell. Attempts are counted per
// client address and on the whole server before anything is looked up;
// an unknown, used, expired code and a KVNR that is not the shell's all
// answer activation_code_invalid, so the answer tells nobody whether a
// KVNR has a shell. Of two activations with one code, one wins: the
// other's account is removed again (UseActivation).
func (s *Service) Activate(ctx context.Context, cl Client, r ActivateRequest) (*RegisterResult, error) {
	const op = "account.activate"
	now := s.nowUTC()
	// The birth date is the shell's; a placeholder passes the check.
	r.BirthDate = "1970-01-01"
	if err := validateRegistration(op, &r.RegisterRequest, now); err != nil {
		return nil, err
	}
	// The insured agree as at a registration (decision 0044).
	if err := validVia(op, r.Via); err != nil {
		return nil, err
	}
	texts, err := s.checkRegistrationConsents(op, r.Consents)
	if err != nil {
		return nil, err
	}
	code := normalizeActivationCode(r.Code)
	if code == "" {
		return nil, invalid(op, "activation_code_format", map[string]any{"format": "XXXX-XXXX-XXXX"})
	}
	if _, err := s.take(ctx, op, s.anonCounter(op, cl.Addr), counter{"activate:server", PerHour(s.cfg.RegisterPerServer)}); err != nil {
		return nil, err
	}
	sh, err := s.store.ActivationByCode(ctx, activationHash(code))
	if err != nil && !akte.Is(err, akte.KindNotFound) {
		return nil, internal(op, err)
	}
	if err != nil || sh.UsedAt != nil || sh.KVNR != r.KVNR || !now.Before(sh.CreatedAt.Add(s.cfg.ActivationTTL)) {
		s.event(ctx, akte.Event{Operation: op, ActorRole: "anonymous", ClientAddr: cl.Addr, Result: akte.ResultDenied, Cause: "activation_code_invalid"})
		return nil, errActivationInvalid(op)
	}
	r.BirthDate = sh.BirthDate
	rec := *r.Record
	en := r.enrolment()
	en.Consents, en.Via = texts, r.Via
	return s.enrol(ctx, cl, op, "patient", en, func(a *akte.Account) error {
		rec.AccountID, rec.Quota, rec.CreatedAt = a.ID, 0, a.CreatedAt
		if err := s.store.CreateAccount(ctx, a, &rec); err != nil {
			return err
		}
		link := &akte.PartyLink{Party: sh.Insurer, AccountID: a.ID, Record: rec.ID, CreatedAt: now}
		err := s.store.UseActivation(ctx, sh.ID, a.ID, now, link)
		if err == nil {
			// The usage data name the insurer (decision 0047).
			if ins, perr := s.store.Party(ctx, sh.Insurer); perr == nil {
				if uerr := s.store.SetUsageInsurer(ctx, a.ID, ins.Name); uerr != nil {
					s.log.Error("usage data: insurer", "err", uerr)
				}
			}
			return nil
		}
		if derr := s.store.DeleteAccount(context.WithoutCancel(ctx), a.ID); derr != nil {
			s.log.Error("undo activation", "account", a.ID, "err", derr)
		}
		if akte.Is(err, akte.KindConflict) || akte.Is(err, akte.KindNotFound) {
			return errActivationInvalid(op)
		}
		return err
	})
}

// KVNRVerified says whether the account's KVNR was vouched for: the
// account came from a shell its insurer opened.
func (s *Service) KVNRVerified(ctx context.Context, id akte.AccountID) (bool, error) {
	_, err := s.store.AccountActivation(ctx, id)
	if akte.Is(err, akte.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, internal("account.kvnr_verified", err)
	}
	return true, nil
}

// runActivations deletes the shells not activated within ActivationTTL.
func (s *Service) runActivations(ctx context.Context, now time.Time) error {
	n, err := s.store.DeleteStaleActivations(ctx, now.Add(-s.cfg.ActivationTTL))
	if err != nil {
		return err
	}
	if n > 0 {
		s.event(ctx, akte.Event{Operation: "activation.expired", Object: "activations", ActorID: "system", ActorRole: "system", Cause: "expired"})
	}
	return nil
}
