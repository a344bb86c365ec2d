package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func (a *API) handleSessionCreate(w http.ResponseWriter, r *http.Request) {
	var req wire.LoginRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	secret := req.DeviceSecret
	if c, err := r.Cookie(a.deviceCookieName()); secret == "" && err == nil {
		secret = c.Value
	}
	res, err := a.svc.Login(r.Context(), clientOf(r), service.LoginRequest{
		Email: req.Email, LoginSecret: req.LoginSecret, TOTP: req.TOTP, Passkey: req.Passkey, DeviceID: akte.DeviceID(req.DeviceID), DeviceName: req.DeviceName,
		DeviceSecret: secret, DeviceKey: req.DeviceKey,
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: a.cookieName(), Value: res.Token, Path: "/", HttpOnly: true, Secure: a.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode, Expires: res.Session.ExpiresAt,
	})
	a.setDeviceCookie(w, res.DeviceSecret)
	p := &service.Principal{Account: res.Account, Session: res.Session, RecordID: res.RecordID}
	writeJSON(w, http.StatusCreated, wire.LoginResponse{
		Token: res.Token, SessionID: res.Session.ID, ExpiresAt: res.Session.ExpiresAt,
		Account: accountOut(p), Keys: res.Account.Keys, DeviceSecret: res.DeviceSecret,
		ConsentsDue: a.consentsDue(r, res.Account.ID, res.RecordID),
	})
}

// handleSessionKey gives the session's escrowed key to a request signed
// with the session's device key (service.SessionKey).
func (a *API) handleSessionKey(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.SessionKeyRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	key, err := a.svc.SessionKey(r.Context(), p, req.TimeMs, req.Signature)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.SessionKeyResponse{ClientKey: key})
}

// deviceCookieName is the browser's device cookie: the device secret of
// docs/decisions/0015-attempt-limits.md, with the session cookie's prefix
// rule.
func (a *API) deviceCookieName() string {
	if a.opts.SecureCookies {
		return "__Host-akte_device"
	}
	return "akte_device"
}

// setDeviceCookie gives the browser its device secret: HttpOnly, so
// scripts never see it, SameSite=Strict, kept for 400 days (the most
// browsers allow); every login replaces it.
func (a *API) setDeviceCookie(w http.ResponseWriter, secret string) {
	if secret == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: a.deviceCookieName(), Value: secret, Path: "/", HttpOnly: true, Secure: a.opts.SecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: 400 * 24 * 60 * 60,
	})
}

func (a *API) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: a.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: a.opts.SecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

func (a *API) handleSessionList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	ss, err := a.svc.Sessions(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Session, 0, len(ss))
	for _, s := range ss {
		out = append(out, wire.Session{ID: s.ID, DeviceID: string(s.DeviceID), CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt,
			ExpiresAt: s.ExpiresAt, ClientAddr: s.ClientAddr, UserAgent: s.UserAgent, Current: s.ID == p.Session.ID})
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleSessionDeleteCurrent(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.Logout(r.Context(), p, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.clearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleSessionDeleteAll(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.Logout(r.Context(), p, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.clearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) handleSessionDelete(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.EndSession(r.Context(), p, r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
