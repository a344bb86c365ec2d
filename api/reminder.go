package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// Intake reminders of the medication plan (decision 0045): the caller's
// own, times and time zone only.

func remindersOut(x *akte.Reminder) *wire.Reminders {
	f := service.FormatReminderTime
	return &wire.Reminders{TZ: x.TZ, Morning: f(x.Times[0]), Noon: f(x.Times[1]), Evening: f(x.Times[2]), Night: f(x.Times[3]), Via: x.Via}
}

func (a *API) handleRemindersSet(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var in wire.Reminders
	if err := decode(r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	x, err := a.svc.SetReminders(r.Context(), p, in.TZ, [4]string{in.Morning, in.Noon, in.Evening, in.Night}, in.Via)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.RemindersState{}
	if x != nil {
		out.Reminders = remindersOut(x)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleReminders answers the reminders, or null if none are set.
func (a *API) handleReminders(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	x, err := a.svc.RemindersOf(r.Context(), p)
	if akte.Is(err, akte.KindNotFound) {
		writeJSON(w, http.StatusOK, wire.RemindersState{})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.RemindersState{Reminders: remindersOut(x)})
}

func (a *API) handleRemindersClear(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.ClearReminders(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
