package api

import (
	"net/http"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// The consent ledger and the restriction of processing (decision 0044).
// The texts are public (the product's, the same for everybody, answered
// from memory: like the audit key they need no rate limit); the ledger
// and the restriction are the account's.

func textOut(t service.ConsentTextInfo, body bool) wire.ConsentText {
	out := wire.ConsentText{Text: t.ID, Version: t.Version, Lang: t.Lang, Hash: t.Hash, Required: t.Required}
	out.Title, _, _ = strings.Cut(t.Body, "\n")
	if body {
		out.Body = t.Body
	}
	return out
}

func (a *API) handleConsentTexts(w http.ResponseWriter, r *http.Request) {
	out := wire.ConsentTexts{Texts: []wire.ConsentText{}}
	for _, t := range a.svc.ConsentTextList(r.URL.Query().Get("lang")) {
		out.Texts = append(out.Texts, textOut(t, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handleConsentText(w http.ResponseWriter, r *http.Request) {
	t, err := a.svc.CurrentConsentText(r.PathValue("id"), r.URL.Query().Get("lang"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, textOut(t, true))
}

func recordOut(c *akte.Consent) wire.ConsentRecord {
	return wire.ConsentRecord{ID: c.ID, Text: c.Text, Version: c.Version, Lang: c.Lang, Hash: c.Hash, Decision: string(c.Decision), At: c.At,
		Via: string(c.Via)}
}

func ledgerOut(l *service.Ledger) wire.ConsentLedger {
	out := wire.ConsentLedger{States: []wire.ConsentState{}, Records: []wire.ConsentRecord{}, Due: []string{}, DeleteAt: l.DeleteAt}
	for _, st := range l.States {
		s := wire.ConsentState{Text: st.Text, Required: service.Required(st.Text), Due: st.Due}
		if st.Last != nil {
			r := recordOut(st.Last)
			s.Last = &r
		}
		out.States = append(out.States, s)
	}
	for _, c := range l.Records {
		out.Records = append(out.Records, recordOut(c))
	}
	out.Due = append(out.Due, l.Due...)
	return out
}

func (a *API) handleConsents(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	l, err := a.svc.Consents(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ledgerOut(l))
}

func (a *API) handleConsentGive(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.ConsentAnswer
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.svc.GiveConsent(r.Context(), p, service.ConsentAnswer{Text: req.Text, Version: req.Version, Lang: req.Lang, Hash: req.Hash},
		akte.ConsentVia(req.Via)); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.handleConsents(w, r, p)
}

func (a *API) handleConsentWithdraw(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var req wire.ConsentWithdrawal
	if err := decode(r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	l, err := a.svc.WithdrawConsent(r.Context(), p, r.PathValue("id"), akte.ConsentVia(req.Via))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ledgerOut(l))
}

func (a *API) handleConsentRecordText(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	t, err := a.svc.ConsentRecordText(r.Context(), p, r.PathValue("hash"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, textOut(service.ConsentTextInfo{ConsentText: *t, Required: service.Required(t.ID)}, true))
}

func restrictionOut(res *akte.Restriction) wire.Restriction {
	if res == nil {
		return wire.Restriction{}
	}
	return wire.Restriction{Restricted: true, Since: &res.Since}
}

func (a *API) handleRestriction(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	res, err := a.svc.RestrictionOf(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, restrictionOut(res))
}

func (a *API) handleRestrict(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	res, err := a.svc.Restrict(r.Context(), p, r.Method == http.MethodPut)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, restrictionOut(res))
}

// consentsDue lists a patient's required texts to agree to (again); a
// provider account has none (it registered without them).
func (a *API) consentsDue(r *http.Request, account akte.AccountID, record akte.RecordID) []string {
	if record == "" {
		return nil
	}
	return a.svc.ConsentsDue(r.Context(), account)
}
