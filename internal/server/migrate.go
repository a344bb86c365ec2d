package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/catalog"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/webpush"
)

// migrateCmd copies the embedded default (SQLite and blob files under a
// data directory) into PostgreSQL and an S3 bucket. It is resumable: what
// the target holds already is verified and skipped, so a run that was cut
// short is finished by the next one. It refuses a target that holds data
// the source does not.
//
// What it copies: accounts, records with their category keys, devices,
// passkeys, complete items with their chunk lists, every blob, the audit protocol
// (events, with new IDs in the same order) and the server secret. What it
// drops, on purpose: sessions (users log in again), unfinished uploads
// (clients start them again), single-use tokens, passkey challenges,
// attempt counters and leases, all of them short-lived.
func migrateCmd(e *cli.Env) *cobra.Command {
	var from, toDB, toBlobs string
	var stopAfter int
	var asJSON bool
	cmd := &cobra.Command{
		Use: "migrate --from DIR --to-db postgres://... --to-blobs s3://BUCKET?endpoint=...",
		Short: e.Tr("die eingebaute Voreinstellung (SQLite + Dateien) nach PostgreSQL + S3 kopieren; fortsetzbar, geprüft (vorher den Server anhalten)",
			"copy the embedded default (SQLite + files) to PostgreSQL + S3; resumable, verified (stop the server first)"),
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if toDB == "" {
				toDB = e.Getenv("AKTE_DB")
			}
			if f := e.Getenv("AKTE_DB_FILE"); toDB == "" && f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("read AKTE_DB_FILE: %w", err)
				}
				toDB = strings.TrimSpace(string(b))
			}
			if from == "" || toDB == "" || toBlobs == "" {
				return cli.Fail(akte.KindInvalid, "flag_required", map[string]any{"flags": "--from, --to-db (AKTE_DB, AKTE_DB_FILE), --to-blobs"})
			}
			if _, err := os.Stat(filepath.Join(from, "akte.db")); err != nil {
				return cli.Fail(akte.KindInvalid, "migrate_no_source", map[string]any{"dir": from})
			}
			ctx := cmd.Context()
			src, err := openBackends(ctx, Config{Data: from}, e.Getenv)
			if err != nil {
				return fmt.Errorf("open source: %w", err)
			}
			defer src.Close()
			dst, err := openBackends(ctx, Config{DB: toDB, Blobs: toBlobs}, e.Getenv)
			if err != nil {
				return fmt.Errorf("open target: %w", err)
			}
			defer dst.Close()
			m := &migration{e: e, src: src, dst: dst, stopAfter: stopAfter, json: asJSON}
			return m.run(ctx)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", e.Tr("Datenverzeichnis der eingebauten Voreinstellung (akte.db und blobs/)", "data directory of the embedded default (akte.db and blobs/)"))
	cmd.Flags().StringVar(&toDB, "to-db", "", e.Tr("Ziel-URL von PostgreSQL (oder env AKTE_DB oder AKTE_DB_FILE, die ein Passwort aus der Prozessliste halten)",
		"target PostgreSQL URL (or env AKTE_DB or AKTE_DB_FILE, which keep a password out of the process list)"))
	cmd.Flags().StringVar(&toBlobs, "to-blobs", "", e.Tr("Ziel-Blob-Speicher s3://BUCKET?endpoint=... (Zugangsdaten aus AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)",
		"target blob store s3://BUCKET?endpoint=... (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"))
	// Only for tests of an interrupted run.
	cmd.Flags().IntVar(&stopAfter, "stop-after-blobs", 0, e.Tr("nach so vielen Blobs anhalten (um das Fortsetzen zu testen)", "stop after copying this many blobs (to test resuming)"))
	cmd.Flags().MarkHidden("stop-after-blobs")
	cmd.Flags().BoolVar(&asJSON, "json", false, e.Tr("Bericht als JSON", "JSON report"))
	return cmd
}

