package api

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func shareOut(s *akte.Share, now time.Time) wire.Share {
	out := wire.Share{ID: string(s.ID), Code: s.Code, Password: s.Password, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt,
		RevokedAt: s.RevokedAt, LockedAt: s.LockedAt, Failures: s.Failures, Items: []string{}, Views: []time.Time{}}
	switch {
	case s.RevokedAt != nil:
		out.State = "revoked"
	case s.LockedAt != nil:
		out.State = "locked"
	case !now.Before(s.ExpiresAt):
		out.State = "expired"
	default:
		out.State = "open"
	}
	for _, it := range s.Items {
		out.Items = append(out.Items, string(it.Item))
	}
	out.Views = append(out.Views, s.Views...)
	return out
}

func (a *API) handleShareList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	ss, err := a.svc.Shares(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := []wire.Share{}
	for _, s := range ss {
		out = append(out, shareOut(s, time.Now()))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleShareCreate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.ShareRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	sr := service.ShareRequest{ID: akte.ShareID(req.ID), Code: req.Code, Password: req.Password, Proof: req.Proof}
	if req.ExpiresAt != nil {
		sr.ExpiresAt = *req.ExpiresAt
	}
	for _, it := range req.Items {
		sr.Items = append(sr.Items, akte.ShareItem{Item: akte.ItemID(it.ID), Slot: it.Slot})
	}
	s, err := a.svc.CreateShare(r.Context(), p, rid(r), sr)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, shareOut(s, time.Now()))
}

func (a *API) handleShareRevoke(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.RevokeShare(r.Context(), p, rid(r), akte.ShareID(r.PathValue("sid"))); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleShareOpen is the recipient's: no session, the proof in the body.
func (a *API) handleShareOpen(w http.ResponseWriter, r *http.Request) {
	var req wire.ShareOpen
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	s, err := a.svc.OpenShare(r.Context(), akte.ShareID(req.ID), req.Proof, clientOf(r).Addr)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.OpenedShare{ID: string(s.ID), ExpiresAt: s.ExpiresAt, Items: []wire.SharedItem{}}
	for _, it := range s.Items {
		out.Items = append(out.Items, wire.SharedItem{ID: string(it.ID), Kind: string(it.Kind), Size: it.Size, CreatedAt: it.CreatedAt,
			MetaSealed: it.MetaSealed, Slot: it.Slot})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleShareContent streams a shared item's ciphertext (with Range, as
// handleItemContent) to a recipient whose proof is in ShareProofHeader.
func (a *API) handleShareContent(w http.ResponseWriter, r *http.Request) {
	proof, _ := base64.StdEncoding.DecodeString(r.Header.Get(wire.ShareProofHeader))
	a.serveContent(w, r, func(from int64) (*akte.Item, contentReader, error) {
		return a.svc.SharedContent(r.Context(), akte.ShareID(r.PathValue("id")), akte.ItemID(r.PathValue("item")), proof, clientOf(r).Addr, from)
	})
}
