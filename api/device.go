package api

import (
	"html/template"
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

var confirmPage = template.Must(template.New("confirm").Parse(`<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Akte</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Text}}</p><p lang="en">{{.English}}</p></main></body></html>
`))

// handleDeviceConfirm is the link mailed for a new device. It answers with
// a small page for people, or JSON when the client asks for it.
func (a *API) handleDeviceConfirm(w http.ResponseWriter, r *http.Request) {
	err := a.svc.ConfirmDevice(r.Context(), clientOf(r), r.URL.Query().Get("token"))
	if r.Header.Get("Accept") == "application/json" {
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "confirmed"})
		return
	}
	page := struct{ Title, Text, English string }{"Gerät bestätigt", "Das Gerät ist bestätigt. Sie können sich jetzt darauf anmelden.", "The device is confirmed. You can log in on it now."}
	status := http.StatusOK
	if err != nil {
		status = statusOf[akte.KindOf(err)]
		if status == 0 {
			status = http.StatusInternalServerError
		}
		page.Title, page.Text, page.English = "Bestätigung fehlgeschlagen", akte.MessageOf(err), "The confirmation failed."
		if page.Text == "" {
			page.Text = "Interner Fehler. Bitte später erneut versuchen."
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	confirmPage.Execute(w, page)
}
