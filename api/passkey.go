package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func (a *API) handlePasskeyNew(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.PasskeyBegin
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	opts, err := a.svc.BeginPasskeyRegistration(r.Context(), p, req.LoginSecret, req.TOTP)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PasskeyOptions{Options: opts})
}

func (a *API) handlePasskeyAdd(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.PasskeyAdd
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	pk, err := a.svc.AddPasskey(r.Context(), p, req.Name, req.Credential)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, passkeyOut(pk))
}

func (a *API) handlePasskeyList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	pks, err := a.svc.Passkeys(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Passkey, len(pks))
	for i, pk := range pks {
		out[i] = passkeyOut(pk)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handlePasskeyDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.RemovePasskey(r.Context(), p, r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleSessionPasskey issues a passkey login's challenge; the login
// itself is POST /api/v1/sessions with the answer in place of the code.
func (a *API) handleSessionPasskey(w http.ResponseWriter, r *http.Request) {
	opts, err := a.svc.BeginPasskeyLogin(r.Context(), clientOf(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PasskeyOptions{Options: opts})
}

func passkeyOut(pk *akte.Passkey) wire.Passkey {
	return wire.Passkey{ID: pk.ID, Name: pk.Name, CreatedAt: pk.CreatedAt, LastUsedAt: pk.LastUsedAt}
}
