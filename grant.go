package akte

import "time"

// GrantID identifies a grant; the server chooses it.
type GrantID string

// GrantScope says what a grant covers (design §4.2).
type GrantScope string

// Grant scopes.
const (
	ScopeRecord     GrantScope = "record"     // every grantable category
	ScopeCategories GrantScope = "categories" // the categories named
	ScopeItems      GrantScope = "items"      // the items named
)

// Grant lets another account (a provider) read, and with Write also add
// to, part of a record until Until (nil: unlimited) unless revoked. The
// keys it covers travel in Keys, wrapped by the patient's client to the
// grantee's public key; the server stores them verbatim.
type Grant struct {
	ID         GrantID
	Owner      AccountID // whose record it is
	Record     RecordID
	Grantee    AccountID
	Scope      GrantScope
	Categories []CategoryID // ScopeCategories
	Items      []ItemID     // ScopeItems
	Write      bool
	CreatedAt  time.Time
	CreatedBy  AccountID
	Until      *time.Time
	RevokedAt  *time.Time
	Keys       []GrantKey
}

// Active says whether the grant is in force at t.
func (g *Grant) Active(t time.Time) bool {
	return g.RevokedAt == nil && (g.Until == nil || t.Before(*g.Until))
}

// EndedAt is when the grant ended (revoked or expired), or nil while it
// runs at t.
func (g *Grant) EndedAt(t time.Time) *time.Time {
	if g.RevokedAt != nil {
		return g.RevokedAt
	}
	if g.Until != nil && !t.Before(*g.Until) {
		return g.Until
	}
	return nil
}

// GrantKey is one key of a grant in a slot to the grantee's public key:
// a category key version (ID is seal.CategoryKeyID) or an item key (ID is
// the item id).
type GrantKey struct {
	ID   string
	Slot []byte
}

// Hiding excludes one item or one whole category of a record from one
// grantee, while other grantees keep it. Exactly one of Category and Item
// is set.
type Hiding struct {
	Owner    AccountID
	Grantee  AccountID
	Category CategoryID
	Item     ItemID
}
