package service

import (
	"context"
	"strconv"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/mail"
)

// Representatives act for the patient in one record (design §1, issue 14
// item 6, decision 0036). The patient names them by e-mail and KVNR; the
// named account accepts, proving it holds both; the patient's client then
// wraps the record master key to the representative's public key. An
// emergency representative (WaitDays > 0) gets access only after a
// waiting period that starts with its request and that the patient can
// stop by refusing; its key slot is stored ahead of time and withheld by
// the policy (emergency_waiting may do nothing but request).

// MaxEmergencyWait bounds the waiting period the patient may choose.
const MaxEmergencyWait = 365

// EmergencyReminder is how long before access opens the patient is told
// again.
const EmergencyReminder = 24 * time.Hour

// representativeRole finds what p is to record rid as a representative:
// invited, representative, emergency representative waiting or open, or
// else a stranger. A failing lookup denies (fail closed).
func (s *Service) representativeRole(ctx context.Context, p *Principal, rid akte.RecordID) (Role, akte.AccountID, *akte.Representative, error) {
	if !recordIDRe.MatchString(string(rid)) {
		return RoleStranger, "", nil, nil
	}
	r, err := s.store.Representation(ctx, rid, p.Account.ID, p.Account.Email)
	if akte.Is(err, akte.KindNotFound) {
		return RoleStranger, "", nil, nil
	}
	if err != nil {
		return RoleStranger, "", nil, internal("record.authorize", err)
	}
	return repRole(r, s.nowUTC()), r.Owner, r, nil
}

// repRole is the role a representative's entry gives at now.
func repRole(r *akte.Representative, now time.Time) Role {
	switch {
	case r.AcceptedAt == nil:
		return RoleInvited
	case !r.Emergency():
		return RoleRepresentative
	case r.Open(now):
		return RoleEmergencyOpen
	}
	return RoleEmergencyWaiting
}

// representations lists the records p represents or is invited to.
func (s *Service) representations(ctx context.Context, p *Principal) ([]RecordAccess, error) {
	const op = "record.list"
	reps, err := s.store.Representations(ctx, p.Account.ID, p.Account.Email)
	if err != nil {
		return nil, internal(op, err)
	}
	now := s.nowUTC()
	var out []RecordAccess
	for _, r := range reps {
		owner, err := s.store.Account(ctx, r.Owner)
		if akte.Is(err, akte.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, internal(op, err)
		}
		ra := RecordAccess{ID: r.Record, Role: repRole(r, now), OwnerEmail: owner.Email, OwnerKVNR: owner.KVNR, OpensAt: r.OpensAt}
		if ra.Role == RoleInvited {
			// Whoever reads the named address learns who named it (the
			// mail says so too), not the patient's KVNR.
			ra.OwnerKVNR = ""
		}
		out = append(out, ra)
	}
	return out, nil
}

// RepresentativeView is a representative as the record's list shows it:
// with the public key the representative's account has now (for the
// patient's client to wrap the record key to, after comparing its
// fingerprint) and the role the entry gives.
type RepresentativeView struct {
	Rep *akte.Representative
	// AccountKey is the accepted representative's current public key.
	AccountKey []byte
	Role       Role
}

func representativeNotFound(op string) error {
	return akte.R(op, akte.KindNotFound, "representative_not_found", nil, "")
}

