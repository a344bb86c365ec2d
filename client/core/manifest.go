package core

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Manifest is the record's list of its items as the owner's clients wrote
// it (docs/crypto.md §15.1): sealed under a key from the record master key,
// with the record id and the counter bound as associated data, so that the
// server can neither change it nor show an old one under a new counter nor
// another record's. Every client write updates it (UpdateManifest); every
// listing by the owner compares with it (ManifestProblems).
type Manifest struct {
	Record  string
	Counter int64
	Items   map[string]ManifestEntry
}

// ManifestEntry is one item id of the manifest.
type ManifestEntry struct {
	Category string
	Version  int64 // the sealed version (0: sealed before versions)
	// State is "" for a live item, "p" for an upload begun (the id is
	// written before the upload is created, so a listed pending item is
	// no surprise), "d" for a delete begun (written before the delete:
	// listed or not, no alarm), "x" for a deleted item (a tombstone, kept).
	State string
}

// Entry states of the manifest.
const (
	Live     = ""
	Pending  = "p"
	Deleting = "d"
	Deleted  = "x"
)

const manifestLabel = "akte v1 record manifest"

func manifestAAD(record string, counter int64) []byte {
	return []byte(manifestLabel + " " + record + " " + strconv.FormatInt(counter, 10))
}

func (r *Record) manifestKey() []byte {
	k, err := hkdf.Key(sha256.New, r.rmk, nil, manifestLabel, seal.KeySize)
	if err != nil {
		panic("core: hkdf: " + err.Error())
	}
	return k
}

// NewManifest makes the first manifest of a record from a listing of all
// its items (metas by item id, as ChainProblems takes them): this trusts
// that listing once.
func (r *Record) NewManifest(items []wire.Item, metas map[string]Meta) *Manifest {
	m := &Manifest{Record: r.Info.Keys.RecordID, Items: map[string]ManifestEntry{}}
	for _, it := range items {
		m.Items[it.ID] = ManifestEntry{Category: it.Category, Version: metas[it.ID].Version}
	}
	return m
}

// SealManifest seals the manifest for the counter it will have once
// stored (the counter read plus one), which it sets.
func (r *Record) SealManifest(m *Manifest, counter int64) ([]byte, error) {
	m.Record, m.Counter = r.Info.Keys.RecordID, counter
	return seal.SealSmall(r.manifestKey(), manifestAAD(m.Record, counter), m.encode())
}

// OpenManifest opens the manifest the server answered with its counter;
// nil if there is none yet. A blob that does not open under this record
// and counter is refused (manifest_unopenable): the server changed it,
// swapped it with another record's or replays it under another counter.
func (r *Record) OpenManifest(counter int64, blob []byte) (*Manifest, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	id := r.Info.Keys.RecordID
	b, err := seal.OpenSmall(r.manifestKey(), manifestAAD(id, counter), blob)
	var m *Manifest
	if err == nil {
		m, err = decodeManifest(b)
	}
	if err == nil && (m.Record != id || m.Counter != counter) {
		err = errNotThisManifest
	}
	if err != nil {
		return nil, fail("record.manifest", "manifest_unopenable", nil,
			"Die Liste der Dokumente Ihrer Akte lässt sich nicht öffnen: Der Server hat sie verändert oder vertauscht. Bitte wenden Sie sich an den Betreiber.", err)
	}
	return m, nil
}

var errNotThisManifest = errors.New("the manifest names another record or counter")

// The plaintext is text (encoding/json stays out of the WebAssembly core,
// decision 0017): a first line "akte manifest 1", then "record ID",
// "counter N", then one line per item in id order: "ID STATE CATEGORY
// VERSION", where STATE is l (live), p, d or x and CATEGORY is "-" for a
// tombstone. Ids and categories hold no spaces.
func (m *Manifest) encode() []byte {
	b := []byte("akte manifest 1\nrecord " + m.Record + "\ncounter " + strconv.FormatInt(m.Counter, 10) + "\n")
	for _, id := range slices.Sorted(maps.Keys(m.Items)) {
		e := m.Items[id]
		st, c := e.State, e.Category
		if st == Live {
			st = "l"
		}
		if c == "" {
			c = "-"
		}
		b = append(b, id+" "+st+" "+c+" "+strconv.FormatInt(e.Version, 10)+"\n"...)
	}
	return b
}