type migration struct {
	e         *cli.Env
	src, dst  *backends
	stopAfter int
	json      bool

	blobsCopied, blobsKept int
	bytesCopied            int64
	accounts, devices      int
	items, chunks, events  int
}

// errDifferent is the refusal when the target holds other data.
var errDifferent = &akte.Error{Op: "migrate", Kind: akte.KindConflict, Reason: "migrate_target_differs"}

func (m *migration) run(ctx context.Context) error {
	start := time.Now()
	if err := m.check(ctx); err != nil {
		return err
	}
	// The server secret first: it decides the answers for unknown
	// e-mail addresses, which must not change with the move.
	sec, err := m.src.store.Secret(ctx, "prelogin", randomKey())
	if err != nil {
		return fmt.Errorf("read server secret: %w", err)
	}
	got, err := m.dst.store.Secret(ctx, "prelogin", sec)
	if err != nil {
		return fmt.Errorf("write server secret: %w", err)
	}
	if !bytes.Equal(got, sec) {
		return fmt.Errorf("server secret: %w", errDifferent)
	}
	// The audit key too, so the target signs what clients pinned (a
	// source without one gets a new one, as akte serve would make).
	fresh, err := audit.GenerateKey("akte/audit")
	if err != nil {
		return err
	}
	pem, err := fresh.MarshalPEM()
	if err != nil {
		return err
	}
	if pem, err = m.src.store.Secret(ctx, "audit_key", pem); err != nil {
		return fmt.Errorf("read audit key: %w", err)
	}
	if got, err = m.dst.store.Secret(ctx, "audit_key", pem); err != nil {
		return fmt.Errorf("write audit key: %w", err)
	}
	if !bytes.Equal(got, pem) {
		return fmt.Errorf("audit key: %w", errDifferent)
	}
	// The Web Push key too: the browsers subscribed with it (decision
	// 0051; a source without one gets a new one, as akte serve would make).
	vk, err := webpush.NewVAPIDKey()
	if err != nil {
		return err
	}
	if vk, err = m.src.store.Secret(ctx, "vapid_key", vk); err != nil {
		return fmt.Errorf("read vapid key: %w", err)
	}
	if got, err = m.dst.store.Secret(ctx, "vapid_key", vk); err != nil {
		return fmt.Errorf("write vapid key: %w", err)
	}
	if !bytes.Equal(got, vk) {
		return fmt.Errorf("vapid key: %w", errDifferent)
	}
	// Blobs before the metadata that points at them: an item is complete
	// in the target only when its chunks are there.
	if err := m.copyBlobs(ctx); err != nil {
		return err
	}
	if m.stopAfter > 0 && m.blobsCopied >= m.stopAfter {
		m.e.Printf(m.e.Tr("nach %d Blobs angehalten (--stop-after-blobs); erneut aufrufen, um fortzufahren\n",
			"stopped after %d blobs (--stop-after-blobs); run again to continue\n"), m.blobsCopied)
		return cli.ExitError{Code: 3}
	}
	if err := m.copyAccounts(ctx); err != nil {
		return err
	}
	if err := m.copyGrants(ctx); err != nil {
		return err
	}
	if err := m.copyParties(ctx); err != nil {
		return err
	}
	if err := m.copyEvents(ctx); err != nil {
		return err
	}
	if err := m.verify(ctx); err != nil {
		return err
	}
	if m.json {
		return m.e.PrintJSON(map[string]any{"status": "complete", "verified": true, "seconds": time.Since(start).Seconds(),
			"accounts": m.accounts, "devices": m.devices, "items": m.items, "chunks": m.chunks, "events": m.events,
			"blobs_copied": m.blobsCopied, "bytes_copied": m.bytesCopied, "blobs_kept": m.blobsKept})
	}
	tr := m.e.Tr
	m.e.Printf(tr("Umzug vollständig und geprüft in %v:\n", "migration complete and verified in %v:\n"), time.Since(start).Round(time.Millisecond))
	m.e.Printf(tr("  Konten %d, Geräte %d, Dokumente %d (Teile %d), Ereignisse %d\n", "  accounts %d, devices %d, items %d (chunks %d), events %d\n"),
		m.accounts, m.devices, m.items, m.chunks, m.events)
	m.e.Printf(tr("  Blobs: %d kopiert (%s), %d schon da und gleich\n", "  blobs: %d copied (%s), %d already there and identical\n"),
		m.blobsCopied, catalog.Bytes(m.e.Lang, m.bytesCopied), m.blobsKept)
	m.e.Printf("%s\n", tr("Sitzungen, unfertige Uploads, Codes und Versuchszähler wurden nicht kopiert: Nutzer melden sich neu an.",
		"sessions, unfinished uploads, codes and attempt counters were not copied: users log in again"))
	return nil
}

