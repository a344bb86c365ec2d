package client

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// GrantSpec is a grant as a person asks for it (akte grant add).
type GrantSpec struct {
	Grantee    string
	RecordWide bool
	Categories []string
	Items      []string
	Write      bool
	Until      *time.Time
	Unlimited  bool
	// Fingerprint, if set, is the grantee's key fingerprint as the
	// provider showed it: a different key is refused.
	Fingerprint string
}

// Grant wraps the keys the spec covers to the grantee's public key
// (design §4.2) and creates the grant. It returns the grant and the
// fingerprint of the key it wrapped to.
func (c *API) Grant(ctx context.Context, rec *core.Record, s GrantSpec) (*wire.Grant, string, error) {
	g, err := c.Grantee(ctx, s.Grantee)
	if err != nil {
		return nil, "", err
	}
	if err := core.Expect("account", s.Grantee, g.ID); err != nil {
		return nil, "", err
	}
	fp := seal.Fingerprint(g.PublicKey)
	if want := strings.Join(strings.Fields(strings.ToLower(s.Fingerprint)), ""); want != "" && want != strings.ReplaceAll(fp, " ", "") {
		return nil, fp, akte.R("grant.create", akte.KindCrypto, "grantee_key_mismatch", map[string]any{"fingerprint": fp},
			"Der Schlüssel der Praxis hat nicht den Fingerabdruck, den Sie angegeben haben. Es wurde nichts freigegeben.")
	}
	req := wire.GrantRequest{Grantee: s.Grantee, Write: s.Write, Until: s.Until, Unlimited: s.Unlimited}
	switch {
	case s.RecordWide:
		req.Scope = string(akte.ScopeRecord)
		req.Keys, err = rec.GrantCategoryKeys(g.PublicKey, core.GrantableCategories())
	case len(s.Categories) > 0:
		req.Scope, req.Categories = string(akte.ScopeCategories), s.Categories
		req.Keys, err = rec.GrantCategoryKeys(g.PublicKey, s.Categories)
	default:
		req.Scope, req.Items = string(akte.ScopeItems), s.Items
		var its []wire.Item
		for _, id := range s.Items {
			it, err := c.Item(ctx, id)
			if err != nil {
				return nil, fp, err
			}
			if err := core.Expect("item", id, it.ID); err != nil {
				return nil, fp, err
			}
			its = append(its, *it)
		}
		req.Keys, err = rec.GrantItemKeys(g.PublicKey, its)
	}
	if err != nil {
		return nil, fp, err
	}
	out, err := c.CreateGrant(ctx, req)
	return out, fp, err
}

// Rotate makes a new version of each category's key, wrapped to every
// running grant that covers it unless the category is hidden from the
// grantee (core.Record.RotateCategory), so that a grantee whose grant
// ended, or from whom the category is hidden, cannot read what is added
// from now on.
func (c *API) Rotate(ctx context.Context, rec *core.Record, categories []string) error {
	if len(categories) == 0 {
		return nil
	}
	grants, err := c.Grants(ctx)
	if err != nil {
		return err
	}
	hs, err := c.Hidings(ctx)
	if err != nil {
		return err
	}
	hidden := func(grantee, category string) bool {
		return slices.ContainsFunc(hs, func(h wire.Hiding) bool { return h.Grantee == grantee && h.Category == category })
	}
	for _, cat := range categories {
		add, err := rec.RotateCategory(cat, grants, hidden)
		if err != nil {
			return err
		}
		if err := c.AddCategoryKey(ctx, *add); err != nil {
			return err
		}
	}
	return nil
}

// RotateAfter rotates the keys of the categories a grant handed out (after
// it was revoked, or its grantee blocked).
func (c *API) RotateAfter(ctx context.Context, rec *core.Record, ended []wire.Grant) error {
	var cats []string
	for _, cat := range core.GrantableCategories() {
		for _, g := range ended {
			if core.GrantCovers(g, cat) {
				cats = append(cats, cat)
				break
			}
		}
	}
	return c.Rotate(ctx, rec, cats)
}

// OpenGranted opens the keys of the caller's running grants of the
// record the API addresses with the account's private key, and checks the
// record's public key against the one pinned in seen (pinning it at first
// sight).
func (c *API) OpenGranted(ctx context.Context, priv []byte, seen *Seen) (*core.Keyring, error) {
	grants, err := c.Grants(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if err := core.Expect("record", c.RecordID, g.RecordID); err != nil {
			return nil, err
		}
	}
	kr, err := core.OpenGrants(priv, c.RecordID, grants)
	if err != nil {
		return nil, err
	}
	if err := core.PinRecordKey(seen.RecordKeys[c.RecordID], kr.RecordPub); err != nil {
		return nil, err
	}
	if seen.RecordKeys == nil {
		seen.RecordKeys = map[string][]byte{}
	}
	seen.RecordKeys[c.RecordID] = kr.RecordPub
	return kr, nil
}

// RotateIfNeeded adds a new version of the category's key if the server
// says a former grantee holds the newest (wire.Record.Rotate), before an
// item is added there.
func (c *API) RotateIfNeeded(ctx context.Context, rec *core.Record, category string) error {
	if !slices.Contains(rec.Info.Rotate, category) {
		return nil
	}
	if err := c.Rotate(ctx, rec, []string{category}); err != nil {
		return err
	}
	rec.Info.Rotate = slices.DeleteFunc(rec.Info.Rotate, func(s string) bool { return s == category })
	return nil
}
