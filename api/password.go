package api

import (
	"net/http"

	"github.com/akte/akte/catalog"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func newPassword(n wire.NewPassword) service.NewPassword {
	return service.NewPassword{KDF: n.KDF, LoginSecret: n.LoginSecret, UMKByPassword: n.UMKByPassword}
}

func (a *API) handlePasswordChange(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.PasswordChangeRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ChangePassword(r.Context(), p, req.OldLoginSecret, req.TOTP, newPassword(req.New)); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "changed"})
}

func (a *API) handleAuthenticatorNew(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	np := a.svc.ProposeAuthenticator(p)
	writeJSON(w, http.StatusOK, wire.Authenticator{Secret: np.Secret, URI: np.URI})
}

func (a *API) handleAuthenticatorChange(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.AuthenticatorChange
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ChangeAuthenticator(r.Context(), p, req.LoginSecret, req.TOTP, req.NewSecret, req.NewTOTP); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "changed"})
}

func (a *API) handlePasswordRecover(w http.ResponseWriter, r *http.Request) {
	var req wire.RecoverRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	g, err := a.svc.RecoverStart(r.Context(), clientOf(r), req.Email, req.RecoveryVerifier, req.TOTP)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.RecoverResponse{Token: g.Token, UMKByRecovery: g.UMKByRecovery})
}

func (a *API) handlePasswordRecoverComplete(w http.ResponseWriter, r *http.Request) {
	var req wire.RecoverCompleteRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.RecoverComplete(r.Context(), clientOf(r), req.Token, newPassword(req.New)); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "changed"})
}

func (a *API) handlePasswordReset(w http.ResponseWriter, r *http.Request) {
	var req wire.EmailRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ResetStart(r.Context(), clientOf(r), req.Email); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.ResetStartResponse{Reason: "data_loss_warning", Warning: catalog.Text("en", "data_loss_warning", nil)})
}

func (a *API) handlePasswordResetComplete(w http.ResponseWriter, r *http.Request) {
	var req wire.ResetCompleteRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	err := a.svc.ResetComplete(r.Context(), clientOf(r), service.ResetRequest{
		Email: req.Email, Code: req.Code, TOTP: req.TOTP, AcknowledgeDataLoss: req.AcknowledgeDataLoss,
		KDF: req.KDF, LoginSecret: req.LoginSecret, RecoveryVerifier: req.RecoveryVerifier, Keys: req.Keys, Record: req.Record.Record(),
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}
