package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/akte/akte"
)

// Every limited secret and every limited action goes through one
// mechanism: an attempt is taken from the key's counter first, in one
// atomic store operation (Store.TakeAttempts, a conditional increment), and
// only then is the secret checked or the action done. N parallel attempts
// therefore check at most what the limit allows, on every replica. All
// counters of one request are taken together (Store.TakeAttempts), all or
// none. A success gives its attempt back (release) or forgets the counter
// (clear).
// The rules are in docs/decisions/0015-attempt-limits.md.

// Limit says how many attempts a key allows and how fast: Free attempts
// may follow one another; after the Free-th each next one waits Delay,
// doubled after each further one, at most MaxDelay; at most Max attempts
// count in one Window (0: no bound but the delay). The count starts over
// Window after the first attempt it holds. The zero Limit allows
// everything.
type Limit struct {
	Free     int
	Delay    time.Duration
	MaxDelay time.Duration
	Max      int
	Window   time.Duration
}

// PerHour allows n attempts an hour (0: no limit).
func PerHour(n int) Limit { return Limit{Free: n, Max: n, Window: time.Hour} }

// take is the conditional increment Store.TakeAttempts runs for one key: it counts one
// attempt if the counter allows one now. It reads the clock under the
// store's lock, so that concurrent attempts see times in the order they
// are counted; only a delay moves Next.
func (l Limit) take(clock func() time.Time) func(akte.Attempts) (akte.Attempts, bool) {
	return func(a akte.Attempts) (akte.Attempts, bool) {
		now := clock()
		if a.Start.IsZero() || !now.Before(a.Start.Add(l.Window)) {
			a = akte.Attempts{Start: now}
		} else if (l.Max > 0 && a.N >= l.Max) || now.Before(a.Next) {
			return a, false
		}
		a.N++
		if d := l.delay(a.N); d > 0 {
			a.Next = now.Add(d)
		}
		return a, true
	}
}

// delay is the wait after the n-th attempt of a window.
func (l Limit) delay(n int) time.Duration {
	if n < l.Free || l.Delay <= 0 {
		return 0
	}
	if shift := n - l.Free; shift < 30 && l.Delay<<shift < l.MaxDelay {
		return l.Delay << shift
	}
	return l.MaxDelay
}

// retry is when a counter that refused an attempt takes the next one.
func (l Limit) retry(a akte.Attempts) time.Time {
	if l.Max > 0 && a.N >= l.Max {
		return a.Start.Add(l.Window)
	}
	return a.Next
}

// counter is one limited key: an account's logins, a client address, a
// recipient's mails, a purpose's codes.
type counter struct {
	key   string
	limit Limit
}

// take reserves one attempt on every counter, all or none in one atomic
// store operation, before what they guard is checked or done, and returns
// the first counter's count with this attempt. If one refuses, none is
// counted and the answer is KindRateLimited with RetryAfter (the longest
// wait of the refusing counters).
func (s *Service) take(ctx context.Context, op string, cs ...counter) (int, error) {
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.key
	}
	var retry time.Time
	as, ok, err := s.store.TakeAttempts(ctx, keys, func(as []akte.Attempts) ([]akte.Attempts, bool) {
		out := make([]akte.Attempts, len(as))
		taken := true
		retry = time.Time{}
		for i, a := range as {
			var ok bool
			if out[i], ok = cs[i].limit.take(s.nowUTC)(a); !ok {
				taken = false
				if r := cs[i].limit.retry(a); r.After(retry) {
					retry = r
				}
			}
		}
		return out, taken
	})
	if err != nil {
		return 0, internal(op, err)
	}
	if !ok {
		return 0, errTooMany(op, retry.Sub(s.nowUTC()))
	}
	return as[0].N, nil
}

// release gives one attempt back to each key: it succeeded and should not
// count.
func (s *Service) release(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	if err := s.store.ReleaseAttempts(context.WithoutCancel(ctx), keys...); err != nil {
		s.log.Error("release attempts", "err", err)
	}
}

// clear forgets the keys' counters.
func (s *Service) clear(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	if err := s.store.ClearAttempts(context.WithoutCancel(ctx), keys...); err != nil {
		s.log.Error("clear attempts", "err", err)
	}
}

// errTooMany is the answer past a limit; the API sets Retry-After from it.
func errTooMany(op string, wait time.Duration) error {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	return &akte.Error{Op: op, Kind: akte.KindRateLimited, Reason: "rate_limited_wait", Params: map[string]any{"seconds": secs},
		Err: RetryAfter(time.Duration(secs) * time.Second)}
}

// RetryAfter is attached to rate-limit errors so the API can set the
// Retry-After header.
type RetryAfter time.Duration

func (r RetryAfter) Error() string { return fmt.Sprintf("retry after %s", time.Duration(r)) }

// The counters. Keys name what they count; e-mail addresses appear only
// hashed, client addresses as they are (the job forgets counters after a
// day).

// loginLimit is the back-off for guessing an account's secrets (password,
// TOTP code, recovery key): FailureFree attempts, then 2, 4, 8 … s up to
// MaxDelay, counted for FailureWindow.
func (s *Service) loginLimit() Limit {
	return Limit{Free: s.cfg.FailureFree, Delay: s.cfg.FailureDelay, MaxDelay: s.cfg.MaxDelay, Window: s.cfg.FailureWindow}
}

// secretCounters count guesses at an account's secrets from a client that
// shows no device secret: on the account's counter (for an unknown
// address, one of its own, so both behave alike) and on the client
// address's.
func (s *Service) secretCounters(a *akte.Account, email, addr string) []counter {
	key := "login:email:" + emailHash(email)
	if a != nil {
		key = accountKey(a.ID)
	}
	return []counter{{key, s.loginLimit()}, {"login:addr:" + addr, s.loginLimit()}}
}

// accountKey counts the guesses of clients that show no device secret.
func accountKey(id akte.AccountID) string { return "login:account:" + string(id) }

// deviceKey counts the guesses of one confirmed device that showed its
// device secret: strangers' failures on the account do not delay it.
func deviceKey(id akte.AccountID, d akte.DeviceID) string {
	return "login:device:" + string(id) + ":" + string(d)
}

// codeCounter counts the guesses at the mailed code of one purpose for an
// address: CodeAttempts, then the purpose is locked until a new code is
// issued (which clears it). Known and unknown addresses alike.
func (s *Service) codeCounter(purpose akte.TokenPurpose, email string) counter {
	return counter{"code:" + string(purpose) + ":" + emailHash(email), Limit{Free: s.cfg.CodeAttempts, Max: s.cfg.CodeAttempts, Window: s.cfg.FailureWindow}}
}

// anonCounter counts one kind of unauthenticated request from a client
// address (confirm, resend, reset, recovery, device links).
func (s *Service) anonCounter(op, addr string) counter {
	return counter{"anon:" + op + ":addr:" + addr, PerHour(s.cfg.AnonPerAddr)}
}

// mailCounter counts the mails to one recipient. Sub-addresses
// (name+tag@example.org) count as their mailbox, so that an attacker
// cannot spread mails to one victim over many addresses.
func (s *Service) mailCounter(email string) counter {
	local, domain, _ := strings.Cut(email, "@")
	local, _, _ = strings.Cut(local, "+")
	return counter{"mail:" + emailHash(local+"@"+domain), PerHour(s.cfg.MailsPerRecipient)}
}

func emailHash(email string) string {
	return fmt.Sprintf("%x", hashBytes("akte throttle", email)[:16])
}