// check refuses a target with accounts or blobs the source lacks, or with
// an account of the same id that differs.
func (m *migration) check(ctx context.Context) error {
	srcAccts, err := m.src.store.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("list source accounts: %w", err)
	}
	dstAccts, err := m.dst.store.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("list target accounts: %w", err)
	}
	byID := map[akte.AccountID]*akte.Account{}
	for _, a := range srcAccts {
		byID[a.ID] = a
	}
	for _, d := range dstAccts {
		s := byID[d.ID]
		if s == nil || s.Email != d.Email || s.KVNR != d.KVNR || !s.CreatedAt.Equal(d.CreatedAt) {
			return fmt.Errorf("account %s: %w", d.ID, errDifferent)
		}
	}
	srcKeys, err := m.src.blobs.List(ctx, "")
	if err != nil {
		return fmt.Errorf("list source blobs: %w", err)
	}
	dstKeys, err := m.dst.blobs.List(ctx, "")
	if err != nil {
		return fmt.Errorf("list target blobs: %w", err)
	}
	for _, k := range dstKeys {
		if _, ok := slices.BinarySearch(srcKeys, k); !ok {
			return fmt.Errorf("blob %s: %w", k, errDifferent)
		}
	}
	return nil
}

func (m *migration) copyBlobs(ctx context.Context) error {
	keys, err := m.src.blobs.List(ctx, "")
	if err != nil {
		return fmt.Errorf("list source blobs: %w", err)
	}
	for _, k := range keys {
		if m.stopAfter > 0 && m.blobsCopied >= m.stopAfter {
			return nil
		}
		if err := m.copyBlob(ctx, k); err != nil {
			return fmt.Errorf("blob %s: %w", k, err)
		}
	}
	return nil
}

// copyBlob copies one object unless the target holds the same bytes, and
// verifies the copy by reading it back: size and SHA-256 must match.
func (m *migration) copyBlob(ctx context.Context, key string) error {
	size, sum, err := digest(ctx, m.src.blobs, key)
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	if n, err := m.dst.blobs.Size(ctx, key); err == nil {
		if n != size {
			return errDifferent
		}
		_, dsum, err := digest(ctx, m.dst.blobs, key)
		if err != nil {
			return fmt.Errorf("read target: %w", err)
		}
		if dsum != sum {
			return errDifferent
		}
		m.blobsKept++
		return nil
	} else if !akte.Is(err, akte.KindNotFound) {
		return fmt.Errorf("stat target: %w", err)
	}
	r, err := m.src.blobs.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read source: %w", err)
	}
	n, err := m.dst.blobs.Put(ctx, key, r)
	r.Close()
	if err != nil {
		return fmt.Errorf("write target: %w", err)
	}
	dn, dsum, err := digest(ctx, m.dst.blobs, key)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if n != size || dn != size || dsum != sum {
		return &akte.Error{Op: "migrate", Kind: akte.KindInternal, Reason: "migrate_copy_differs",
			Err: fmt.Errorf("%d bytes written, %d read back, want %d", n, dn, size)}
	}
	m.blobsCopied++
	m.bytesCopied += size
	return nil
}

