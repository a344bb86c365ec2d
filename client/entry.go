package client

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/client/health"
	"github.com/akte/akte/doctors"
	"github.com/akte/akte/fhir"
	"github.com/akte/akte/rules"
	"github.com/akte/akte/wire"
)

// Structured entries (decision 0037): an entry is an item of kind entry
// whose sealed metadata holds one FHIR R4 resource (core.Meta.Entry) and
// whose content is empty (the 93-byte seal stream of no bytes), so that
// every item operation — upload, listing, versions, deletion, the
// manifest, the audit events, the export — works for entries unchanged,
// and a listing brings every entry in one request. The server sees an
// item of kind entry, its category, its size (always the same) and times;
// which resource it holds it cannot tell.

// Entry is one structured entry as the client opened it.
type Entry struct {
	ID       string
	Category string
	Created  time.Time
	// Version is the entry's number in its version chain (1 for the
	// first); Replaces the id of the version before it.
	Version  int64
	Replaces string
	Resource fhir.Resource
	// JSON is the resource as it was sealed.
	JSON []byte
	Meta core.Meta
}

// Type is the entry's FHIR resource type.
func (e *Entry) Type() string { return e.Resource.ResourceType() }

// memPlans keeps upload plans in memory: an entry's content is one empty
// chunk, so an interrupted upload simply starts again.
type memPlans struct {
	mu sync.Mutex
	m  map[string]*core.Plan
}

func (p *memPlans) Load(key string) (*core.Plan, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pl, ok := p.m[key]; ok {
		return pl, nil
	}
	return nil, akte.R("plans.load", akte.KindNotFound, "", nil, "")
}

func (p *memPlans) Save(key string, pl *core.Plan) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]*core.Plan{}
	}
	p.m[key] = pl
	return nil
}

func (p *memPlans) Delete(key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, key)
	return nil
}

// putEntry uploads an item of kind entry with the metadata m (empty
// content), a new version of replaces if set, noted in the manifest.
func (c *API) putEntry(ctx context.Context, rec *core.Record, seen *Seen, category string, m core.Meta, replaces string) (*wire.Item, error) {
	f := File{Key: "entry", Size: 0, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(nil)), nil }}
	return c.Upload(ctx, rec, f, category, m, replaces, &memPlans{}, Transfer{Seen: seen, Kind: akte.KindEntry})
}

// AddEntry seals a checked resource (ParseEntry) as a new entry in
// category ("" for EntryCategory), or as a new version of the entry prev
// (its category is kept; the old version stays, as history).
func (c *API) AddEntry(ctx context.Context, rec *core.Record, seen *Seen, r fhir.Resource, data []byte, category string, prev *Entry) (*Entry, error) {
	m := core.Meta{Title: health.Title(r), Type: r.ResourceType(), Date: dateOnly(health.Date(r)), Entry: core.RawJSON(data)}
	replaces := ""
	if prev != nil {
		replaces, category = prev.ID, prev.Category
		m.Replaces, m.Version = core.NextVersion(prev.ID, prev.Meta)
	} else {
		m.Replaces, m.Version = core.NextVersion("", core.Meta{})
	}
	if category == "" {
		category = health.Category(r)
	}
	it, err := c.putEntry(ctx, rec, seen, category, m, replaces)
	if err != nil {
		return nil, err
	}
	return &Entry{ID: it.ID, Category: it.Category, Created: it.CreatedAt, Version: m.Version, Replaces: m.Replaces, Resource: r, JSON: data, Meta: m}, nil
}

func dateOnly(d fhir.Date) string {
	if len(d) >= 10 {
		return string(d[:10])
	}
	return string(d)
}

// Entries is what a listing of the record holds of entries and profile.
type Entries struct {
	// All holds every entry version by id; Latest the current version of
	// each entry (none replaced it), by date, oldest first.
	All    map[string]*Entry
	Latest []*Entry
	// Profile is the record's profile (zero if none) and ProfileIDs the
	// items that hold it, the current one last.
	Profile    health.Profile
	ProfileIDs []string
	// Problems are what the manifest and the version chains say of the
	// listing: the caller warns.
	Problems []core.Problem
	// Items and Metas are the listing itself, documents included (the
	// medication plan's original is a document).
	Items []wire.Item
	Metas map[string]core.Meta
}

