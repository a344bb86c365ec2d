package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func (a *API) handleProviderCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.ProviderRegisterRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.svc.RegisterProvider(r.Context(), clientOf(r), service.ProviderRegisterRequest{
		Email: req.Email, KDF: req.KDF, LoginSecret: req.LoginSecret, RecoveryVerifier: req.RecoveryVerifier, Keys: req.Keys,
		DeviceID: akte.DeviceID(req.DeviceID), DeviceName: req.DeviceName, Lang: req.Lang,
		Type: akte.ProviderType(req.Provider.Type), Name: req.Provider.Name, TelematikID: req.Provider.TelematikID,
		LANR: req.Provider.LANR, BSNR: req.Provider.BSNR, Place: req.Provider.Place,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.setDeviceCookie(w, res.DeviceSecret)
	writeJSON(w, http.StatusCreated, wire.RegisterResponse{AccountID: string(res.AccountID), TOTPSecret: res.TOTPSecret, TOTPURI: res.TOTPURI,
		DeviceSecret: res.DeviceSecret})
}

func providerOut(p *akte.Provider) wire.Provider {
	return wire.Provider{ID: string(p.AccountID), Institution: wire.Institution{Type: string(p.Type), Name: p.Name,
		TelematikID: p.TelematikID, LANR: p.LANR, BSNR: p.BSNR, Place: p.Place}}
}

func (a *API) handleProviderSearch(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	ps, err := a.svc.SearchProviders(r.Context(), p, r.URL.Query().Get("q"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Provider, 0, len(ps))
	for _, x := range ps {
		out = append(out, providerOut(x))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleProviderGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	e, err := a.svc.Provider(r.Context(), p, akte.AccountID(r.PathValue("id")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := providerOut(e.Provider)
	out.PublicKey = e.PublicKey
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleAccountProvider(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	e, err := a.svc.OwnProvider(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := providerOut(e.Provider)
	out.Status, out.PublicKey = string(e.Provider.Status), e.PublicKey
	writeJSON(w, http.StatusOK, out)
}
