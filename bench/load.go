package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/akte/akte"
	"github.com/akte/akte/client"
	"github.com/akte/akte/wire"
)

// Operation names, as printed.
const (
	opList     = "list"      // one record's documents, walked page by page
	opListPage = "list-page" // each page of such a walk
	opGet      = "get"       // GET /items/{id}: one item's metadata
	opDownload = "download"  // GET /items/{id}/content: 4 KiB of ciphertext
	opUpload   = "upload"    // POST /uploads, PUT one chunk, POST complete
	opLogin    = "login"     // POST /sessions: Argon2id + TOTP
	opDeny     = "deny"      // another record's item: answered not found
)

// mixOps are the operations a mix may weigh, in printing order.
var mixOps = []string{opList, opGet, opDownload, opUpload, opLogin, opDeny}

// Load is one run of the workload.
type Load struct {
	Base     string
	Shape    Shape
	Clients  int
	Duration time.Duration
	Warmup   time.Duration
	Requests int64 // stop after this many operations (0: only the duration bounds the run)
	Page     int
	Mix      map[string]int
	// Rate, if above 0, paces the clients to this many operations per
	// second in all (each client at Rate/Clients); 0 runs them closed
	// loop, each starting its next operation when the last ends.
	Rate float64
}

// parseMix reads "list=50,get=20,...".
func parseMix(s string) (map[string]int, error) {
	m := map[string]int{}
	for part := range strings.SplitSeq(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 || !slices.Contains(mixOps, name) {
			return nil, fmt.Errorf("-mix: %q is not op=weight with op one of %s", part, strings.Join(mixOps, ", "))
		}
		m[name] = n
	}
	total := 0
	for _, n := range m {
		total += n
	}
	if total == 0 {
		return nil, fmt.Errorf("-mix: every weight is 0")
	}
	return m, nil
}

// stats collects latencies per operation.
type stats struct {
	mu   sync.Mutex
	lat  map[string][]time.Duration
	errs map[string]int
	last map[string]string
}

func newStats() *stats {
	return &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}, last: map[string]string{}}
}

func (s *stats) add(op string, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs[op]++
		s.last[op] = err.Error()
		return
	}
	s.lat[op] = append(s.lat[op], d)
}

// Result is one operation's figures.
type Result struct {
	Op        string
	Count     int
	Errors    int
	PerSec    float64
	P50, P99  time.Duration
	Max       time.Duration
	LastError string
}

func (s *stats) results(elapsed time.Duration) []Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Result
	for _, op := range append([]string{opList, opListPage}, mixOps[1:]...) {
		l := s.lat[op]
		if len(l) == 0 && s.errs[op] == 0 {
			continue
		}
		slices.Sort(l)
		r := Result{Op: op, Count: len(l), Errors: s.errs[op], PerSec: float64(len(l)) / elapsed.Seconds(), LastError: s.last[op]}
		if len(l) > 0 {
			r.P50, r.P99, r.Max = pct(l, 0.50), pct(l, 0.99), l[len(l)-1]
		}
		out = append(out, r)
	}
	return out
}

// pct is the nearest-rank percentile of sorted durations.
func pct(l []time.Duration, p float64) time.Duration {
	k := int(float64(len(l))*p+0.999999) - 1
	return l[max(0, min(k, len(l)-1))]
}

func printResults(w io.Writer, rs []Result, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "op\tcount\tops/s\tp50 ms\tp99 ms\tmax ms\terrors\t\n")
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%s\t%d\t\n", r.Op, r.Count, r.PerSec, ms(r.P50), ms(r.P99), ms(r.Max), r.Errors)
	}
	tw.Flush()
	for _, r := range rs {
		if r.LastError != "" {
			fmt.Fprintf(w, "last error of %s: %s\n", r.Op, r.LastError)
		}
	}
	fmt.Fprintf(w, "measured for %s\n", elapsed.Round(time.Millisecond))
}