// LoadEntries lists the record and opens its entries and profile; items
// whose sealed metadata holds neither are documents and left out. The
// server's kind is not believed: the sealed metadata says what an item is.
func (c *API) LoadEntries(ctx context.Context, rec *core.Record, seen *Seen) (*Entries, error) {
	its, metas, err := c.listing(ctx, rec)
	if err != nil {
		return nil, err
	}
	out := &Entries{All: map[string]*Entry{}, Items: its, Metas: metas}
	for id, err := range core.ChainProblems(its, metas) {
		out.Problems = append(out.Problems, core.Problem{ID: id, Err: err})
	}
	problems, err := c.CheckManifest(ctx, rec, seen, its, metas, "")
	if err != nil {
		return nil, err
	}
	out.Problems = append(out.Problems, problems...)
	replaced := map[string]bool{}
	var profiles []wire.Item
	for _, it := range its {
		m := metas[it.ID]
		switch {
		case m.Profile != "":
			profiles = append(profiles, it)
		case m.Entry != "":
			r, err := openResource(m)
			if err != nil {
				out.Problems = append(out.Problems, core.Problem{ID: it.ID, Err: err})
				continue
			}
			e := &Entry{ID: it.ID, Category: it.Category, Created: it.CreatedAt, Version: m.Version, Replaces: core.VerifiedReplaces(it, m),
				Resource: r, JSON: []byte(m.Entry), Meta: m}
			out.All[it.ID] = e
			if e.Replaces != "" {
				replaced[e.Replaces] = true
			}
		}
	}
	for id, e := range out.All {
		if !replaced[id] {
			out.Latest = append(out.Latest, e)
		}
	}
	slices.SortFunc(out.Latest, func(a, b *Entry) int {
		if c := strings.Compare(a.Meta.Date, b.Meta.Date); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
	slices.SortFunc(profiles, func(a, b wire.Item) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, it := range profiles {
		p, err := health.DecodeProfile([]byte(metas[it.ID].Profile))
		if err != nil {
			out.Problems = append(out.Problems, core.Problem{ID: it.ID, Err: err})
			continue
		}
		out.Profile = p
		out.ProfileIDs = append(out.ProfileIDs, it.ID)
	}
	return out, nil
}

// openResource decodes the resource of an entry's sealed metadata
// (health.Open).
func openResource(m core.Meta) (fhir.Resource, error) { return health.Open(m.Type, string(m.Entry)) }

// Find returns the entry with the id (any version), or item_not_found.
func (es *Entries) Find(id string) (*Entry, error) {
	if e, ok := es.All[id]; ok {
		return e, nil
	}
	return nil, akte.R("entry.find", akte.KindNotFound, "entry_not_found", map[string]any{"id": id}, "")
}

// History returns the versions of e's chain before it, newest first.
func (es *Entries) History(e *Entry) []*Entry {
	var out []*Entry
	seen := map[string]bool{e.ID: true}
	for id := e.Replaces; id != "" && !seen[id]; {
		seen[id] = true
		prev, ok := es.All[id]
		if !ok {
			break
		}
		out = append(out, prev)
		id = prev.Replaces
	}
	return out
}

// Chain returns every version of the entry e belongs to: e, the versions
// before it and the versions after it.
func (es *Entries) Chain(e *Entry) []*Entry {
	in := map[string]bool{e.ID: true}
	for _, p := range es.History(e) {
		in[p.ID] = true
	}
	for changed := true; changed; {
		changed = false
		for id, x := range es.All {
			if !in[id] && in[x.Replaces] {
				in[id], changed = true, true
			}
		}
	}
	var out []*Entry
	for id := range in {
		out = append(out, es.All[id])
	}
	slices.SortFunc(out, func(a, b *Entry) int { return int(b.Version - a.Version) })
	return out
}

// RemoveEntry deletes every version of the entry (the patient removes an
// entry, not one of its versions), each noted in the manifest.
func (c *API) RemoveEntry(ctx context.Context, rec *core.Record, seen *Seen, es *Entries, e *Entry) ([]string, error) {
	var ids []string
	for _, x := range es.Chain(e) {
		if err := c.DeleteItemNoted(ctx, rec, seen, x.ID); err != nil && !akte.Is(err, akte.KindNotFound) {
			return ids, err
		}
		ids = append(ids, x.ID)
	}
	return ids, nil
}

// VaccinationStatus computes the status of every target disease from the
// record's current Immunization entries and profile (never stored).
func VaccinationStatus(es *Entries, today time.Time) ([]rules.Result, error) {
	return health.Vaccinations(es.Profile, Resources[*fhir.Immunization](es), today)
}

// CheckupStatus computes the status of every examination from the
// record's current Procedure entries and profile (never stored).
func CheckupStatus(es *Entries, today time.Time) ([]rules.Result, error) {
	return health.Checkups(es.Profile, Resources[*fhir.Procedure](es), today)
}

// DoctorList lists the doctors of the last four years from the record's
// current entries and the insurer's billing lines (API.Billing), never
// stored.
func DoctorList(es *Entries, billing []doctors.Billing, today time.Time) ([]doctors.Doctor, error) {
	rs := make([]fhir.Resource, 0, len(es.Latest))
	for _, x := range es.Latest {
		rs = append(rs, x.Resource)
	}
	return health.Doctors(es.Profile, rs, billing, today)
}

// Resources returns the current resources of one type.
func Resources[T fhir.Resource](es *Entries) []T {
	var out []T
	for _, e := range es.Latest {
		if r, ok := e.Resource.(T); ok {
			out = append(out, r)
		}
	}
	return out
}

// MemPlans returns upload plans kept in memory, for a client that has no
// place to keep them (the web app's import, cmd/akte-export-wasm): an
// interrupted upload starts again, and an import run again skips what it
// added before (ImportArchive).
func MemPlans() Plans { return &memPlans{} }