func digest(ctx context.Context, bs akte.BlobStore, key string) (int64, [32]byte, error) {
	r, err := bs.Get(ctx, key)
	if err != nil {
		return 0, [32]byte{}, err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return 0, [32]byte{}, err
	}
	return n, [32]byte(h.Sum(nil)), nil
}

func (m *migration) copyAccounts(ctx context.Context) error {
	src, dst := m.src.store, m.dst.store
	accts, err := src.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("list source accounts: %w", err)
	}
	for _, a := range accts {
		if _, err := dst.Account(ctx, a.ID); akte.Is(err, akte.KindNotFound) {
			rec, err := src.Record(ctx, a.ID)
			if akte.Is(err, akte.KindNotFound) {
				rec = nil
			} else if err != nil {
				return fmt.Errorf("account %s: read record: %w", a.ID, err)
			}
			// A provider's account goes with its provider entry (status
			// and decision as they are), a patient's with its record, in
			// one transaction: a cut run leaves both or neither.
			p, err := src.Provider(ctx, a.ID)
			switch {
			case err == nil:
				err = dst.CreateProvider(ctx, a, p)
			case akte.Is(err, akte.KindNotFound):
				err = dst.CreateAccount(ctx, a, rec)
			}
			if err != nil {
				return fmt.Errorf("account %s: %w", a.ID, err)
			}
		} else if err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
		if err := copyManifest(ctx, src, dst, a.ID); err != nil {
			return fmt.Errorf("account %s: manifest: %w", a.ID, err)
		}
		if a.TOTPLastCounter > 0 {
			if _, err := dst.AdvanceTOTP(ctx, a.ID, a.TOTPLastCounter); err != nil {
				return fmt.Errorf("account %s: %w", a.ID, err)
			}
		}
		m.accounts++
		devs, err := src.Devices(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: devices: %w", a.ID, err)
		}
		for _, d := range devs {
			if _, err := dst.Device(ctx, a.ID, d.ID); akte.Is(err, akte.KindNotFound) {
				if err := dst.CreateDevice(ctx, d); err != nil {
					return fmt.Errorf("device %s: %w", d.ID, err)
				}
			} else if err != nil {
				return fmt.Errorf("device %s: %w", d.ID, err)
			}
			m.devices++
		}
		pks, err := src.Passkeys(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: passkeys: %w", a.ID, err)
		}
		for _, pk := range pks {
			// A conflict is the passkey a cut run copied already.
			if err := dst.CreatePasskey(ctx, pk); err != nil && !akte.Is(err, akte.KindConflict) {
				return fmt.Errorf("passkey %s: %w", pk.ID, err)
			}
		}
		items, err := src.Items(ctx, a.ID, "")
		if err != nil {
			return fmt.Errorf("account %s: items: %w", a.ID, err)
		}
		for _, it := range items {
			if err := m.copyItem(ctx, it); err != nil {
				return fmt.Errorf("item %s: %w", it.ID, err)
			}
		}
		if err := copyAccountState(ctx, src, dst, a.ID); err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
	}
	return nil
}

