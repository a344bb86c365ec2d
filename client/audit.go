package client

import (
	"context"
	"strings"
	"time"

	"github.com/akte/akte/audit"
)

// AuditPins is what the client keeps of the servers' protocols (docs/audit.md
// §6), per server: the verifier key pinned on first use and, per log, the
// last checkpoint it verified, as the signed note it received. Nothing in
// it is secret; it outlives sessions and logouts.
type AuditPins map[string]*AuditPin

// AuditPin is the pinned key of one server and its logs' checkpoints.
type AuditPin struct {
	Key         string            `json:"key"`
	Checkpoints map[string]string `json:"checkpoints,omitempty"`
}

// VerifyAudit reads the protocol of the account's record and verifies it
// against what the state pinned and kept (audit.ReadSince and
// audit.VerifyRead, which the web app runs too: the whole log, consistent
// with the last checkpoint, every event in the signed tree).
// On success it keeps the new checkpoint (and, on first use, the key) in
// st, which the caller saves. A failed verification is an *akte.Error of
// KindCrypto whose Reason names what failed; nothing is kept then.
func (st *State) VerifyAudit(ctx context.Context, c *API, account string) (*audit.Verified, error) {
	log := audit.RecordLog(account)
	pin := st.Audit[c.Base]
	var key, last string
	if pin != nil {
		key, last = pin.Key, pin.Checkpoints[log]
	}
	since, err := audit.ReadSince(key, last)
	if err != nil {
		return nil, err
	}
	b, err := c.AuditPage(ctx, since)
	if err != nil {
		return nil, err
	}
	v, err := audit.VerifyRead(b, log, key, last, time.Now())
	if err != nil {
		return nil, err
	}
	if st.Audit == nil {
		st.Audit = AuditPins{}
	}
	if pin == nil {
		pin = &AuditPin{Key: v.Key}
		st.Audit[c.Base] = pin
	}
	if pin.Checkpoints == nil {
		pin.Checkpoints = map[string]string{}
	}
	pin.Checkpoints[log] = v.Signed
	return v, nil
}

// AuditRow is one event as `akte audit` shows it (and --json prints it).
type AuditRow struct {
	Index     int64     `json:"index"`
	Time      time.Time `json:"time"`
	Operation string    `json:"operation"`
	Code      string    `json:"code"`
	Object    string    `json:"object"`
	ActorID   string    `json:"actor_id"`
	ActorRole string    `json:"actor_role"`
	Device    string    `json:"device,omitempty"`
	Addr      string    `json:"addr,omitempty"`
	Result    string    `json:"result"`
	Reason    string    `json:"reason,omitempty"`
}

// AuditFilter selects the verified events a person asked for: those at or
// after Since and before Until (each if set), by the actor, of the
// operation and with the result (each if set). Operation is an operation
// ("item.download") or its group ("item").
type AuditFilter struct {
	Since, Until             time.Time
	Actor, Operation, Result string
}

// Apply returns the events f selects, oldest first.
func (f AuditFilter) Apply(es []audit.Event) []audit.Event {
	var out []audit.Event
	for _, e := range es {
		op := string(e.Operation)
		if (f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Until.IsZero() || e.Time.Before(f.Until)) &&
			(f.Actor == "" || e.ActorID == f.Actor) && (f.Result == "" || string(e.Result) == f.Result) &&
			(f.Operation == "" || op == f.Operation || strings.HasPrefix(op, f.Operation+".")) {
			out = append(out, e)
		}
	}
	return out
}

// AuditRows turns verified events into rows.
func AuditRows(es []audit.Event) []AuditRow {
	rows := make([]AuditRow, len(es))
	for i, e := range es {
		rows[i] = AuditRow{Index: e.Index, Time: e.Time, Operation: string(e.Operation), Code: e.Code, Object: e.Object,
			ActorID: e.ActorID, ActorRole: string(e.ActorRole), Device: e.Device, Addr: e.Addr, Result: string(e.Result), Reason: e.Reason}
	}
	return rows
}
