package api

import (
	"net/http"
	"strconv"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// handleAccountAudit answers the caller's record's protocol as a binary
// page (docs/audit.md §5), with a consistency proof from ?since=N, the
// size of the checkpoint the client verified last.
func (a *API) handleAccountAudit(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			a.writeError(w, r, akte.R("audit.read", akte.KindInvalid, "invalid_since", nil, ""))
			return
		}
		since = n
	}
	page, err := a.svc.AuditPage(r.Context(), p, since)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", audit.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(http.StatusOK)
	w.Write(page)
}

// handleAuditKey answers the server's verifier key, for clients to pin
// and anyone to compare with the one the operator publishes.
func (a *API) handleAuditKey(w http.ResponseWriter, r *http.Request) {
	k, err := a.svc.PublicAuditKey(r.Context(), clientOf(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.AuditKey{Key: k})
}