// copyAccountState copies what an account decided and set beyond its keys
// and items: the consent ledger with the texts it keeps (decision 0044), a
// restriction, a notice, the medication reminders and push subscriptions, the open shares
// (decision 0042; their view logs stay behind) and the usage data of its
// quarters and insurer (decision 0047). What a cut run copied already is
// kept.
func copyAccountState(ctx context.Context, src, dst akte.Store, id akte.AccountID) error {
	have := map[string]bool{}
	dcs, err := dst.Consents(ctx, id)
	if err != nil {
		return fmt.Errorf("consents: %w", err)
	}
	for _, c := range dcs {
		have[c.ID] = true
	}
	cs, err := src.Consents(ctx, id)
	if err != nil {
		return fmt.Errorf("consents: %w", err)
	}
	for _, c := range cs {
		if have[c.ID] {
			continue
		}
		t, err := src.ConsentText(ctx, c.Hash)
		if err != nil {
			return fmt.Errorf("consent text %s: %w", c.Hash, err)
		}
		if err := dst.AddConsent(ctx, c, t); err != nil {
			return fmt.Errorf("consent %s: %w", c.ID, err)
		}
	}
	// copyOne copies a row the account has at most one of.
	copyOne := func(what string, get func(akte.Store) (any, error), set func(any) error) error {
		v, err := get(src)
		if akte.Is(err, akte.KindNotFound) {
			return nil
		}
		if err == nil {
			err = set(v)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := errors.Join(
		copyOne("restriction", func(s akte.Store) (any, error) { return s.Restriction(ctx, id) },
			func(v any) error { return dst.SetRestriction(ctx, v.(*akte.Restriction)) }),
		copyOne("notice", func(s akte.Store) (any, error) { return s.Termination(ctx, id) },
			func(v any) error { return dst.SetTermination(ctx, v.(*akte.Termination)) }),
		copyOne("reminders", func(s akte.Store) (any, error) { return s.Reminder(ctx, id) },
			func(v any) error { return dst.SetReminder(ctx, v.(*akte.Reminder)) }),
	); err != nil {
		return err
	}
	ps, err := src.PushSubscriptions(ctx, id)
	if err != nil {
		return fmt.Errorf("push subscriptions: %w", err)
	}
	for _, x := range ps { // the same endpoint again replaces: a cut run repeats safely
		if _, err := dst.AddPushSubscription(ctx, x, len(ps)); err != nil && !akte.Is(err, akte.KindConflict) {
			return fmt.Errorf("push subscription: %w", err)
		}
	}
	ss, err := src.Shares(ctx, id)
	if err != nil {
		return fmt.Errorf("shares: %w", err)
	}
	for _, sh := range ss {
		if sh.RevokedAt != nil || sh.LockedAt != nil {
			continue // answers as unknown on either side
		}
		sh.Views = nil
		if err := dst.CreateShare(ctx, sh); err != nil && !akte.Is(err, akte.KindConflict) {
			return fmt.Errorf("share %s: %w", sh.ID, err)
		}
	}
	us, err := src.UsageData(ctx, id)
	if err != nil {
		return fmt.Errorf("usage data: %w", err)
	}
	for _, u := range us {
		for _, q := range u.Quarters {
			if err := dst.NoteAccess(ctx, id, q.Quarter, q.LastAccess); err != nil {
				return fmt.Errorf("usage data: %w", err)
			}
		}
		if u.Insurer != "" {
			if err := dst.SetUsageInsurer(ctx, id, u.Insurer); err != nil {
				return fmt.Errorf("usage data: %w", err)
			}
		}
	}
	return nil
}

// copyGrants copies every owner's grants (ended ones too, with the keys
// of the running ones), hidings and blocks, once every account is in the
// target. Grants go before blocks, which would refuse them; a grant a cut
// run copied already is a conflict and kept.
func (m *migration) copyGrants(ctx context.Context) error {
	src, dst := m.src.store, m.dst.store
	accts, err := src.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("list source accounts: %w", err)
	}
	for _, a := range accts {
		gs, err := src.Grants(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: grants: %w", a.ID, err)
		}
		for _, g := range gs {
			if err := dst.CreateGrant(ctx, g); err != nil && !akte.Is(err, akte.KindConflict) {
				return fmt.Errorf("grant %s: %w", g.ID, err)
			}
		}
		hs, err := src.Hidings(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: hidings: %w", a.ID, err)
		}
		for _, h := range hs {
			if err := dst.SetHidden(ctx, h, true); err != nil {
				return fmt.Errorf("account %s: hiding: %w", a.ID, err)
			}
		}
		bs, err := src.Blocked(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: blocks: %w", a.ID, err)
		}
		for _, b := range bs {
			// The block ended the grantee's grants in the source already.
			if _, err := dst.Block(ctx, a.ID, b, time.Now()); err != nil {
				return fmt.Errorf("account %s: block: %w", a.ID, err)
			}
		}
	}
	return nil
}

// copyParties copies the apps and insurers (decision 0043), their links
// to records, and the used account shells (so that an activated account's
// KVNR stays verified). Unused shells are codes: not copied, like the
// other codes; the insurer opens the record again.
func (m *migration) copyParties(ctx context.Context) error {
	src, dst := m.src.store, m.dst.store
	ps, err := src.Parties(ctx, "")
	if err != nil {
		return fmt.Errorf("list parties: %w", err)
	}
	for _, p := range ps {
		if err := dst.CreateParty(ctx, p); err != nil && !akte.Is(err, akte.KindConflict) {
			return fmt.Errorf("party %s: %w", p.ID, err)
		}
	}
	accts, err := src.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("list source accounts: %w", err)
	}
	for _, a := range accts {
		ls, err := src.PartyLinks(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("account %s: links: %w", a.ID, err)
		}
		for _, l := range ls {
			if err := dst.LinkParty(ctx, l); err != nil {
				return fmt.Errorf("account %s: link: %w", a.ID, err)
			}
		}
		sh, err := src.AccountActivation(ctx, a.ID)
		if akte.Is(err, akte.KindNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("account %s: activation: %w", a.ID, err)
		}
		if err := dst.CreateActivation(ctx, sh); err != nil && !akte.Is(err, akte.KindConflict) {
			return fmt.Errorf("account %s: activation: %w", a.ID, err)
		}
		if err := dst.UseActivation(ctx, sh.ID, a.ID, *sh.UsedAt, nil); err != nil && !akte.Is(err, akte.KindConflict) {
			return fmt.Errorf("account %s: activation: %w", a.ID, err)
		}
	}
	return nil
}

