package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// Write-only parties (decision 0043): the patient's apps, the insurer's
// shells and the activation with their codes, the record's public key.

func appOut(e service.AppEntry) wire.App {
	out := wire.App{ID: string(e.Party.ID), Kind: string(e.Party.Kind), Name: e.Party.Name, Category: string(e.Category)}
	if e.Connected != nil {
		t := e.Connected.CreatedAt
		out.Connected, out.ConnectedAt = true, &t
	}
	return out
}

func (a *API) handleAppList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	es, err := a.svc.Apps(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.Apps{Apps: []wire.App{}}
	for _, e := range es {
		out.Apps = append(out.Apps, appOut(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleAppConnect(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	e, err := a.svc.ConnectApp(r.Context(), p, rid(r), akte.PartyID(r.PathValue("app")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, appOut(*e))
}

func (a *API) handleAppDisconnect(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.DisconnectApp(r.Context(), p, rid(r), akte.PartyID(r.PathValue("app"))); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleRecordPublicKey(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	k, err := a.svc.RecordPublicKey(r.Context(), p, rid(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.RecordKey{RecordID: string(k.Record), PublicKey: k.PublicKey})
}

func (a *API) handleInsurerOpenRecord(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.OpenRecordRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.svc.OpenRecord(r.Context(), p, service.OpenRecordRequest{KVNR: req.KVNR, BirthDate: req.BirthDate, Email: req.Email})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.OpenRecordResponse{ID: res.ID, Code: res.Code, ExpiresAt: res.ExpiresAt})
}

func (a *API) handleAccountActivate(w http.ResponseWriter, r *http.Request) {
	var req wire.ActivateRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.svc.Activate(r.Context(), clientOf(r), service.ActivateRequest{Code: req.Code, RegisterRequest: service.RegisterRequest{
		Email: req.Email, KVNR: req.KVNR, KDF: req.KDF, LoginSecret: req.LoginSecret,
		RecoveryVerifier: req.RecoveryVerifier, Keys: req.Keys, DeviceID: akte.DeviceID(req.DeviceID), DeviceName: req.DeviceName,
		Record: req.Record.Record(), Lang: req.Lang, Consents: answersIn(req.Consents), Via: akte.ConsentVia(req.Via),
	}})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.setDeviceCookie(w, res.DeviceSecret)
	writeJSON(w, http.StatusCreated, wire.RegisterResponse{AccountID: string(res.AccountID), TOTPSecret: res.TOTPSecret, TOTPURI: res.TOTPURI,
		DeviceSecret: res.DeviceSecret})
}

// partyRoutes are the routes outside a record that a party's credential
// may call; on every other such route it is refused (record routes ask the
// policy, where a party is an app, an insurer or a stranger).
var partyRoutes = map[string]bool{
	"POST /api/v1/insurer/records": true,
}

func partyAllowed(pattern string) bool {
	_, record := recordRoutes[pattern]
	return record || partyRoutes[pattern]
}
