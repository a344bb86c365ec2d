package service

import (
	"context"
	"maps"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
)

// Who may do what with a record is decided here and nowhere else
// (design §2.3, complete mediation): every record-scoped method asks
// authorize, which finds the principal's role in the record and asks
// decide, which reads the policy table. docs/permissions.md is written
// from the table (TestPermissionsDoc) and the API's matrix test holds every
// route against it (api.TestPermissionMatrix).

// Role is what a principal is to one record.
type Role string

// The roles of design §1 and issue 14. Only RoleOwner and RoleStranger
// are resolved today; the others have their row so that the table says
// what they will be allowed before the code for them exists.
const (
	RoleOwner            Role = "owner"
	RoleRepresentative   Role = "representative"
	RoleEmergencyWaiting Role = "emergency_waiting"
	RoleEmergencyOpen    Role = "emergency_open"
	RoleProviderRecord   Role = "provider_record_read"
	RoleProviderRecordW  Role = "provider_record_add"
	RoleProviderCategory Role = "provider_category_read"
	RoleProviderCatW     Role = "provider_category_add"
	RoleProviderItem     Role = "provider_item_read"
	RoleProviderItemW    Role = "provider_item_add"
	RoleStranger         Role = "stranger"
	RoleOperator         Role = "operator"
)

// RoleInvited is a person named as representative who has not accepted
// yet (decision 0036): it may only accept. The representatives' roles
// are resolved by representativeRole, for a principal roleOf finds a
// stranger.
const RoleInvited Role = "invited"

// Action is a record-scoped operation. Where the audit log has an
// operation of the same name, the action is recorded under it.
type Action string

// The record-scoped actions the API offers.
const (
	ActRecordRead         Action = "record.read"           // the record's keys, categories and quota
	ActManifestRead       Action = "record.manifest_read"  // the sealed manifest of the record's items
	ActManifestWrite      Action = "record.manifest_write" // a new sealed manifest
	ActItemList           Action = "item.list"
	ActItemReadMetadata   Action = "item.read_metadata"
	ActItemDownload       Action = "item.download"
	ActItemUpload         Action = "item.upload" // start, resume, chunks, completion; also a new version
	ActItemChangeMetadata Action = "item.change_metadata"
	ActItemDelete         Action = "item.delete"
	ActGrantList          Action = "grant.list"   // the record's grants (a grantee: its own)
	ActGrantManage        Action = "grant.manage" // grant, revoke, hide, unhide, block, unblock
	ActKeyAdd             Action = "record.key_add"

	// Representatives (decision 0036). Naming, changing (handing over the
	// record key) and removing them is the patient's alone (design §1);
	// accepting is the named person's, the emergency request the
	// emergency representative's.
	ActRepresentativeList   Action = "representative.list"
	ActRepresentativeAdd    Action = "representative.add"
	ActRepresentativeChange Action = "representative.change" // the record key wrapped to an accepted representative
	ActRepresentativeRemove Action = "representative.remove"
	ActRepresentativeAccept Action = "representative.accept"
	ActEmergencyRequest     Action = "representative.emergency_request"
	ActEmergencyRefuse      Action = "representative.emergency_refuse"
)

// Permission is one cell of the table.
type Permission string

const (
	// Allow: every object of the record.
	Allow Permission = "yes"
	// Scoped: only the objects the principal's grant covers and that are
	// not hidden from it; a listing shows only those, an upload goes only
	// into a category the grant covers.
	Scoped Permission = "in scope"
	// Deny: nothing.
	Deny Permission = "no"
)

// RoleInfo describes a role for docs/permissions.md.
type RoleInfo struct {
	Role Role
	// Who says who has the role.
	Who string
	// Resolved says whether authorize can find the role today (the others
	// come with the later steps of issue 14).
	Resolved bool
}

// ActionInfo describes an action for docs/permissions.md.
type ActionInfo struct {
	Action Action
	What   string
}

