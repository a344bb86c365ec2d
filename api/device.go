package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func deviceOut(d *akte.Device, current akte.DeviceID) wire.Device {
	return wire.Device{ID: string(d.ID), Name: d.Name, CreatedAt: d.CreatedAt, ConfirmedAt: d.ConfirmedAt, BlockedAt: d.BlockedAt,
		LastSeenAt: d.LastSeenAt, Current: d.ID == current}
}

func (a *API) handleDeviceList(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	ds, err := a.svc.Devices(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Device, 0, len(ds))
	for _, d := range ds {
		out = append(out, deviceOut(d, p.Session.DeviceID))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleDeviceRename(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.RenameDeviceRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	d, err := a.svc.RenameDevice(r.Context(), p, akte.DeviceID(r.PathValue("id")), req.Name)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceOut(d, p.Session.DeviceID))
}

func (a *API) handleDeviceBlock(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	d, err := a.svc.BlockDevice(r.Context(), p, akte.DeviceID(r.PathValue("id")))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deviceOut(d, p.Session.DeviceID))
}

// handleDeviceConfirmPreview shows the device a mailed link stands for to
// the page the link opens (web app, /geraet#SECRET), without confirming
// it. The secret travels in the body: it is in no URL, so in no log.
func (a *API) handleDeviceConfirmPreview(w http.ResponseWriter, r *http.Request) {
	var req wire.DeviceLinkRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	pd, err := a.svc.PreviewDevice(r.Context(), clientOf(r), req.Token)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PendingDevice{Name: pd.Device.Name, CreatedAt: pd.Device.CreatedAt, ExpiresAt: pd.ExpiresAt})
}

// handleDeviceConfirm confirms the device of a mailed link: only this POST
// does, sent by the page when the person clicks.
func (a *API) handleDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	var req wire.DeviceLinkRequest
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.ConfirmDevice(r.Context(), clientOf(r), req.Token); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "confirmed"})
}