// AddRepresentative names a representative of record rid: email and KVNR
// of a registered person, waitDays > 0 for an emergency representative.
// The answer is the same whether or not an account holds the address: the
// server ties the naming to an account only when it accepts. The named
// address is told by mail.
func (s *Service) AddRepresentative(ctx context.Context, p *Principal, rid akte.RecordID, email, kvnr string, waitDays int) (*akte.Representative, error) {
	const op = "representative.add"
	acc, err := s.authorize(ctx, p, rid, ActRepresentativeAdd)
	if err != nil {
		return nil, err
	}
	if email, err = normalizeEmail(op, email); err != nil {
		return nil, err
	}
	if kvnr, err = validateKVNR(op, kvnr); err != nil {
		return nil, err
	}
	if waitDays < 0 || waitDays > MaxEmergencyWait {
		return nil, invalid(op, "emergency_wait_invalid", map[string]any{"max": MaxEmergencyWait})
	}
	if email == p.Account.Email || kvnr == p.Account.KVNR {
		return nil, invalid(op, "representative_self", nil)
	}
	r := &akte.Representative{ID: randomToken(15), Owner: acc.Owner, Record: rid, Email: email, KVNR: kvnr, WaitDays: waitDays, CreatedAt: s.nowUTC()}
	switch err := s.store.CreateRepresentative(ctx, r, akte.MaxRepresentatives); {
	case akte.Is(err, akte.KindQuota):
		return nil, akte.R(op, akte.KindConflict, "representatives_limit", map[string]any{"max": akte.MaxRepresentatives}, "")
	case akte.Is(err, akte.KindConflict):
		return nil, akte.R(op, akte.KindConflict, "representative_exists", nil, "")
	case akte.Is(err, akte.KindNotFound):
		return nil, errRecordNotFound(op, err)
	case err != nil:
		return nil, internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{Cause: waitCause(waitDays)}); err != nil {
		return nil, err
	}
	t := mail.RepresentativeNamed{Patient: p.Account.Email, WaitDays: waitDays, Record: string(rid)}
	if a, err := s.store.AccountByEmail(ctx, email); err == nil {
		s.mail(ctx, op, a, t)
	} else if _, err := s.take(ctx, op, s.mailCounter(email)); err == nil {
		s.send(ctx, email, "", t)
	}
	return r, nil
}

func waitCause(days int) string {
	if days == 0 {
		return ""
	}
	return "emergency_wait_days=" + strconv.Itoa(days)
}