// Roles lists the roles in the order of the table.
func Roles() []RoleInfo {
	return []RoleInfo{
		{RoleOwner, "the patient whose record it is", true},
		{RoleRepresentative, "a representative the patient named, after accepting", true},
		{RoleEmergencyWaiting, "an emergency representative whose waiting period has not passed (or who has made no request, or whose request the patient refused)", true},
		{RoleEmergencyOpen, "an emergency representative after the waiting period", true},
		{RoleProviderRecord, "a provider with a whole-record grant to read", true},
		{RoleProviderRecordW, "a provider with a whole-record grant to read and add", true},
		{RoleProviderCategory, "a provider with a grant of categories to read", true},
		{RoleProviderCatW, "a provider with a grant of categories to read and add", true},
		{RoleProviderItem, "a provider with a grant of single items to read", true},
		{RoleProviderItemW, "a provider with a grant of single items to read and add", true},
		{RoleStranger, "any other account: also a provider whose grant expired or was revoked, a blocked provider, and anyone naming a record that does not exist", true},
		{RoleOperator, "the server's operator (akte admin): manages accounts, never reads health data", false},
		{RoleInvited, "a person the patient named as representative (by e-mail and KVNR) who has not accepted yet", true},
	}
}

// Actions lists the actions in the order of the table.
func Actions() []ActionInfo {
	return []ActionInfo{
		{ActRecordRead, "read the record's key material (wrapped keys, public key), categories and quota"},
		{ActManifestRead, "read the record's sealed manifest"},
		{ActManifestWrite, "write the record's sealed manifest"},
		{ActItemList, "list the record's items"},
		{ActItemReadMetadata, "read one item's sealed metadata"},
		{ActItemDownload, "download one item's ciphertext"},
		{ActItemUpload, "upload an item or a new version of one"},
		{ActItemChangeMetadata, "change an item's description or move it to another category"},
		{ActItemDelete, "delete an item"},
		{ActGrantList, "list the record's grants (a provider: its own, with the keys wrapped to it)"},
		{ActGrantManage, "grant, revoke, hide from a provider, block a provider, and undo these"},
		{ActKeyAdd, "add a new version of a category key (after a grant ended)"},
		{ActRepresentativeList, "list the record's representatives"},
		{ActRepresentativeAdd, "name a representative"},
		{ActRepresentativeChange, "hand an accepted representative the record key (wrapped by the patient's client)"},
		{ActRepresentativeRemove, "remove a representative"},
		{ActRepresentativeAccept, "accept being named representative"},
		{ActEmergencyRequest, "request emergency access (starts the waiting period)"},
		{ActEmergencyRefuse, "refuse an emergency representative's request"},
	}
}

// policy is the table: policy[role][action]. A missing cell denies.
var policy = func() map[Role]map[Action]Permission {
	all := func(p Permission) map[Action]Permission {
		m := map[Action]Permission{}
		for _, a := range Actions() {
			m[a.Action] = p
		}
		return m
	}
	provider := func(add bool) map[Action]Permission {
		m := all(Deny)
		m[ActItemList], m[ActItemReadMetadata], m[ActItemDownload] = Scoped, Scoped, Scoped
		m[ActGrantList] = Scoped
		if add {
			m[ActItemUpload] = Scoped
		}
		return m
	}
	// The patient does everything but what only a named person does;
	// a representative everything the patient does but name, change or
	// remove representatives (design §1; deleting the record and ending
	// the account are account routes, the owner's anyway).
	owner := all(Allow)
	owner[ActRepresentativeAccept], owner[ActEmergencyRequest] = Deny, Deny
	representative := maps.Clone(owner)
	representative[ActRepresentativeAdd], representative[ActRepresentativeChange], representative[ActRepresentativeRemove] = Deny, Deny, Deny
	waiting := all(Deny)
	waiting[ActEmergencyRequest] = Allow
	invited := all(Deny)
	invited[ActRepresentativeAccept] = Allow
	return map[Role]map[Action]Permission{
		RoleOwner:            owner,
		RoleRepresentative:   representative,
		RoleEmergencyWaiting: waiting,
		RoleEmergencyOpen:    representative,
		RoleInvited:          invited,
		RoleProviderRecord:   provider(false),
		RoleProviderRecordW:  provider(true),
		RoleProviderCategory: provider(false),
		RoleProviderCatW:     provider(true),
		RoleProviderItem:     provider(false),
		RoleProviderItemW:    provider(true),
		RoleStranger:         all(Deny),
		RoleOperator:         all(Deny),
	}
}()

