package api

import (
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// The research data donation (decision 0048): the offer (the sink's
// recipient, which clients pin), and the relay of an extract the client
// encrypted to it. The body is the age file; the categories it holds are
// named in the query, for the ledger check.

func (a *API) handleDonationOffer(w http.ResponseWriter, r *http.Request, _ *service.Principal) {
	o := a.svc.DonationOffer()
	writeJSON(w, http.StatusOK, wire.DonationOffer{Offered: o.Offered, Recipient: o.Recipient, Categories: o.Categories, MaxBytes: o.MaxBytes})
}

func (a *API) handleDonate(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	const op = "api.donate"
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/octet-stream" {
		a.writeError(w, r, errContentType(op, "application/octet-stream"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, donation.MaxExtract+1))
	if err != nil {
		a.writeError(w, r, akte.R(op, akte.KindInvalid, "body_unreadable", nil, ""))
		return
	}
	var cats []string
	if q := r.URL.Query().Get("categories"); q != "" {
		cats = strings.Split(q, ",")
	}
	if err := a.svc.Donate(r.Context(), p, cats, body); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, wire.DonationRelayed{Categories: cats, Bytes: len(body)})
}