// totpCode is the RFC 6238 code of account i for a 30-second step.
func totpCode(i int, step int64) (string, error) {
	return hotp.GenerateCodeCustom(totpSecret(i), uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// logins hands out accounts for logging in: each account's code is
// accepted once per 30-second step, so an account is used at most once
// per step; when none is left the login is skipped.
type logins struct {
	mu       sync.Mutex
	from, to int // accounts [from, to)
	next     int
	used     map[int]int64
	skipped  atomic.Int64
}

func (l *logins) take(step int64) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range l.to - l.from {
		i := l.next
		l.next++
		if l.next == l.to {
			l.next = l.from
		}
		if l.used[i] < step {
			l.used[i] = step
			return i, true
		}
	}
	return 0, false
}

// login opens a session of account i and points c's record-scoped
// methods at the account's record.
func login(ctx context.Context, c *client.API, i int, step int64) (string, error) {
	code, err := totpCode(i, step)
	if err != nil {
		return "", err
	}
	out, err := c.Login(ctx, wire.LoginRequest{Email: email(i), LoginSecret: loginSecret(i), TOTP: code, DeviceID: deviceID, DeviceName: "bench"})
	if err != nil {
		return "", err
	}
	c.RecordID = out.Account.RecordID
	return out.Token, nil
}

// worker is one client: a session on a hot record (list, get, download,
// deny) and one on its own upload account, so that uploads do not grow
// the records that are listed.
type worker struct {
	n      int
	hot    int // index of the hot account
	read   *client.API
	write  *client.API
	anon   *client.API
	rnd    *rand.Rand
	shape  Shape
	page   int
	buf    []byte
	logins *logins
	lister *lister // the list walk's lean path over read's session
}

func (w *worker) list(ctx context.Context, st *stats, measure bool) error {
	total, err := w.lister.walk(ctx, w.page, st, measure)
	if err != nil {
		return err
	}
	if total != w.shape.HotDocs {
		return fmt.Errorf("listed %d items, want %d", total, w.shape.HotDocs)
	}
	return nil
}

func (w *worker) do(ctx context.Context, op string, st *stats, measure bool) error {
	switch op {
	case opList:
		return w.list(ctx, st, measure)
	case opGet:
		id := itemID(w.hot, w.rnd.IntN(w.shape.HotDocs))
		it, err := w.read.Item(ctx, string(id))
		if err != nil {
			return err
		}
		if it.ID != string(id) {
			return fmt.Errorf("got item %s, want %s", it.ID, id)
		}
		return nil
	case opDownload:
		id := itemID(w.hot, w.rnd.IntN(w.shape.BlobDocs))
		body, _, _, err := w.read.ItemContent(ctx, string(id), 0)
		if err != nil {
			return err
		}
		defer body.Close()
		n, err := io.Copy(io.Discard, body)
		if err == nil && n != blobSize {
			err = fmt.Errorf("download: %d bytes", n)
		}
		return err
	case opUpload:
		id := fmt.Sprintf("up%014d%016x", w.n, w.rnd.Uint64())
		_, _, err := w.write.CreateUpload(ctx, wire.UploadRequest{ID: id, Category: "findings", KeyVersion: 1, Size: blobSize,
			MetaSealed: w.buf[:metaSize], KeySlot: w.buf[metaSize : metaSize+slotSize]})
		if err != nil {
			return err
		}
		if _, err := w.write.PutChunk(ctx, id, 0, w.buf[:blobSize]); err != nil {
			return err
		}
		_, _, err = w.write.CompleteUpload(ctx, id)
		return err
	case opLogin:
		step := time.Now().Unix() / 30
		i, ok := w.logins.take(step)
		if !ok {
			w.logins.skipped.Add(1)
			return errSkipped
		}
		c := *w.anon
		tok, err := login(ctx, &c, i, step)
		if err != nil {
			return err
		}
		// Logging out keeps the sessions table at its size; not measured.
		defer func() {
			c.Token = tok
			c.Logout(context.WithoutCancel(ctx))
		}()
		return nil
	case opDeny:
		other := (w.hot + 1 + w.rnd.IntN(max(w.shape.Hot-1, 1))) % w.shape.Hot
		if other == w.hot { // one hot record only: ask for a cold one's
			other = w.shape.Hot
		}
		id := itemID(other, w.rnd.IntN(max(w.shape.docsOf(other), 1)))
		_, err := w.read.Item(ctx, string(id))
		if akte.Is(err, akte.KindNotFound) {
			return nil
		}
		if err == nil {
			return fmt.Errorf("another record's item %s was served", id)
		}
		return err
	}
	return fmt.Errorf("unknown op %q", op)
}

var errSkipped = errors.New("skipped")

// runLoad logs every client in, then drives the mix until the duration
// or the request count is reached. Operations in the warm-up are done but
// not counted.
func runLoad(ctx context.Context, l Load, log io.Writer) ([]Result, time.Duration, error) {
	s := l.Shape
	if s.Records < s.Hot+l.Clients+1 {
		return nil, 0, fmt.Errorf("need -records >= -hot + -clients + 1 (upload accounts follow the hot ones)")
	}
	transport := &http.Transport{MaxIdleConns: 4 * l.Clients, MaxIdleConnsPerHost: 4 * l.Clients, IdleConnTimeout: time.Minute}
	newClient := func() *client.API {
		c := client.NewAPI(l.Base)
		c.HTTP = &http.Client{Transport: transport, Timeout: time.Minute}
		return c
	}
	// Sessions for the workers: two accounts each, logged in at the start
	// with the code of the next step (accepted for clock skew), which no
	// earlier run's mix logins can have used: a reused code would count
	// as a failure and soon throttle the loopback address.
	step := time.Now().Unix()/30 + 1
	workers := make([]*worker, l.Clients)
	hotSessions := map[int]*client.API{}
	for n := range workers {
		w := &worker{n: n, hot: n % s.Hot, read: newClient(), write: newClient(), anon: newClient(),
			rnd: rand.New(rand.NewPCG(uint64(n), 42)), shape: s, page: l.Page, buf: randBytes(blobSize)}
		if h, ok := hotSessions[w.hot]; ok {
			w.read.Token, w.read.RecordID = h.Token, h.RecordID
		} else {
			tok, err := login(ctx, w.read, w.hot, step)
			if err != nil {
				return nil, 0, fmt.Errorf("log in to hot account %d: %w", w.hot, err)
			}
			w.read.Token, hotSessions[w.hot] = tok, w.read
		}
		tok, err := login(ctx, w.write, s.Hot+n, step)
		if err != nil {
			return nil, 0, fmt.Errorf("log in to upload account %d: %w", s.Hot+n, err)
		}
		w.write.Token = tok
		w.lister = newLister(w.read, transport)
		workers[n] = w
	}
	lg := &logins{from: s.Hot + l.Clients, to: s.Records, used: map[int]int64{}}
	lg.next = lg.from
	for _, w := range workers {
		w.logins = lg
	}
	// Weighted choice of the next operation.
	var ops []string
	for _, op := range mixOps {
		for range l.Mix[op] {
			ops = append(ops, op)
		}
	}
	st := newStats()
	var count atomic.Int64
	start := time.Now()
	measureFrom := start.Add(l.Warmup)
	end := measureFrom.Add(l.Duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(time.Minute))
	defer cancel()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			var interval time.Duration
			next := start.Add(time.Duration(w.n) * time.Millisecond)
			if l.Rate > 0 {
				interval = time.Duration(float64(l.Clients) / l.Rate * float64(time.Second))
				next = start.Add(time.Duration(w.rnd.Int64N(int64(interval))))
			}
			for {
				if interval > 0 {
					// Latency counts from the operation's start, not
					// its schedule: a slow answer delays the next start.
					time.Sleep(time.Until(next))
					next = next.Add(interval)
				}
				now := time.Now()
				if now.After(end) || ctx.Err() != nil {
					return
				}
				measure := now.After(measureFrom)
				if measure && l.Requests > 0 && count.Add(1) > l.Requests {
					return
				}
				op := ops[w.rnd.IntN(len(ops))]
				t := time.Now()
				err := w.do(ctx, op, st, measure)
				if errors.Is(err, errSkipped) {
					continue
				}
				if measure {
					st.add(op, time.Since(t), err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	if elapsed > l.Duration {
		elapsed = l.Duration
	}
	if n := lg.skipped.Load(); n > 0 {
		fmt.Fprintf(log, "logins skipped (every account's code of the step used): %d\n", n)
	}
	return st.results(elapsed), elapsed, nil
}
