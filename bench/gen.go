package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"
	zsqlite "zombiezen.com/go/sqlite"
	"zombiezen.com/go/sqlite/sqlitex"

	"github.com/akte/akte"
	"github.com/akte/akte/store/postgres"
	"github.com/akte/akte/store/sqlite"
)

// Shape is what the generator creates and the workload relies on. Every
// secret and id is derived from the account's index, so the workload
// needs no state file besides the flags.
type Shape struct {
	Records  int // accounts, each with one record
	Docs     int // documents over all records
	Hot      int // records of HotDocs documents each; the workload reads these
	HotDocs  int
	BlobDocs int // the first BlobDocs documents of each hot record have real ciphertext
	Events   int // audit events over all accounts
}

// Sizes of what a client seals (design §4): metadata ≈ 300 B, key slot ≈
// 100 B, and the ciphertext of a small document held by the blob items.
const (
	metaSize    = 300
	slotSize    = 100
	blobSize    = 4096
	chunkSize   = 8 << 20 // the server's default chunk size
	deviceID    = "benchdevice"
	secretPool  = 32 // distinct login secrets (and server hashes), see loginSecret
	serverHashM = 19 * 1024
	serverHashT = 2
)

func (s Shape) validate() error {
	switch {
	case s.Records < 1 || s.Hot < 1 || s.Hot > s.Records:
		return fmt.Errorf("need 1 <= -hot <= -records")
	case s.Hot*s.HotDocs > s.Docs:
		return fmt.Errorf("-hot × -hot-docs (%d) exceeds -docs (%d)", s.Hot*s.HotDocs, s.Docs)
	case s.BlobDocs > s.HotDocs || s.BlobDocs < 1:
		return fmt.Errorf("need 1 <= -blob-docs <= -hot-docs")
	case s.Docs > 20_000_000 || s.Events > 100_000_000 || s.Records > 1_000_000:
		return fmt.Errorf("shape too large for this tool (docs <= 20M, events <= 100M, records <= 1M)")
	}
	return nil
}

// docsOf returns how many documents record i holds.
func (s Shape) docsOf(i int) int {
	if i < s.Hot {
		return s.HotDocs
	}
	rest, n := s.Docs-s.Hot*s.HotDocs, s.Records-s.Hot
	if n == 0 {
		return 0
	}
	d := rest / n
	if i-s.Hot < rest%n {
		d++
	}
	return d
}

func accountID(i int) akte.AccountID { return akte.AccountID(fmt.Sprintf("bench%07d", i)) }
func email(i int) string             { return fmt.Sprintf("bench%07d@example.org", i) }
func itemID(i, n int) akte.ItemID    { return akte.ItemID(fmt.Sprintf("r%07dd%08d", i, n)) }

// loginSecret is the 32-byte login secret of account i, what the client
// would derive from the password with Argon2id (client work, kept out of
// the measured loop). Accounts share secretPool secrets so that the
// generator computes only secretPool server hashes; the server still
// verifies a real Argon2id hash on every login.
func loginSecret(i int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "akte bench login secret %d", i%secretPool))
	return h[:]
}

// totpSecret is the base32 RFC 6238 secret of account i.
func totpSecret(i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "akte bench totp %d", i))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(h[:20])
}

