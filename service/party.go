package service

import (
	"context"
	"strings"
	"unicode"

	"github.com/akte/akte"
)

// Write-only parties (decision 0043): health apps (DiGA) and insurers.
// The operator registers one and hands it a credential; the patient links
// an app to the record (an insurer is linked when its insured activates
// the record it opened). A linked party may read the record's public key
// and add items, sealed to it, into its kind's category; nothing else.

// partyTokenPrefix marks a party's credential, so that Authenticate knows
// which table to ask.
const partyTokenPrefix = "akp_"

// The roles of linked parties in the policy table.
const (
	RoleApp     Role = "app"
	RoleInsurer Role = "insurer"
)

func errPartyNotFound(op string) error {
	return akte.R(op, akte.KindNotFound, "app_not_found", nil, "")
}

// validatePartyName checks an app's or insurer's display name.
func validatePartyName(op, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", invalid(op, "party_name_invalid", map[string]any{"max": 100})
	}
	return name, nil
}

// PartyRegistration is what the operator gets once: the party and its
// credential, stored only as a hash.
type PartyRegistration struct {
	Party      *akte.Party
	Credential string
}

// AdminRegisterParty registers an app or an insurer and returns its
// credential, which is shown once.
func (s *Service) AdminRegisterParty(ctx context.Context, op Operator, kind akte.PartyKind, name string) (*PartyRegistration, error) {
	opName, prefix := "admin.app_register", "app_"
	if kind == akte.PartyInsurer {
		opName, prefix = "admin.insurer_register", "ins_"
	} else if kind != akte.PartyApp {
		return nil, invalid(opName, "party_kind_invalid", nil)
	}
	name, err := validatePartyName(opName, name)
	if err != nil {
		return nil, err
	}
	cred := partyTokenPrefix + prefix + randomToken(32) // the kind shows, for the client's default category
	p := &akte.Party{ID: akte.PartyID(prefix + randomToken(10)), Kind: kind, Name: name, SecretHash: tokenHash(cred), CreatedAt: s.nowUTC()}
	if err := s.store.CreateParty(ctx, p); err != nil {
		return nil, internal(opName, err)
	}
	if err := s.event(ctx, akte.Event{Operation: opName, Object: "party:" + string(p.ID), ActorID: op.actor(), ActorRole: "operator"}); err != nil {
		return nil, err
	}
	return &PartyRegistration{Party: p, Credential: cred}, nil
}

// AdminParties lists the registered parties of a kind.
func (s *Service) AdminParties(ctx context.Context, kind akte.PartyKind) ([]*akte.Party, error) {
	ps, err := s.store.Parties(ctx, kind)
	if err != nil {
		return nil, internal("admin.parties", err)
	}
	return ps, nil
}