var errManifestSyntax = errors.New("manifest: bad syntax")

func decodeManifest(b []byte) (*Manifest, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 || lines[0] != "akte manifest 1" || lines[len(lines)-1] != "" {
		return nil, errManifestSyntax
	}
	m := &Manifest{Items: make(map[string]ManifestEntry, len(lines)-4)}
	var ok bool
	var err error
	if m.Record, ok = strings.CutPrefix(lines[1], "record "); !ok {
		return nil, errManifestSyntax
	}
	c, ok := strings.CutPrefix(lines[2], "counter ")
	if m.Counter, err = strconv.ParseInt(c, 10, 64); !ok || err != nil {
		return nil, errManifestSyntax
	}
	for _, l := range lines[3 : len(lines)-1] {
		f := strings.Split(l, " ")
		if len(f) != 4 || f[0] == "" {
			return nil, errManifestSyntax
		}
		e := ManifestEntry{State: f[1], Category: f[2]}
		switch e.State {
		case "l":
			e.State = Live
		case Pending, Deleting, Deleted:
		default:
			return nil, errManifestSyntax
		}
		if e.Category == "-" {
			e.Category = ""
		}
		if e.Version, err = strconv.ParseInt(f[3], 10, 64); err != nil {
			return nil, errManifestSyntax
		}
		m.Items[f[0]] = e
	}
	return m, nil
}

// CheckCounter refuses a manifest counter lower than the highest this
// client has seen for the record (list_rolled_back): the server shows an
// older list. A missing manifest after one was seen is the same.
func CheckCounter(seen, counter int64, missing bool) error {
	if counter < seen || (missing && seen > 0) {
		return akte.R("record.manifest", akte.KindCrypto, "list_rolled_back", map[string]any{"seen": seen, "got": counter},
			sprintf("Der Server zeigt eine ältere Liste der Dokumente Ihrer Akte (Stand %d; dieses Gerät kennt schon Stand %d): "+
				"Er könnte gelöschte Dokumente zurückbringen oder neue verschweigen. Bitte wenden Sie sich an den Betreiber.", counter, seen))
	}
	return nil
}

// Problem is one finding of a listing against the manifest: an item's id
// (empty for the listing as a whole) and the error saying what is wrong.
type Problem struct {
	ID  string
	Err error
}