// Cell returns what the table allows role to do.
func Cell(role Role, action Action) Permission {
	if p, ok := policy[role][action]; ok {
		return p
	}
	return Deny
}

// Scope says which items a scoped role may act on: those its grants
// cover and that are not hidden from it (service/grant.go).
type Scope interface {
	Covers(action Action, it *akte.Item) bool
}

// decide is the policy's one decision: may role do action, on the record
// as a whole (item nil: may it try at all) or on one item of it. Scoped
// admits the items scope covers (none if scope is nil).
//
// A refusal says only what the principal may learn. A stranger learns
// nothing, not even whether the record exists: its answer is the answer
// to a record that does not exist. A principal with some access to the
// record is told the action is not its to do; an item outside its scope
// is missing.
func decide(role Role, action Action, item *akte.Item, scope Scope) (allow bool, kind akte.Kind, reason string) {
	switch Cell(role, action) {
	case Allow:
		return true, 0, ""
	case Scoped:
		if item == nil || (scope != nil && scope.Covers(action, item)) {
			return true, 0, "" // the items are checked one by one
		}
		return false, akte.KindNotFound, "item_not_found"
	}
	if role == RoleStranger || role == RoleOperator {
		return false, akte.KindNotFound, "record_not_found"
	}
	return false, akte.KindForbidden, "action_not_permitted"
}

// restrictedDecide is decide while the patient restricts processing
// (decision 0044): the patient alone acts, as the table says; every other
// role with some access to the record is refused with record_restricted
// (the restriction is the patient's to tell: they know the record
// exists); a stranger's answer is unchanged.
func restrictedDecide(role Role, action Action, item *akte.Item, scope Scope) (allow bool, kind akte.Kind, reason string) {
	switch role {
	case RoleOwner, RoleStranger, RoleOperator:
		return decide(role, action, item, scope)
	}
	return false, akte.KindForbidden, "record_restricted"
}

// DecideRestricted is restrictedDecide on the record as a whole, for the
// matrix test and docs/permissions.md.
func DecideRestricted(role Role, action Action) (allow bool, kind akte.Kind, reason string) {
	return restrictedDecide(role, action, nil, nil)
}

// Decide is decide on the record as a whole, for the matrix test and
// docs/permissions.md: whether role may try action, and the answer's kind
// and reason if not.
func Decide(role Role, action Action) (allow bool, kind akte.Kind, reason string) {
	return decide(role, action, nil, nil)
}

// Access is an authorized principal's standing in one record.
type Access struct {
	P      *Principal
	Role   Role
	Record akte.RecordID
	// Owner is the account whose record it is: the store's key.
	Owner akte.AccountID
	// Rep is the principal's entry as representative (or invited
	// person) of the record; nil for other roles.
	Rep *akte.Representative
	// Scope is what a provider may act on (nil for the other roles).
	Scope *grantScope
}

// roleOf finds what the principal is to the record. Today a principal
// owns its own record and is a stranger to every other.
func roleOf(p *Principal, rid akte.RecordID) (Role, akte.AccountID) {
	if p.RecordID != "" && rid == p.RecordID {
		return RoleOwner, p.Account.ID
	}
	return RoleStranger, ""
}