// copyItem creates a complete item in the target through the same steps
// as an upload (create, chunks, complete), resuming an item a cut run left
// uploading.
func (m *migration) copyItem(ctx context.Context, it *akte.Item) error {
	src, dst := m.src.store, m.dst.store
	chunks, err := src.Chunks(ctx, it.ID)
	if err != nil {
		return err
	}
	cur, err := dst.Item(ctx, it.ID)
	switch {
	case akte.Is(err, akte.KindNotFound):
		c := *it
		if err := dst.CreateUpload(ctx, &c, -1); err != nil {
			return err
		}
	case err != nil:
		return err
	case cur.AccountID != it.AccountID || cur.Size != it.Size:
		return errDifferent
	case cur.State == akte.StateComplete:
		have, err := dst.Chunks(ctx, it.ID)
		if err != nil {
			return err
		}
		if !slices.Equal(have, chunks) {
			return errDifferent
		}
		m.items++
		m.chunks += len(chunks)
		return nil
	}
	for _, n := range chunks {
		if err := dst.AddChunk(ctx, it.ID, n, it.UpdatedAt); err != nil {
			return err
		}
	}
	if err := dst.CompleteUpload(ctx, it.ID, it.UpdatedAt); err != nil {
		return err
	}
	m.items++
	m.chunks += len(chunks)
	return nil
}