// serverHashes returns the PHC Argon2id hashes of the pool's secrets with
// the server's parameters (service.DefaultConfig), computed in parallel.
func serverHashes() []string {
	out := make([]string, secretPool)
	var wg sync.WaitGroup
	for k := range secretPool {
		wg.Go(func() {
			salt := make([]byte, 16)
			rand.Read(salt)
			sum := argon2.IDKey(loginSecret(k), salt, serverHashT, serverHashM, 1, 32)
			b := base64.RawStdEncoding
			out[k] = fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$%s$%s", serverHashM, serverHashT, b.EncodeToString(salt), b.EncodeToString(sum))
		})
	}
	wg.Wait()
	return out
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// GenStats says how long generation took, by phase.
type GenStats struct {
	Accounts, Items, Events, Blobs, Total time.Duration
}

// generate fills an empty database and blob store with the shape.
// Accounts, devices and records (a few per record) go through the
// akte.Store contract; the millions of items and events are written with
// bulk SQL against the same schema, which the store layer has no method
// for (decision 0006).
func generate(ctx context.Context, dbURL string, blobs akte.BlobStore, s Shape, log io.Writer) (st GenStats, err error) {
	start := time.Now()
	var (
		store  akte.Store
		bulk   bulkWriter
		closer func()
	)
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		// The store commits with synchronous=FULL, an fsync per account;
		// the database is built in tmpfs and then copied into place.
		dst := strings.TrimPrefix(dbURL, "sqlite://")
		if _, err := os.Stat(dst); err == nil {
			return st, fmt.Errorf("%s exists; use -reuse to run on it", dst)
		}
		tmp, err := os.MkdirTemp(shmDir(), "akte-bench-gen-")
		if err != nil {
			return st, err
		}
		defer os.RemoveAll(tmp)
		src := filepath.Join(tmp, "akte.db")
		ss, err := sqlite.Open(ctx, src)
		if err != nil {
			return st, err
		}
		conn, err := zsqlite.OpenConn(src)
		if err != nil {
			ss.Close()
			return st, err
		}
		store = ss
		bulk = &sqliteBulk{conn: conn}
		closer = func() {}
		defer func() {
			if cerr := errors.Join(conn.Close(), ss.Close()); cerr != nil && err == nil {
				err = cerr
			}
			if err == nil {
				err = copyFile(src, dst)
				st.Total = time.Since(start)
			}
		}()
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		ps, err := postgres.Open(ctx, dbURL)
		if err != nil {
			return st, err
		}
		store, closer = ps, func() { ps.Close() }
		bulk = &pgBulk{ps: ps}
	default:
		return st, fmt.Errorf("unsupported -db %q", dbURL)
	}
	defer closer()
	if n, err := store.Accounts(ctx); err != nil {
		return st, err
	} else if len(n) > 0 {
		return st, fmt.Errorf("database is not empty (%d accounts); use -reuse to run on it", len(n))
	}

	hashes := serverHashes()
	now := time.Now().UTC().Truncate(time.Microsecond)
	created := now.Add(-400 * 24 * time.Hour)
	pub := randBytes(1250) // ML-KEM-768 + P-256 public key
	workers := 1
	if _, ok := bulk.(*pgBulk); ok {
		workers = 8
	}
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < s.Records; i += workers {
				a := &akte.Account{
					ID: accountID(i), Email: email(i), KVNR: fmt.Sprintf("B%09d", i), BirthDate: "1980-01-01",
					KDF:       akte.KDFParams{Alg: "argon2id", Salt: randBytes(16), Memory: 64 * 1024, Time: 3, Threads: 4},
					LoginHash: hashes[i%secretPool], RecoveryHash: base64.RawStdEncoding.EncodeToString(randBytes(32)),
					Keys: akte.KeyBundle{UMKByPassword: randBytes(93), UMKByRecovery: randBytes(93), RecoveryByUMK: randBytes(93),
						PublicKey: pub, PrivateKeyByUMK: randBytes(200)},
					TOTPSecret: totpSecret(i), CreatedAt: created, ConfirmedAt: &created, PasswordChanged: created,
				}
				r := &akte.Record{AccountID: a.ID, ID: akte.RecordID(fmt.Sprintf("rec%07d", i)), RMKByUMK: randBytes(93),
					PublicKey: pub, PrivateKeyByRMK: randBytes(200), CreatedAt: created}
				for _, c := range akte.Categories() {
					r.CategoryKeys = append(r.CategoryKeys, akte.CategoryKey{Category: c.ID, Version: 1, KeyByRMK: randBytes(93)})
				}
				if err := store.CreateAccount(ctx, a, r); err != nil {
					errs <- fmt.Errorf("account %d: %w", i, err)
					return
				}
				if err := store.CreateDevice(ctx, &akte.Device{AccountID: a.ID, ID: deviceID, Name: "bench", CreatedAt: created, ConfirmedAt: &created, LastSeenAt: created}); err != nil {
					errs <- fmt.Errorf("device %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return st, err
	}
	st.Accounts = time.Since(start)
	fmt.Fprintf(log, "generated %d accounts with records and devices in %s\n", s.Records, st.Accounts.Round(time.Millisecond))

	t := time.Now()
	meta, slot := randBytes(64<<10), randBytes(64<<10)
	span := 365 * 24 * time.Hour
	if err := bulk.items(ctx, func(yield func(*akte.Item) bool) {
		for i := range s.Records {
			n := s.docsOf(i)
			for d := range n {
				size := int64(blobSize)
				if i >= s.Hot || d >= s.BlobDocs {
					size = 50_000 + int64(d*7919%1_000_000) // metadata only, see decision 0006
				}
				at := created.Add(time.Duration(d) * (span / time.Duration(n+1))).Add(time.Duration(i) * time.Microsecond)
				off := (i*31 + d*17) % (60 << 10)
				if !yield(&akte.Item{
					ID: itemID(i, d), AccountID: accountID(i), Category: akte.Categories()[d%16].ID, KeyVersion: 1, Kind: akte.KindDocument,
					Size: size, ChunkSize: chunkSize, State: akte.StateComplete, CreatedAt: at, UpdatedAt: at, CreatedBy: string(accountID(i)),
					MetaSealed: meta[off : off+metaSize], KeySlot: slot[off : off+slotSize],
				}) {
					return
				}
			}
		}
	}); err != nil {
		return st, fmt.Errorf("items: %w", err)
	}
	st.Items = time.Since(t)
	fmt.Fprintf(log, "generated %d items in %s\n", s.Docs, st.Items.Round(time.Millisecond))

	t = time.Now()
	ops := []string{"session.login", "item.download", "item.upload", "item.download", "session.login", "item.download"}
	if err := bulk.events(ctx, func(yield func(*akte.Event) bool) {
		step := span / time.Duration(s.Events+1)
		for k := range s.Events {
			i := k % s.Records
			at := created.Add(time.Duration(k) * step)
			e := &akte.Event{Time: at, AccountID: accountID(i), Log: "record/" + string(accountID(i)), Operation: ops[k%len(ops)], Object: "item:" + string(itemID(i, k%max(s.docsOf(i), 1))),
				ActorID: string(accountID(i)), ActorRole: "patient", DeviceID: deviceID, Result: akte.ResultOK}
			if now.Sub(at) < 14*24*time.Hour {
				e.ClientAddr = "127.0.0.1" // older addresses were cleared by the retention job
			}
			if !yield(e) {
				return
			}
		}
	}); err != nil {
		return st, fmt.Errorf("events: %w", err)
	}
	st.Events = time.Since(t)
	fmt.Fprintf(log, "generated %d events in %s\n", s.Events, st.Events.Round(time.Millisecond))

	t = time.Now()
	content := randBytes(blobSize)
	bw := 8
	berrs := make(chan error, bw)
	var bwg sync.WaitGroup
	for w := range bw {
		bwg.Go(func() {
			for k := w; k < s.Hot*s.BlobDocs; k += bw {
				i, d := k/s.BlobDocs, k%s.BlobDocs
				key := fmt.Sprintf("records/%s/items/%s/%07d", accountID(i), itemID(i, d), 0)
				if _, err := blobs.Put(ctx, key, strings.NewReader(string(content))); err != nil {
					berrs <- fmt.Errorf("blob %s: %w", key, err)
					return
				}
			}
		})
	}
	bwg.Wait()
	close(berrs)
	if err := <-berrs; err != nil {
		return st, err
	}
	st.Blobs = time.Since(t)
	fmt.Fprintf(log, "generated %d blobs in %s\n", s.Hot*s.BlobDocs, st.Blobs.Round(time.Millisecond))
	if err := bulk.finish(ctx); err != nil {
		return st, err
	}
	st.Total = time.Since(start)
	return st, nil
}

// bulkWriter writes many rows fast, bypassing the one-row store methods.
type bulkWriter interface {
	items(ctx context.Context, seq func(yield func(*akte.Item) bool)) error
	events(ctx context.Context, seq func(yield func(*akte.Event) bool)) error
	finish(ctx context.Context) error
}

// sqliteBulk inserts with multi-row INSERTs in large transactions on a
// connection of its own with synchronous=OFF and a big page cache: a
// generator may lose its work in a power cut, the server may not.
type sqliteBulk struct{ conn *zsqlite.Conn }

const sqliteBatch = 50 // rows per INSERT (≤ 32766 parameters)

func (b *sqliteBulk) run(ctx context.Context, table, cols string, ncol int, next func(args []any) bool) error {
	c := b.conn
	defer c.SetInterrupt(c.SetInterrupt(ctx.Done()))
	for _, p := range []string{"PRAGMA synchronous=OFF", "PRAGMA cache_size=-2000000"} {
		if err := sqlitex.ExecuteTransient(c, p, nil); err != nil {
			return err
		}
	}
	defer sqlitex.ExecuteTransient(c, "PRAGMA synchronous=FULL", nil)
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	insert := func(n int) string {
		return "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
	}
	args := make([]any, 0, ncol*sqliteBatch)
	done := false
	for !done {
		if err := sqlitex.ExecuteTransient(c, "BEGIN", nil); err != nil {
			return err
		}
		for rows := 0; rows < 200_000 && !done; rows += sqliteBatch {
			args = args[:0]
			for len(args) < ncol*sqliteBatch {
				if !next(args[len(args) : len(args)+ncol]) {
					done = true
					break
				}
				args = args[:len(args)+ncol]
			}
			if len(args) == 0 {
				break
			}
			// The full batch's statement stays prepared (Execute caches
			// it); the last, shorter one is prepared once.
			exec := sqlitex.Execute
			if len(args) < ncol*sqliteBatch {
				exec = sqlitex.ExecuteTransient
			}
			if err := exec(c, insert(len(args)/ncol), &sqlitex.ExecOptions{Args: args}); err != nil {
				sqlitex.ExecuteTransient(c, "ROLLBACK", nil)
				return err
			}
		}
		if err := sqlitex.ExecuteTransient(c, "COMMIT", nil); err != nil {
			return err
		}
	}
	return nil
}

// pull turns a push iterator into a pull function, filling args.
func pull[T any](seq func(yield func(T) bool), fill func(T, []any)) (next func([]any) bool, stop func()) {
	ch := make(chan T, 1024)
	quit := make(chan struct{})
	go func() {
		defer close(ch)
		seq(func(v T) bool {
			select {
			case ch <- v:
				return true
			case <-quit:
				return false
			}
		})
	}()
	return func(args []any) bool {
			v, ok := <-ch
			if ok {
				fill(v, args)
			}
			return ok
		}, func() {
			close(quit)
			for range ch {
			}
		}
}

func (b *sqliteBulk) items(ctx context.Context, seq func(yield func(*akte.Item) bool)) error {
	next, stop := pull(seq, func(it *akte.Item, a []any) {
		a[0], a[1], a[2], a[3], a[4], a[5], a[6] = it.ID, it.AccountID, it.Category, it.KeyVersion, it.Kind, it.Replaces, it.Size
		a[7], a[8], a[9], a[10], a[11], a[12], a[13] = it.ChunkSize, it.State, it.CreatedAt.UnixMicro(), it.UpdatedAt.UnixMicro(), it.CreatedBy, it.MetaSealed, it.KeySlot
	})
	defer stop()
	return b.run(ctx, "items", `id, account_id, category, key_version, kind, replaces, size, chunk_size, state,
		created_at, updated_at, created_by, meta_sealed, key_slot`, 14, next)
}

func (b *sqliteBulk) events(ctx context.Context, seq func(yield func(*akte.Event) bool)) error {
	next, stop := pull(seq, func(e *akte.Event, a []any) {
		a[0], a[1], a[2], a[3], a[4], a[5] = e.Time.UnixMicro(), e.AccountID, e.Operation, e.Object, e.ActorID, e.ActorRole
		a[6], a[7], a[8], a[9], a[10] = e.DeviceID, e.ClientAddr, e.Result, e.Log, e.Cause
	})
	defer stop()
	return b.run(ctx, "events", `time, account_id, operation, object, actor_id, actor_role, device_id, client_addr, result, log, reason`, 11, next)
}

// finish checkpoints the WAL, so the server starts with the data in the
// main file. SQLite gets no ANALYZE: a server that grew its data has none.
func (b *sqliteBulk) finish(ctx context.Context) error {
	return sqlitex.ExecuteTransient(b.conn, "PRAGMA wal_checkpoint(TRUNCATE)", nil)
}

// pgBulk copies rows with COPY FROM STDIN.
type pgBulk struct{ ps *postgres.Store }

func (b *pgBulk) copy(ctx context.Context, table string, cols []string, next func([]any) bool, ncol int) error {
	args := make([]any, ncol)
	conn, err := b.conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.CopyFrom(ctx, pgx.Identifier{table}, cols, &copySource{next: func() bool { return next(args) }, args: args})
	return err
}

// conn takes a connection out of the store's pool for good and lifts the
// store's statement timeout on it, which a COPY of millions of rows
// exceeds; the caller closes it.
func (b *pgBulk) conn(ctx context.Context) (*pgx.Conn, error) {
	pc, err := b.ps.Pool().Acquire(ctx)
	if err != nil {
		return nil, err
	}
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

type copySource struct {
	next func() bool
	args []any
}

func (c *copySource) Next() bool             { return c.next() }
func (c *copySource) Values() ([]any, error) { return c.args, nil }
func (c *copySource) Err() error             { return nil }

func (b *pgBulk) items(ctx context.Context, seq func(yield func(*akte.Item) bool)) error {
	next, stop := pull(seq, func(it *akte.Item, a []any) {
		a[0], a[1], a[2], a[3], a[4], a[5], a[6] = string(it.ID), string(it.AccountID), string(it.Category), int64(it.KeyVersion), string(it.Kind), string(it.Replaces), it.Size
		a[7], a[8], a[9], a[10], a[11], a[12], a[13] = it.ChunkSize, string(it.State), it.CreatedAt, it.UpdatedAt, it.CreatedBy, it.MetaSealed, it.KeySlot
	})
	defer stop()
	return b.copy(ctx, "items", []string{"id", "account_id", "category", "key_version", "kind", "replaces", "size", "chunk_size", "state",
		"created_at", "updated_at", "created_by", "meta_sealed", "key_slot"}, next, 14)
}

func (b *pgBulk) events(ctx context.Context, seq func(yield func(*akte.Event) bool)) error {
	next, stop := pull(seq, func(e *akte.Event, a []any) {
		a[0], a[1], a[2], a[3], a[4], a[5] = e.Time, string(e.AccountID), e.Operation, e.Object, e.ActorID, e.ActorRole
		a[6], a[7], a[8], a[9], a[10] = string(e.DeviceID), e.ClientAddr, e.Result, e.Log, e.Cause
	})
	defer stop()
	return b.copy(ctx, "events", []string{"time", "account_id", "operation", "object", "actor_id", "actor_role", "device_id", "client_addr", "result", "log", "reason"}, next, 11)
}

// finish analyzes the tables, as autovacuum would shortly after a bulk
// load.
func (b *pgBulk) finish(ctx context.Context) error {
	conn, err := b.conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "ANALYZE")
	return err
}

// shmDir is a tmpfs directory if there is one.
func shmDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
