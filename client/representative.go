package client

import (
	"context"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Representatives is GET /api/v1/records/{rid}/representatives.
func (c *API) Representatives(ctx context.Context) ([]wire.Representative, error) {
	var out []wire.Representative
	_, err := c.do(ctx, "GET", c.rec()+"/representatives", nil, &out, nil)
	return out, err
}

// AddRepresentative is POST /api/v1/records/{rid}/representatives.
func (c *API) AddRepresentative(ctx context.Context, r wire.RepresentativeAdd) (*wire.Representative, error) {
	var out wire.Representative
	_, err := c.do(ctx, "POST", c.rec()+"/representatives", r, &out, nil)
	return &out, err
}

// RemoveRepresentative is DELETE /api/v1/records/{rid}/representatives/{id}.
func (c *API) RemoveRepresentative(ctx context.Context, id string) error {
	_, err := c.do(ctx, "DELETE", c.rec()+"/representatives/"+esc(id), nil, nil, nil)
	return err
}

// AcceptRepresentation is POST /api/v1/records/{rid}/representatives/accept.
func (c *API) AcceptRepresentation(ctx context.Context, kvnr string) (*wire.Representative, error) {
	var out wire.Representative
	_, err := c.do(ctx, "POST", c.rec()+"/representatives/accept", wire.RepresentativeAccept{KVNR: kvnr}, &out, nil)
	return &out, err
}

// RequestEmergency is POST /api/v1/records/{rid}/representatives/request.
func (c *API) RequestEmergency(ctx context.Context) (*wire.Representative, error) {
	var out wire.Representative
	_, err := c.do(ctx, "POST", c.rec()+"/representatives/request", struct{}{}, &out, nil)
	return &out, err
}

// RefuseEmergency is POST /api/v1/records/{rid}/representatives/{id}/refuse.
func (c *API) RefuseEmergency(ctx context.Context, id string) error {
	_, err := c.do(ctx, "POST", c.rec()+"/representatives/"+esc(id)+"/refuse", struct{}{}, nil, nil)
	return err
}

// HandOverKey wraps the opened record's master key to an accepted
// representative's public key and stores the slot (PUT
// .../representatives/{id}/key). The key comes from the server, so the
// caller must have the patient compare its fingerprint first: with
// fingerprint non-empty the key must have it (core.SameFingerprint), else
// nothing is sent.
func (c *API) HandOverKey(ctx context.Context, rec *core.Record, id, fingerprint string) (*wire.Representative, error) {
	reps, err := c.Representatives(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range reps {
		if r.ID != id {
			continue
		}
		if r.AcceptedAt == nil || len(r.AccountKey) == 0 {
			return nil, akte.R("representative.key", akte.KindConflict, "representative_not_accepted", nil,
				"Die Vertretung hat noch nicht angenommen.")
		}
		if fingerprint != "" && !core.SameFingerprint(fingerprint, r.AccountKey) {
			return nil, akte.R("representative.key", akte.KindCrypto, "representative_fingerprint_mismatch", map[string]any{"fingerprint": seal.Fingerprint(r.AccountKey)},
				"Der Fingerabdruck des Schlüssels, den der Server nennt, ist ein anderer als der angegebene. Der Schlüssel Ihrer Akte wurde nicht übergeben.")
		}
		slot, err := rec.WrapForRepresentative(r.AccountKey)
		if err != nil {
			return nil, err
		}
		if _, err := c.do(ctx, "PUT", c.rec()+"/representatives/"+esc(id)+"/key", wire.RepresentativeKey{PublicKey: r.AccountKey, RMKSlot: slot}, nil, nil); err != nil {
			return nil, err
		}
		r.KeyHandedOver, r.PublicKey = true, r.AccountKey
		return &r, nil
	}
	return nil, akte.R("representative.key", akte.KindNotFound, "representative_not_found", nil, "")
}