// authorize decides whether p may do action in record rid; a refusal is
// recorded in the principal's own protocol under the action's operation
// (naming the record asked for if it is a well-formed id: the protocol
// keeps no text a caller made up).
func (s *Service) authorize(ctx context.Context, p *Principal, rid akte.RecordID, action Action) (*Access, error) {
	role, owner := roleOf(p, rid)
	var rep *akte.Representative
	var scope *grantScope
	if role == RoleStranger {
		var err error
		if role, owner, rep, err = s.representativeRole(ctx, p, rid); err != nil {
			return nil, err
		}
	}
	if role == RoleStranger {
		var err error
		if role, owner, scope, err = s.grantRole(ctx, p, rid); err != nil {
			return nil, err
		}
	}
	allow, kind, reason := decide(role, action, nil, scope)
	if role != RoleOwner && role != RoleStranger && role != RoleOperator {
		// Fails closed: an error reading the restriction denies.
		restricted, err := s.restricted(ctx, owner)
		if err != nil {
			return nil, internal(string(action), err)
		}
		if restricted {
			allow, kind, reason = restrictedDecide(role, action, nil, scope)
		}
	}
	if allow {
		return &Access{P: p, Role: role, Record: rid, Owner: owner, Rep: rep, Scope: scope}, nil
	}
	err := akte.R(string(action), kind, reason, nil, "")
	if _, known := audit.Operation(action).Info(); known {
		object := "record:"
		if recordIDRe.MatchString(string(rid)) {
			object += string(rid)
		}
		return nil, s.refused(ctx, p, string(action), object, err)
	}
	return nil, err
}

// may decides an action on one item of the record the access is to.
func (a *Access) may(op string, action Action, it *akte.Item) error {
	var scope Scope
	if a.Scope != nil {
		scope = a.Scope
	}
	if allow, kind, reason := decide(a.Role, action, it, scope); !allow {
		return akte.R(op, kind, reason, nil, "")
	}
	return nil
}

// actorRole is the role an event of the access names.
func (a *Access) actorRole() string {
	switch a.Role {
	case RoleOwner:
		return "patient"
	case RoleRepresentative, RoleEmergencyWaiting, RoleEmergencyOpen, RoleInvited:
		return "representative"
	}
	return string(a.Role)
}

// accessEvent records an event of the access in the record's protocol.
func (s *Service) accessEvent(ctx context.Context, a *Access, op, object string, e akte.Event) error {
	e.AccountID, e.Operation, e.Object = a.Owner, op, object
	e.ActorID, e.ActorRole, e.DeviceID = string(a.P.Account.ID), a.actorRole(), a.P.Session.DeviceID
	return s.event(ctx, e)
}

// RecordAccess is a record a principal may act on, with its role there
// and the owner as far as the principal may see it.
type RecordAccess struct {
	ID         akte.RecordID
	Role       Role
	OwnerEmail string
	OwnerKVNR  string
	// OpensAt is, for an emergency representative with a request, when
	// access opens.
	OpensAt *time.Time
	// Until is when the last running grant ends (nil: unlimited, or not a
	// provider).
	Until *time.Time
}

// Records lists the records the principal may act on: its own, those it
// represents or is invited to represent (representations), and those
// granted to it (grantedRecords).
func (s *Service) Records(ctx context.Context, p *Principal) ([]RecordAccess, error) {
	var out []RecordAccess
	if p.RecordID != "" {
		out = append(out, RecordAccess{ID: p.RecordID, Role: RoleOwner, OwnerEmail: p.Account.Email, OwnerKVNR: p.Account.KVNR})
	}
	reps, err := s.representations(ctx, p)
	if err != nil {
		return nil, err
	}
	out = append(out, reps...)
	granted, err := s.grantedRecords(ctx, p)
	if err != nil {
		return nil, err
	}
	out = append(out, granted...)
	return out, s.AccountRead(ctx, p)
}