// authenticateParty finds the party a credential belongs to. Its
// principal has no session and no record; its Account carries only the
// party's id, so that events name it as their actor.
func (s *Service) authenticateParty(ctx context.Context, op, token string) (*Principal, error) {
	p, err := s.store.PartyBySecret(ctx, tokenHash(token))
	if akte.Is(err, akte.KindNotFound) {
		return nil, errSession(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	return &Principal{Account: &akte.Account{ID: akte.AccountID(p.ID)}, Session: &akte.Session{}, Party: p}, nil
}

// partyRole is what a party is to a record: an app or insurer if linked
// to it, a stranger otherwise.
func (s *Service) partyRole(ctx context.Context, p *Principal, rid akte.RecordID) (Role, akte.AccountID, error) {
	if !recordIDRe.MatchString(string(rid)) {
		return RoleStranger, "", nil
	}
	l, err := s.store.PartyLink(ctx, p.Party.ID, rid)
	if akte.Is(err, akte.KindNotFound) {
		return RoleStranger, "", nil
	}
	if err != nil {
		return "", "", internal("party.role", err)
	}
	if p.Party.Kind == akte.PartyInsurer {
		return RoleInsurer, l.AccountID, nil
	}
	return RoleApp, l.AccountID, nil
}

// partyScope admits only uploads into the party's category.
type partyScope struct{ category akte.CategoryID }

func (ps partyScope) Covers(action Action, it *akte.Item) bool {
	return action == ActItemUpload && it.Category == ps.category
}

// RecordKey is a record's public key, to which write-only parties seal.
type RecordKey struct {
	Record    akte.RecordID
	PublicKey []byte
}

// RecordPublicKey returns the record's public key to whoever may add to
// the record through the inbox. The caller checks it against the
// fingerprint the patient confirmed: the server could give another.
func (s *Service) RecordPublicKey(ctx context.Context, p *Principal, rid akte.RecordID) (*RecordKey, error) {
	const op = "record.public_key"
	acc, err := s.authorize(ctx, p, rid, ActPublicKeyRead)
	if err != nil {
		return nil, err
	}
	rec, err := s.store.Record(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	return &RecordKey{Record: rid, PublicKey: rec.PublicKey}, nil
}

// AppEntry is a registered app as the patient sees it, with its link to
// the record if it is connected. The record's insurer shows too.
type AppEntry struct {
	Party     *akte.Party
	Category  akte.CategoryID
	Connected *akte.PartyLink
}

// Apps lists the registered apps and the parties linked to the record.
func (s *Service) Apps(ctx context.Context, p *Principal, rid akte.RecordID) ([]AppEntry, error) {
	const op = "app.list"
	acc, err := s.authorize(ctx, p, rid, ActAppList)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.Parties(ctx, "")
	if err != nil {
		return nil, internal(op, err)
	}
	ls, err := s.store.PartyLinks(ctx, acc.Owner)
	if err != nil {
		return nil, internal(op, err)
	}
	linked := map[akte.PartyID]*akte.PartyLink{}
	for _, l := range ls {
		linked[l.Party] = l
	}
	out := []AppEntry{}
	for _, pt := range ps {
		l := linked[pt.ID]
		if pt.Kind != akte.PartyApp && l == nil {
			continue // an insurer shows only to its insured
		}
		pt := *pt
		pt.SecretHash = nil
		out = append(out, AppEntry{Party: &pt, Category: pt.Kind.Category(), Connected: l})
	}
	if err := s.accessEvent(ctx, acc, op, "record:"+string(rid), akte.Event{}); err != nil {
		return nil, err
	}
	return out, nil
}

// ConnectApp links a registered app to the record: from now on it may add
// to the apps category. Connecting again is a no-op.
func (s *Service) ConnectApp(ctx context.Context, p *Principal, rid akte.RecordID, id akte.PartyID) (*AppEntry, error) {
	const op = "app.connect"
	acc, err := s.authorize(ctx, p, rid, ActAppManage)
	if err != nil {
		return nil, err
	}
	pt, err := s.store.Party(ctx, id)
	if akte.Is(err, akte.KindNotFound) || (err == nil && pt.Kind != akte.PartyApp) {
		return nil, errPartyNotFound(op)
	}
	if err != nil {
		return nil, internal(op, err)
	}
	l, err := s.store.PartyLink(ctx, id, rid)
	if akte.Is(err, akte.KindNotFound) {
		l = &akte.PartyLink{Party: id, AccountID: acc.Owner, Record: rid, CreatedAt: s.nowUTC()}
		if err := s.store.LinkParty(ctx, l); err != nil {
			return nil, internal(op, err)
		}
		if err := s.accessEvent(ctx, acc, op, "party:"+string(id), akte.Event{}); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, internal(op, err)
	}
	pt.SecretHash = nil
	return &AppEntry{Party: pt, Category: pt.Kind.Category(), Connected: l}, nil
}

// DisconnectApp ends an app's link to the record (also the insurer's):
// it can add nothing more. What it added stays.
func (s *Service) DisconnectApp(ctx context.Context, p *Principal, rid akte.RecordID, id akte.PartyID) error {
	const op = "app.disconnect"
	acc, err := s.authorize(ctx, p, rid, ActAppManage)
	if err != nil {
		return err
	}
	if err := s.store.UnlinkParty(ctx, id, acc.Owner); akte.Is(err, akte.KindNotFound) {
		return errPartyNotFound(op)
	} else if err != nil {
		return internal(op, err)
	}
	return s.accessEvent(ctx, acc, op, "party:"+string(id), akte.Event{})
}
