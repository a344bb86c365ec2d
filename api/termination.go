package api

import (
	"net/http"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

func terminationOut(t *akte.Termination) wire.Termination {
	return wire.Termination{RequestedAt: t.RequestedAt, DeleteAt: t.DeleteAt}
}

func (a *API) handleTerminate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	t, err := a.svc.Terminate(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, terminationOut(t))
}

// handleTermination answers the notice, or null if none: not having
// given notice is the usual state, no error.
func (a *API) handleTermination(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	t, err := a.svc.TerminationOf(r.Context(), p)
	if akte.Is(err, akte.KindNotFound) {
		writeJSON(w, http.StatusOK, wire.TerminationState{})
		return
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := terminationOut(t)
	writeJSON(w, http.StatusOK, wire.TerminationState{Termination: &out})
}

func (a *API) handleKeepAccount(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.KeepAccount(r.Context(), p); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleUsage answers the caller's usage data for billing, or null.
func (a *API) handleUsage(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	u, err := a.svc.UsageOf(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var out wire.UsageState
	if u != nil {
		out.Usage = &wire.Usage{RegisteredAt: u.RegisteredAt, Insurer: u.Insurer, TerminatedAt: u.TerminatedAt, Quarters: make([]wire.UsageQuarter, 0, len(u.Quarters))}
		for _, q := range u.Quarters {
			out.Usage.Quarters = append(out.Usage.Quarters, wire.UsageQuarter{Quarter: q.Quarter, LastAccess: q.LastAccess})
		}
	}
	writeJSON(w, http.StatusOK, out)
}
