package api

import (
	"net/http"
	"net/url"

	"github.com/akte/akte"
	"github.com/akte/akte/service"
	"github.com/akte/akte/wire"
)

// Intake reminders as Web Push (decision 0051): the server's VAPID key
// and the caller's own push subscriptions (account-scoped like the
// reminders: a push goes only to the account that subscribed).

func (a *API) handlePushKey(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	k, err := a.svc.PushKey()
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PushKey{Key: k})
}

func pushOut(x *akte.PushSubscription, p *service.Principal) wire.PushSubscription {
	host := ""
	if u, err := url.Parse(x.Endpoint); err == nil {
		host = u.Hostname()
	}
	return wire.PushSubscription{ID: x.ID, DeviceID: string(x.DeviceID), ThisDevice: x.DeviceID != "" && x.DeviceID == p.Session.DeviceID,
		Endpoint: x.Endpoint, Service: host, CreatedAt: x.CreatedAt}
}

func (a *API) handlePushSubscribe(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	var in wire.PushSubscriptionNew
	if err := decode(r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	x, err := a.svc.AddPushSubscription(r.Context(), p, in.Endpoint, in.Keys.P256DH, in.Keys.Auth)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pushOut(x, p))
}

func (a *API) handlePushSubscriptions(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	xs, err := a.svc.PushSubscriptionsOf(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.PushSubscriptions{Subscriptions: []wire.PushSubscription{}}
	for _, x := range xs {
		out.Subscriptions = append(out.Subscriptions, pushOut(x, p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) handlePushUnsubscribe(w http.ResponseWriter, r *http.Request, p *service.Principal) {
	if err := a.svc.DeletePushSubscription(r.Context(), p, r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
