package client

import (
	"context"
	"sort"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/wire"
)

// Report is the information of GDPR Art. 15 (issue 16, item 5;
// docs/rights.md): what the server stores about the account in plaintext,
// as it answers, and a summary of the record's content decrypted here.
type Report struct {
	Made   time.Time    `json:"made"`
	Server ServerReport `json:"server"`
	// Content is decrypted on this device; the server has it only as
	// ciphertext.
	Content ContentReport `json:"content"`
}

// ServerReport is what the server stores in plaintext (design §4.4).
type ServerReport struct {
	Account  wire.Account        `json:"account"`
	Devices  []wire.Device       `json:"devices"`
	Sessions []wire.Session      `json:"sessions"`
	Passkeys []wire.Passkey      `json:"passkeys"`
	Records  []wire.RecordAccess `json:"records"`
	Quota    int64               `json:"quota"`
	Used     int64               `json:"used"`
	// Items are the record's items as the server knows them: id, kind,
	// category, size (ciphertext), when and by whom added.
	Items    []ReportItem   `json:"items"`
	Protocol ProtocolReport `json:"protocol"`
	// Usage is what the operator keeps for billing (null for a provider).
	Usage *wire.Usage `json:"usage"`
}

// ReportItem is one item as the server stores it, without its ciphertext.
type ReportItem struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Category  string    `json:"category"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Replaces  string    `json:"replaces,omitempty"`
}

// ProtocolReport summarises the verified protocol.
type ProtocolReport struct {
	Events int        `json:"events"` // kept (the older ones went with retention)
	Size   int64      `json:"size"`   // of the signed checkpoint: all events ever
	First  *time.Time `json:"first,omitempty"`
	Last   *time.Time `json:"last,omitempty"`
}

// ContentReport summarises the record's documents.
type ContentReport struct {
	Documents  int              `json:"documents"`
	Entries    int              `json:"entries"` // structured entries, every version
	Bytes      int64            `json:"bytes"`   // plaintext
	Categories []CategoryReport `json:"categories"`
	Earliest   string           `json:"earliest,omitempty"` // date of the oldest document (its own date, else when added)
	Latest     string           `json:"latest,omitempty"`
	Sources    []string         `json:"sources"` // authors and institutions named
}

// CategoryReport counts the documents of a category.
type CategoryReport struct {
	ID        string `json:"id"`
	Documents int    `json:"documents"`
	Bytes     int64  `json:"bytes"`
}

// AccountReport gathers the report: the server's answers about the
// account, the record's items opened with rec, and the protocol v the
// caller verified.
func (c *API) AccountReport(ctx context.Context, rec *core.Record, v *audit.Verified, now time.Time) (*Report, error) {
	r := &Report{Made: now}
	s := &r.Server
	acc, err := c.Account(ctx)
	if err != nil {
		return nil, err
	}
	s.Account = *acc
	if s.Devices, err = c.Devices(ctx); err != nil {
		return nil, err
	}
	if s.Sessions, err = c.Sessions(ctx); err != nil {
		return nil, err
	}
	if s.Passkeys, err = c.Passkeys(ctx); err != nil {
		return nil, err
	}
	if s.Records, err = c.Records(ctx); err != nil {
		return nil, err
	}
	if s.Usage, err = c.Usage(ctx); err != nil {
		return nil, err
	}
	info, err := c.Record(ctx)
	if err != nil {
		return nil, err
	}
	s.Quota, s.Used = info.Quota, info.Used
	its, err := c.Items(ctx, "")
	if err != nil {
		return nil, err
	}
	s.Items = make([]ReportItem, 0, len(its))
	ct := &r.Content
	byCategory := map[string]*CategoryReport{}
	sources := map[string]bool{}
	for _, it := range its {
		s.Items = append(s.Items, ReportItem{ID: it.ID, Kind: it.Kind, Category: it.Category, Size: it.Size, CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, Replaces: it.Replaces})
		_, m, err := rec.OpenItem(it)
		if err != nil {
			return nil, err
		}
		if m.Entry != "" || m.Profile != "" { // structured entries and the profile are no documents
			if m.Entry != "" {
				ct.Entries++
			}
			continue
		}
		cr := byCategory[it.Category]
		if cr == nil {
			cr = &CategoryReport{ID: it.Category}
			byCategory[it.Category] = cr
		}
		cr.Documents++
		cr.Bytes += m.Size
		ct.Documents++
		ct.Bytes += m.Size
		d := m.Date
		if d == "" {
			d = it.CreatedAt.Format(time.DateOnly)
		}
		if ct.Earliest == "" || d < ct.Earliest {
			ct.Earliest = d
		}
		if d > ct.Latest {
			ct.Latest = d
		}
		if m.Source != "" {
			sources[m.Source] = true
		}
	}
	for _, cat := range akte.Categories() {
		if cr := byCategory[string(cat.ID)]; cr != nil {
			ct.Categories = append(ct.Categories, *cr)
		}
	}
	ct.Sources = make([]string, 0, len(sources))
	for src := range sources {
		ct.Sources = append(ct.Sources, src)
	}
	sort.Strings(ct.Sources)
	if v != nil {
		s.Protocol = ProtocolReport{Events: len(v.Events), Size: v.Checkpoint.Size}
		if n := len(v.Events); n > 0 {
			first, last := v.Events[0].Time, v.Events[n-1].Time
			s.Protocol.First, s.Protocol.Last = &first, &last
		}
	}
	return r, nil
}