// copyEvents appends the source's events the target lacks. Events get new
// IDs in the target, in the same order; the target's events must be the
// source's first ones (an earlier run's), which is checked field by field.
func (m *migration) copyEvents(ctx context.Context) error {
	const page = 500
	var srcAfter, dstAfter int64
	for {
		es, err := m.src.store.EventsAfter(ctx, srcAfter, page)
		if err != nil {
			return fmt.Errorf("read source events: %w", err)
		}
		if len(es) == 0 {
			break
		}
		have, err := m.dst.store.EventsAfter(ctx, dstAfter, len(es))
		if err != nil {
			return fmt.Errorf("read target events: %w", err)
		}
		for i, e := range es {
			if i < len(have) {
				if !sameEvent(have[i], e) {
					return fmt.Errorf("event %d: %w", e.ID, errDifferent)
				}
				dstAfter = have[i].ID
			} else {
				c := *e
				if err := m.dst.store.AddEvents(ctx, []*akte.Event{&c}); err != nil {
					return fmt.Errorf("write event: %w", err)
				}
				dstAfter = c.ID
			}
			m.events++
		}
		srcAfter = es[len(es)-1].ID
	}
	if more, err := m.dst.store.EventsAfter(ctx, dstAfter, 1); err != nil {
		return fmt.Errorf("read target events: %w", err)
	} else if len(more) > 0 {
		return fmt.Errorf("events: %w", errDifferent)
	}
	return nil
}

// sameEvent compares two events but for their IDs and what sequencing
// sets (the target sequences the copies itself: from the same rows in the
// same order it builds the same trees).
func sameEvent(a, b *akte.Event) bool {
	sameTime := a.Time.Equal(b.Time) || a.Index < 0 || b.Index < 0 // sequencing may raise a time
	return sameTime && a.Log == b.Log && a.AccountID == b.AccountID && a.Operation == b.Operation && a.Object == b.Object &&
		a.ActorID == b.ActorID && a.ActorRole == b.ActorRole && a.ActorName == b.ActorName && a.DeviceID == b.DeviceID &&
		a.ClientAddr == b.ClientAddr && a.Result == b.Result && a.Cause == b.Cause
}

// verify compares what the source and the target hold, counted anew.
func (m *migration) verify(ctx context.Context) error {
	count := func(b *backends) (accts, devs, items, chunks int, blobs []string, err error) {
		as, err := b.store.Accounts(ctx)
		if err != nil {
			return
		}
		for _, a := range as {
			ds, err2 := b.store.Devices(ctx, a.ID)
			its, err3 := b.store.Items(ctx, a.ID, "")
			if err = errors.Join(err2, err3); err != nil {
				return
			}
			devs += len(ds)
			items += len(its)
			for _, it := range its {
				cs, err4 := b.store.Chunks(ctx, it.ID)
				if err = err4; err != nil {
					return
				}
				chunks += len(cs)
			}
		}
		blobs, err = b.blobs.List(ctx, "")
		return len(as), devs, items, chunks, blobs, err
	}
	sa, sd, si, sc, sb, err := count(m.src)
	if err != nil {
		return fmt.Errorf("verify source: %w", err)
	}
	da, dd, di, dc, db, err := count(m.dst)
	if err != nil {
		return fmt.Errorf("verify target: %w", err)
	}
	if sa != da || sd != dd || si != di || sc != dc || !slices.Equal(sb, db) {
		return &akte.Error{Op: "migrate", Kind: akte.KindInternal, Reason: "migrate_verify_failed",
			Params: map[string]any{"source": fmt.Sprintf("%d/%d/%d/%d/%d", sa, sd, si, sc, len(sb)), "target": fmt.Sprintf("%d/%d/%d/%d/%d", da, dd, di, dc, len(db))}}
	}
	return nil
}

// copyManifest copies the record manifest with its counter (clients
// remember the highest counter they saw: a lower one would look like a
// list rolled back); a target that has it already is left alone.
func copyManifest(ctx context.Context, src, dst akte.Store, id akte.AccountID) error {
	n, b, err := src.Manifest(ctx, id)
	if akte.Is(err, akte.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	have, _, err := dst.Manifest(ctx, id)
	if err != nil || have == n {
		return err
	}
	return dst.SwapManifest(ctx, id, have, n, b)
}