// Representatives lists the representatives of record rid. Only the
// patient's own list carries the representatives' current public keys;
// nobody gets the key slots this way.
func (s *Service) Representatives(ctx context.Context, p *Principal, rid akte.RecordID) ([]RepresentativeView, error) {
	const op = "representative.list"
	acc, err := s.authorize(ctx, p, rid, ActRepresentativeList)
	if err != nil {
		return nil, err
	}
	reps, err := s.store.Representatives(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	now := s.nowUTC()
	out := make([]RepresentativeView, 0, len(reps))
	for _, r := range reps {
		v := RepresentativeView{Rep: r, Role: repRole(r, now)}
		if acc.Role == RoleOwner && r.Account != "" {
			a, err := s.store.Account(ctx, r.Account)
			if err != nil && !akte.Is(err, akte.KindNotFound) {
				return nil, internal(op, err)
			}
			if err == nil {
				v.AccountKey = a.Keys.PublicKey
			}
		}
		c := *r
		c.RMKSlot = nil
		v.Rep = &c
		out = append(out, v)
	}
	return out, nil
}

// SetRepresentativeKey stores the record master key the patient's client
// wrapped to an accepted representative's public key (pub, which must be
// the key the representative's account has now).
func (s *Service) SetRepresentativeKey(ctx context.Context, p *Principal, rid akte.RecordID, id string, pub, slot []byte) error {
	const op = "representative.change"
	acc, err := s.authorize(ctx, p, rid, ActRepresentativeChange)
	if err != nil {
		return err
	}
	if err := validateWrapped(op, "rmk_slot", slot); err != nil {
		return err
	}
	r, err := s.representative(ctx, op, acc.Owner, id)
	if err != nil {
		return err
	}
	if r.AcceptedAt == nil || r.Account == "" {
		return akte.R(op, akte.KindConflict, "representative_not_accepted", nil, "")
	}
	a, err := s.store.Account(ctx, r.Account)
	if err != nil {
		return representativeNotFound(op)
	}
	if string(a.Keys.PublicKey) != string(pub) {
		return akte.R(op, akte.KindConflict, "representative_key_changed", nil, "")
	}
	prev := r.RequestedAt
	r.PublicKey, r.RMKSlot = pub, slot
	if err := s.store.UpdateRepresentative(ctx, r, prev); err != nil {
		if akte.Is(err, akte.KindNotFound) {
			return akte.R(op, akte.KindConflict, "representative_changed", nil, "")
		}
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{Cause: "record_key"})
}

func (s *Service) representative(ctx context.Context, op string, owner akte.AccountID, id string) (*akte.Representative, error) {
	reps, err := s.store.Representatives(ctx, owner)
	if err != nil {
		return nil, internal(op, err)
	}
	for _, r := range reps {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, representativeNotFound(op)
}

// RemoveRepresentative removes a representative of record rid; its access
// ends with the next request.
func (s *Service) RemoveRepresentative(ctx context.Context, p *Principal, rid akte.RecordID, id string) error {
	const op = "representative.remove"
	acc, err := s.authorize(ctx, p, rid, ActRepresentativeRemove)
	if err != nil {
		return err
	}
	if err := s.store.DeleteRepresentative(ctx, acc.Owner, id); akte.Is(err, akte.KindNotFound) {
		return representativeNotFound(op)
	} else if err != nil {
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "representative:"+id, akte.Event{})
}

// AcceptRepresentation is the named person's acceptance. The KVNR it
// states must be the one the patient named and the account's own
// (decision 0036): naming an address alone makes nobody a representative,
// and an account without a KVNR cannot accept (so stating KVNRs is no way
// to find the one the patient named). The patient is told by mail.
func (s *Service) AcceptRepresentation(ctx context.Context, p *Principal, rid akte.RecordID, kvnr string) (*akte.Representative, error) {
	const op = "representative.accept"
	acc, err := s.authorize(ctx, p, rid, ActRepresentativeAccept)
	if err != nil {
		return nil, err
	}
	if kvnr, err = validateKVNR(op, kvnr); err != nil {
		return nil, err
	}
	r := acc.Rep
	if kvnr != r.KVNR || p.Account.KVNR != r.KVNR {
		s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{Result: akte.ResultDenied, Cause: "representative_kvnr_mismatch"})
		return nil, akte.R(op, akte.KindForbidden, "representative_kvnr_mismatch", nil, "")
	}
	now := s.nowUTC()
	r.Account, r.AcceptedAt = p.Account.ID, &now
	if err := s.store.UpdateRepresentative(ctx, r, r.RequestedAt); akte.Is(err, akte.KindNotFound) {
		return nil, representativeNotFound(op)
	} else if err != nil {
		return nil, internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{}); err != nil {
		return nil, err
	}
	if owner, err := s.store.Account(ctx, r.Owner); err == nil {
		s.mail(ctx, op, owner, mail.RepresentativeAccepted{Representative: r.Email, ID: r.ID})
	}
	return r, nil
}

// RequestEmergency starts an emergency representative's waiting period
// (again, after a refusal); a request already running is left as it is.
// The patient is told by mail, with the time access opens and how to
// refuse.
func (s *Service) RequestEmergency(ctx context.Context, p *Principal, rid akte.RecordID) (*akte.Representative, error) {
	const op = "representative.emergency_request"
	acc, err := s.authorize(ctx, p, rid, ActEmergencyRequest)
	if err != nil {
		return nil, err
	}
	r := acc.Rep
	if r.RequestedAt != nil {
		return r, nil
	}
	now := s.nowUTC()
	opens := now.Add(time.Duration(r.WaitDays) * 24 * time.Hour)
	r.RequestedAt, r.OpensAt, r.RemindedAt, r.OpenedAt = &now, &opens, nil, nil
	if err := s.store.UpdateRepresentative(ctx, r, nil); akte.Is(err, akte.KindNotFound) {
		return nil, akte.R(op, akte.KindConflict, "representative_changed", nil, "")
	} else if err != nil {
		return nil, internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{Cause: "opens_at=" + opens.Format(time.RFC3339)}); err != nil {
		return nil, err
	}
	if owner, err := s.store.Account(ctx, r.Owner); err == nil {
		s.mail(ctx, op, owner, mail.EmergencyRequested{Representative: r.Email, ID: r.ID, Opens: opens.Format("2006-01-02 15:04"), Days: r.WaitDays})
	}
	return r, nil
}

// RefuseEmergency stops an emergency representative's request: during
// the waiting period access never opens; after it, access closes again.
// The representative is told by mail and may ask again.
func (s *Service) RefuseEmergency(ctx context.Context, p *Principal, rid akte.RecordID, id string) error {
	const op = "representative.emergency_refuse"
	acc, err := s.authorize(ctx, p, rid, ActEmergencyRefuse)
	if err != nil {
		return err
	}
	r, err := s.representative(ctx, op, acc.Owner, id)
	if err != nil {
		return err
	}
	if !r.Emergency() || r.RequestedAt == nil {
		return akte.R(op, akte.KindConflict, "emergency_no_request", nil, "")
	}
	prev, now := r.RequestedAt, s.nowUTC()
	r.RequestedAt, r.OpensAt, r.RemindedAt, r.OpenedAt, r.RefusedAt = nil, nil, nil, nil, &now
	if err := s.store.UpdateRepresentative(ctx, r, prev); akte.Is(err, akte.KindNotFound) {
		return akte.R(op, akte.KindConflict, "representative_changed", nil, "")
	} else if err != nil {
		return internal(op, err)
	}
	if err := s.accessEvent(ctx, acc, op, "representative:"+r.ID, akte.Event{}); err != nil {
		return err
	}
	if a, err := s.store.Account(ctx, r.Account); err == nil {
		s.mail(ctx, op, a, mail.EmergencyRefused{Patient: acc.P.Account.Email})
	}
	return nil
}

// emergencyJobs tells the patient a day before an emergency
// representative's access opens, and records the opening (REP-07) and
// tells both when it has. Access itself opens by the clock (repRole),
// not by this job; a refusal that comes between the job's read and its
// write wins (UpdateRepresentative's condition).
func (s *Service) emergencyJobs(ctx context.Context, now time.Time) error {
	const op = "representative.emergency_open"
	due, err := s.store.EmergenciesDue(ctx, now.Add(EmergencyReminder))
	if err != nil {
		return err
	}
	for _, r := range due {
		owner, err := s.store.Account(ctx, r.Owner)
		if akte.Is(err, akte.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		prev := r.RequestedAt
		if !now.Before(*r.OpensAt) {
			r.OpenedAt = &now
			if err := s.store.UpdateRepresentative(ctx, r, prev); akte.Is(err, akte.KindNotFound) {
				continue
			} else if err != nil {
				return err
			}
			s.event(ctx, akte.Event{AccountID: r.Owner, Operation: op, Object: "representative:" + r.ID, ActorID: "system", ActorRole: "system"})
			s.mail(ctx, op, owner, mail.EmergencyOpened{Representative: r.Email, Patient: owner.Email, Owner: true})
			if a, err := s.store.Account(ctx, r.Account); err == nil {
				s.mail(ctx, op, a, mail.EmergencyOpened{Representative: r.Email, Patient: owner.Email, Record: string(r.Record)})
			}
			continue
		}
		if r.RemindedAt != nil {
			continue
		}
		r.RemindedAt = &now
		if err := s.store.UpdateRepresentative(ctx, r, prev); akte.Is(err, akte.KindNotFound) {
			continue
		} else if err != nil {
			return err
		}
		s.mail(ctx, op, owner, mail.EmergencyReminder{Representative: r.Email, ID: r.ID, Opens: r.OpensAt.Format("2006-01-02 15:04")})
	}
	return nil
}
