package service

import (
	"context"
	"errors"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/webpush"
)

// Intake reminders as Web Push (decision 0051). A browser subscribes
// with the server's VAPID public key and hands the server its push
// service's endpoint and its keys; at a reminder's time the server sends
// each subscription of the account a message encrypted to the browser
// (RFC 8291) that carries only the generic text key and the time of day,
// never which medication. The endpoint is a URL the caller chose and the
// server calls: it must be https and outside the server's network
// (webpush.CheckEndpoint, checked again when dialled).

// MaxPushSubscriptions is how many push subscriptions (browsers) one
// account may hold.
const MaxPushSubscriptions = 10

// PushTTL is how long a push service keeps a reminder for a browser that
// is offline: no longer than a reminder is still worth sending.
const PushTTL = ReminderLate

// PushMessage is the payload of a reminder push: a text key the service
// worker translates, the time of day and the local time. Nothing else.
type PushMessage struct {
	Type string `json:"type"` // "medication_reminder"
	Slot string `json:"slot"` // morning, noon, evening, night
	Time string `json:"time"` // HH:MM local
}

// PushKey is the server's VAPID public key (base64url), the
// applicationServerKey browsers subscribe with; KindUnavailable if the
// server sends no push.
func (s *Service) PushKey() (string, error) {
	if s.push == nil {
		return "", akte.R("push.key", akte.KindUnavailable, "push_off", nil, "")
	}
	return s.push.VAPID.PublicKey(), nil
}

// AddPushSubscription stores a browser's subscription for the caller's
// device: the endpoint and the keys p256dh and auth as the browser's
// PushSubscription gives them (base64url). The same endpoint again
// replaces its keys.
func (s *Service) AddPushSubscription(ctx context.Context, p *Principal, endpoint, p256dh, auth string) (*akte.PushSubscription, error) {
	const op = "push.subscription_add"
	if s.push == nil {
		return nil, akte.R(op, akte.KindUnavailable, "push_off", nil, "")
	}
	if err := webpush.CheckEndpoint(endpoint, s.push.Allow); err != nil {
		return nil, invalid(op, "push_endpoint_refused", nil)
	}
	keys, err := webpush.ParseKeys(p256dh, auth)
	if err != nil {
		return nil, invalid(op, "push_keys_invalid", nil)
	}
	x := &akte.PushSubscription{ID: randomToken(10), AccountID: p.Account.ID, DeviceID: p.Session.DeviceID, Endpoint: endpoint,
		P256DH: keys.P256DH, Auth: keys.Auth, CreatedAt: s.nowUTC()}
	got, err := s.store.AddPushSubscription(ctx, x, MaxPushSubscriptions)
	if akte.Is(err, akte.KindConflict) {
		return nil, invalid(op, "push_subscriptions_too_many", map[string]any{"max": MaxPushSubscriptions})
	}
	if err != nil {
		return nil, internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "push:" + got.ID, ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return got, nil
}

// PushSubscriptionsOf lists the caller's subscriptions.
func (s *Service) PushSubscriptionsOf(ctx context.Context, p *Principal) ([]*akte.PushSubscription, error) {
	xs, err := s.store.PushSubscriptions(ctx, p.Account.ID)
	if err != nil {
		return nil, internal("push.subscriptions_read", err)
	}
	return xs, nil
}

// DeletePushSubscription removes one of the caller's subscriptions;
// KindNotFound if it has none of that ID.
func (s *Service) DeletePushSubscription(ctx context.Context, p *Principal, id string) error {
	const op = "push.subscription_remove"
	err := s.store.DeletePushSubscription(ctx, p.Account.ID, id)
	if akte.Is(err, akte.KindNotFound) {
		return akte.R(op, akte.KindNotFound, "push_subscription_not_found", nil, "")
	}
	if err != nil {
		return internal(op, err)
	}
	s.event(ctx, akte.Event{AccountID: p.Account.ID, Operation: op, Object: "push:" + id, ActorID: string(p.Account.ID),
		ActorRole: "patient", DeviceID: p.Session.DeviceID})
	return nil
}

// pushReminder sends the reminder to each of the account's subscriptions
// after the round (later): a push service that is slow holds up no other
// reminder. A subscription the push service says is gone is deleted.
func (s *Service) pushReminder(ctx context.Context, account akte.AccountID, msg []byte) {
	if s.push == nil {
		return
	}
	subs, err := s.store.PushSubscriptions(ctx, account)
	if err != nil {
		s.log.Error("push subscriptions", "err", err)
		return
	}
	for _, x := range subs {
		s.later(ctx, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			err := s.push.Send(ctx, webpush.Message{Endpoint: x.Endpoint, Keys: webpush.Keys{P256DH: x.P256DH, Auth: x.Auth},
				Payload: msg, TTL: PushTTL, Urgency: "high"})
			ev := akte.Event{AccountID: account, Operation: "medication.reminder_sent", Object: "push:" + x.ID, ActorID: "system", ActorRole: "system"}
			switch {
			case err == nil:
				s.event(ctx, ev)
			case errors.Is(err, webpush.ErrGone), errors.Is(err, webpush.ErrEndpoint):
				// The subscription is no more (or its host moved inside
				// the server's network): it will never take a reminder.
				ev.Result, ev.Cause = akte.ResultError, "push_gone"
				s.event(ctx, ev)
				if err := s.store.DeletePushSubscription(ctx, account, x.ID); err == nil {
					s.event(ctx, akte.Event{AccountID: account, Operation: "push.subscription_remove", Object: "push:" + x.ID, ActorID: "system", ActorRole: "system"})
				}
			default:
				ev.Result, ev.Cause = akte.ResultError, "push_failed"
				s.event(ctx, ev)
				s.log.Warn("push reminder not delivered", "err", err)
			}
		})
	}
}
