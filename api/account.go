package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func (a *API) handleAccountCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.RegisterRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.svc.Register(r.Context(), clientOf(r), service.RegisterRequest{
		Email: req.Email, KVNR: req.KVNR, BirthDate: req.BirthDate, KDF: req.KDF, LoginSecret: req.LoginSecret,
		RecoveryVerifier: req.RecoveryVerifier, Keys: req.Keys, DeviceID: akte.DeviceID(req.DeviceID), DeviceName: req.DeviceName,
		Record: req.Record.Record(), Lang: req.Lang, Consents: answersIn(req.Consents), Via: akte.ConsentVia(req.Via),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.setDeviceCookie(w, res.DeviceSecret)
	writeJSON(w, http.StatusCreated, wire.RegisterResponse{AccountID: string(res.AccountID), TOTPSecret: res.TOTPSecret, TOTPURI: res.TOTPURI,
		DeviceSecret: res.DeviceSecret})
}

func (a *API) handleAccountResume(w http.ResponseWriter, r *http.Request) {
	var req wire.ResumeRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.svc.ResumeRegistration(r.Context(), clientOf(r), req.Email, req.LoginSecret)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ac := res.Account
	writeJSON(w, http.StatusOK, wire.ResumeResponse{AccountID: string(ac.ID), EmailConfirmed: ac.Confirmed(), TOTPSecret: res.TOTPSecret,
		TOTPURI: res.TOTPURI, KDF: ac.KDF, Keys: ac.Keys})
}

func (a *API) handleAccountConfirm(w http.ResponseWriter, r *http.Request) {
	var req wire.ConfirmRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ConfirmEmail(r.Context(), clientOf(r), req.Email, req.Code); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "confirmed"})
}

func (a *API) handleAccountConfirmResend(w http.ResponseWriter, r *http.Request) {
	var req wire.EmailRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ResendCode(r.Context(), clientOf(r), req.Email); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "sent"})
}

func (a *API) handlePrelogin(w http.ResponseWriter, r *http.Request) {
	var req wire.EmailRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	kdf, err := a.svc.Prelogin(r.Context(), clientOf(r), req.Email)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PreloginResponse{KDF: kdf})
}

func accountOut(p *service.Principal) wire.Account {
	ac := p.Account
	return wire.Account{AccountID: string(ac.ID), Email: ac.Email, KVNR: ac.KVNR, BirthDate: ac.BirthDate, Lang: ac.Lang, CreatedAt: ac.CreatedAt,
		DeviceID: string(p.Session.DeviceID), RecordID: string(p.RecordID)}
}

func (a *API) handleAccountGet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.AccountRead(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountOut(p))
}

func (a *API) handleEmailChangeStart(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.EmailChangeStart
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.StartEmailChange(r.Context(), p, req.LoginSecret, req.TOTP, req.Email); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "code_sent"})
}

func (a *API) handleEmailChangeConfirm(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.EmailChangeConfirm
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	ac, err := a.svc.ConfirmEmailChange(r.Context(), p, req.Email, req.Code)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountOut(&service.Principal{Account: ac, Session: p.Session, RecordID: p.RecordID}))
}

func (a *API) handleAccountUpdate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.AccountUpdate
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.SetLang(r.Context(), p, req.Lang); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, accountOut(p))
}

func (a *API) handleAccountKeys(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.AccountRead(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.KeysResponse{KDF: p.Account.KDF, Keys: p.Account.Keys})
}

func (a *API) handleAccountEvents(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	evs, err := a.svc.Events(r.Context(), p, 200)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Event, 0, len(evs))
	for _, e := range evs {
		out = append(out, wire.Event{ID: e.ID, Time: e.Time, Operation: e.Operation, Object: e.Object, ActorID: e.ActorID, ActorRole: e.ActorRole,
			DeviceID: string(e.DeviceID), ClientAddr: e.ClientAddr, Result: e.Result, Code: e.Code, Cause: e.Cause})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleAccountKeysRotate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.KeysRotateRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	err := a.svc.RotateKeys(r.Context(), p, req.LoginSecret, req.TOTP,
		service.KeyRotation{RecoveryVerifier: req.RecoveryVerifier, Keys: req.Keys, RMKByUMK: req.RMKByUMK})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "rotated"})
}

// answersIn converts the registration's consent answers.
func answersIn(as []wire.ConsentAnswer) []service.ConsentAnswer {
	out := make([]service.ConsentAnswer, 0, len(as))
	for _, a := range as {
		out = append(out, service.ConsentAnswer{Text: a.Text, Version: a.Version, Lang: a.Lang, Hash: a.Hash})
	}
	return out
}
