package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func grantOut(g service.GrantInfo) wire.Grant {
	out := wire.Grant{ID: string(g.ID), RecordID: string(g.Record), Grantee: string(g.Grantee), Scope: string(g.Scope),
		Write: g.Write, CreatedAt: g.CreatedAt, Until: g.Until, RevokedAt: g.RevokedAt, Active: g.Active,
		GranteePublicKey: g.GranteePublicKey, RecordPublicKey: g.RecordPublicKey}
	for _, c := range g.Categories {
		out.Categories = append(out.Categories, string(c))
	}
	for _, i := range g.Items {
		out.Items = append(out.Items, string(i))
	}
	for _, k := range g.Keys {
		out.Keys = append(out.Keys, wire.GrantKey{ID: k.ID, Slot: k.Slot})
	}
	return out
}

func (a *API) handleGrantList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	gs, err := a.svc.Grants(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := []wire.Grant{}
	for _, g := range gs {
		out = append(out, grantOut(g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleGrantCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.GrantRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	gr := service.GrantRequest{Grantee: akte.AccountID(req.Grantee), Scope: akte.GrantScope(req.Scope), Write: req.Write,
		Until: req.Until, Unlimited: req.Unlimited}
	for _, c := range req.Categories {
		gr.Categories = append(gr.Categories, akte.CategoryID(c))
	}
	for _, i := range req.Items {
		gr.Items = append(gr.Items, akte.ItemID(i))
	}
	for _, k := range req.Keys {
		gr.Keys = append(gr.Keys, akte.GrantKey{ID: k.ID, Slot: k.Slot})
	}
	g, err := a.svc.CreateGrant(r.Context(), p, rid(r), gr)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, grantOut(service.GrantInfo{Grant: g, Active: true}))
}

func (a *API) handleGrantRevoke(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.RevokeGrant(r.Context(), p, rid(r), akte.GrantID(r.PathValue("gid"))); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleGranteeGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	id := r.PathValue("id")
	pub, err := a.svc.GranteeKey(r.Context(), p, rid(r), akte.AccountID(id))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Grantee{ID: id, PublicKey: pub})
}

func (a *API) handleCategoryKeyAdd(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.CategoryKeyAdd
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	k := service.NewCategoryKey{Key: akte.CategoryKey{Category: akte.CategoryID(req.Category), Version: req.Version, KeyByRMK: req.KeyByRMK},
		GrantKeys: map[akte.GrantID]akte.GrantKey{}}
	for id, gk := range req.GrantKeys {
		k.GrantKeys[akte.GrantID(id)] = akte.GrantKey{ID: gk.ID, Slot: gk.Slot}
	}
	if err := a.svc.AddCategoryKey(r.Context(), p, rid(r), k); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleHidingList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	hs, err := a.svc.Hidings(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := []wire.Hiding{}
	for _, h := range hs {
		out = append(out, wire.Hiding{Grantee: string(h.Grantee), Category: string(h.Category), Item: string(h.Item)})
	}
	writeJSON(w, http.StatusOK, out)
}

// hiding reads the hiding a path names: .../hidings/{grantee}/{kind}/{object}
// with kind category or item.
func hiding(r *http.Request) akte.Hiding {
	h := akte.Hiding{Grantee: akte.AccountID(r.PathValue("grantee"))}
	switch r.PathValue("kind") {
	case "category":
		h.Category = akte.CategoryID(r.PathValue("object"))
	case "item":
		h.Item = akte.ItemID(r.PathValue("object"))
	}
	return h
}

func (a *API) handleHidingPut(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.SetHidden(r.Context(), p, rid(r), hiding(r), true); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleHidingDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.SetHidden(r.Context(), p, rid(r), hiding(r), false); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleBlockList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	ids, err := a.svc.Blocked(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.Blocks{Blocked: []string{}}
	for _, id := range ids {
		out.Blocked = append(out.Blocked, string(id))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleBlockPut(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	id := r.PathValue("account")
	ended, err := a.svc.Block(r.Context(), p, rid(r), akte.AccountID(id))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.Blocks{Blocked: []string{id}, Ended: []string{}}
	for _, g := range ended {
		out.Ended = append(out.Ended, string(g))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleBlockDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.Unblock(r.Context(), p, rid(r), akte.AccountID(r.PathValue("account"))); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
