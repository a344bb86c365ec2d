package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// representativeOut is a representative for the wire.
func representativeOut(r *akte.Representative, role service.Role, accountKey []byte) wire.Representative {
	return wire.Representative{ID: r.ID, RecordID: string(r.Record), Email: r.Email, KVNR: r.KVNR, EmergencyWaitDays: r.WaitDays,
		Role: string(role), CreatedAt: r.CreatedAt, AcceptedAt: r.AcceptedAt, AccountKey: accountKey, KeyHandedOver: len(r.PublicKey) > 0,
		PublicKey: r.PublicKey, RequestedAt: r.RequestedAt, OpensAt: r.OpensAt, RefusedAt: r.RefusedAt}
}

func (a *API) handleRepresentativeList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	vs, err := a.svc.Representatives(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := []wire.Representative{}
	for _, v := range vs {
		out = append(out, representativeOut(v.Rep, v.Role, v.AccountKey))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleRepresentativeAdd(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.RepresentativeAdd
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	rep, err := a.svc.AddRepresentative(r.Context(), p, rid(r), req.Email, req.KVNR, req.EmergencyWaitDays)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, representativeOut(rep, service.RoleInvited, nil))
}

func (a *API) handleRepresentativeDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.RemoveRepresentative(r.Context(), p, rid(r), r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleRepresentativeKey(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.RepresentativeKey
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.SetRepresentativeKey(r.Context(), p, rid(r), r.PathValue("id"), req.PublicKey, req.RMKSlot); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleRepresentativeAccept(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.RepresentativeAccept
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	rep, err := a.svc.AcceptRepresentation(r.Context(), p, rid(r), req.KVNR)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, representativeOut(rep, service.RoleRepresentative, nil))
}

func (a *API) handleEmergencyRequest(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	rep, err := a.svc.RequestEmergency(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, representativeOut(rep, service.RoleEmergencyWaiting, nil))
}

func (a *API) handleEmergencyRefuse(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.RefuseEmergency(r.Context(), p, rid(r), r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