// ManifestProblems compares a listing (of one category, or of all if
// category is empty; metas as ChainProblems takes them) with the
// manifest: item_withheld for a live item of the manifest that is not
// listed, item_resurrected for a listed item the manifest names as
// deleted or does not name at all, item_version_changed for a listed item whose
// sealed version is not the one in the manifest (item_version_changed). Pending uploads and
// deletes are no surprise either way. Withheld items come in id order,
// after the listed ones in listing order. Linear in the sizes.
func ManifestProblems(m *Manifest, items []wire.Item, metas map[string]Meta, category string) []Problem {
	var out []Problem
	listed := make(map[string]bool, len(items))
	for _, it := range items {
		listed[it.ID] = true
		e, ok := m.Items[it.ID]
		switch {
		case !ok && it.KeyVersion == 0:
			// Added through the inbox by a provider: filed by Settle.
		case !ok || e.State == Deleted:
			out = append(out, Problem{it.ID, akte.R("record.manifest", akte.KindCrypto, "item_resurrected", map[string]any{"item": it.ID},
				sprintf("Der Server zeigt das Dokument %s, das in Ihrer Akte gelöscht wurde oder nie verzeichnet war.", it.ID))})
		case e.State == Live && metas[it.ID].Version != e.Version:
			if _, opened := metas[it.ID]; opened {
				out = append(out, Problem{it.ID, akte.R("record.manifest", akte.KindCrypto, "item_version_changed", map[string]any{"item": it.ID},
					sprintf("Die Versionsnummer des Dokuments %s ist nicht die, die Ihre Akte verzeichnet.", it.ID))})
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.Items)) {
		e := m.Items[id]
		if e.State == Live && !listed[id] && (category == "" || e.Category == category) {
			out = append(out, Problem{id, akte.R("record.manifest", akte.KindCrypto, "item_withheld", map[string]any{"item": id},
				sprintf("Der Server verschweigt das Dokument %s Ihrer Akte.", id))})
		}
	}
	return out
}

// Settle marks the listed items that the manifest has as pending uploads
// as live (their upload completed, but the client that made them did not
// get to say so) and reports whether it changed anything. metas as
// ChainProblems takes them.
func (m *Manifest) Settle(items []wire.Item, metas map[string]Meta) bool {
	changed := false
	for _, it := range items {
		e, ok := m.Items[it.ID]
		// A pending upload that completed, or an item a provider added
		// through the inbox (key version 0), which the manifest files.
		if (ok && e.State == Pending) || (!ok && it.KeyVersion == 0) {
			m.Items[it.ID] = ManifestEntry{Category: it.Category, Version: metas[it.ID].Version}
			changed = true
		}
	}
	return changed
}

// Set records an item's state in the manifest: Pending before an upload
// is created, Live once it completed (with its sealed version), Deleting
// before a delete, Deleted after it (a tombstone without category or
// version).
func (m *Manifest) Set(id, category string, version int64, state string) {
	if m.Items == nil {
		m.Items = map[string]ManifestEntry{}
	}
	if state == Deleted {
		category, version = "", 0
	}
	if state == Deleting {
		e := m.Items[id]
		category, version = e.Category, e.Version
	}
	m.Items[id] = ManifestEntry{Category: category, Version: version, State: state}
}

// CheckListing is what the owner's client does with a listing (items and
// metas as ChainProblems takes them, of one category or of all if
// category is empty) and the manifest the server answered (its counter and
// blob; seen is the highest counter this client has seen): it returns the
// problems (one without id for the whole list: list_rolled_back or
// manifest_unopenable) and the manifest to store, if any (to seal for
// counter+1): the first one, made from a whole listing of a record that
// has none, or one where listed pending uploads are settled.
func (r *Record) CheckListing(seen, counter int64, blob []byte, items []wire.Item, metas map[string]Meta, category string) ([]Problem, *Manifest) {
	if err := CheckCounter(seen, counter, len(blob) == 0); err != nil {
		return []Problem{{Err: err}}, nil
	}
	m, err := r.OpenManifest(counter, blob)
	switch {
	case err != nil:
		return []Problem{{Err: err}}, nil
	case m == nil && category == "":
		return nil, r.NewManifest(items, metas)
	case m == nil:
		return nil, nil
	}
	problems := ManifestProblems(m, items, metas, category)
	if m.Settle(items, metas) {
		return problems, m
	}
	return problems, nil
}

// LoadManifest checks the counter of the manifest the server answered
// against seen and opens it, for a write to change; a record without one
// gets one from the whole listing, which list returns (trusted once).
func (r *Record) LoadManifest(seen, counter int64, blob []byte, list func() ([]wire.Item, map[string]Meta, error)) (*Manifest, error) {
	if err := CheckCounter(seen, counter, len(blob) == 0); err != nil {
		return nil, err
	}
	m, err := r.OpenManifest(counter, blob)
	if m != nil || err != nil {
		return m, err
	}
	items, metas, err := list()
	if err != nil {
		return nil, err
	}
	return r.NewManifest(items, metas), nil
}
