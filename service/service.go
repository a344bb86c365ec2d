// Package service holds the use cases of Akte: accounts, authentication,
// sessions, devices and the operator's actions. Rules and decisions live
// here, once, above the storage interfaces.
package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/akte/akte"
	"github.com/akte/akte/audit"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/webpush"
)

// Mailer sends a plain-text message (SMTP or the development outbox).
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Config holds the service's deadlines and limits. DefaultConfig gives the
// documented values (design §6).
type Config struct {
	BaseURL        string        // public URL used in mailed links
	EmailCodeTTL   time.Duration // e-mail confirmation code
	UnconfirmedTTL time.Duration // accounts never confirmed are deleted after this
	// WithdrawalGrace is how long after the withdrawal of the processing
	// consent the account is deleted (0: at once); giving the consent
	// again before undoes it (decision 0044).
	WithdrawalGrace time.Duration
	// ConsentTexts are the consent texts (LoadConsentTexts); nil: the
	// shipped ones.
	ConsentTexts  *ConsentTexts
	ActivationTTL time.Duration // account shells an insurer opened are deleted unused after this
	// TerminationGrace is how long after its notice an account's data is
	// deleted (and until when the notice can be taken back).
	TerminationGrace time.Duration
	DeviceLinkTTL    time.Duration // new-device confirmation link
	ResetTTL         time.Duration // password reset code and recovery token
	SessionIdle      time.Duration
	SessionMax       time.Duration
	AddrRetention    time.Duration // client addresses in events
	FailureFree      int           // attempts at an account's secrets before the back-off starts
	FailureDelay     time.Duration // first wait of the back-off, doubled per further attempt
	FailureWindow    time.Duration // attempts older than this are forgotten
	MaxDelay         time.Duration // ceiling of the back-off
	CodeAttempts     int           // guesses at the mailed codes of one purpose before it locks
	// Hourly limits of the unauthenticated paths; 0: no limit. They are
	// counted in the database, so they hold across replicas.
	RegisterPerAddr   int // registrations from one client address
	RegisterPerServer int // registrations on the whole server
	MailsPerRecipient int // mails to one address (codes, links, notices)
	PreloginPerAddr   int // prelogin requests from one client address
	AnonPerAddr       int // confirm, resend, reset, recovery and device-link requests from one client address, each kind counted apart
	// ProviderLookupsPerAccount bounds an account's searches and reads of
	// providers per hour (0: no limit): the directory is for finding
	// one's doctors, not for harvesting it.
	ProviderLookupsPerAccount int
	HashConcurrency           int           // parallel server-side password hashes
	HashWait                  time.Duration // how long a login waits for a hashing slot
	HashMemoryKiB             uint32        // server-side Argon2id parameters
	HashTime                  uint32
	ClientKDFMemory           uint32 // default client Argon2id parameters (prelogin of unknown e-mails)
	ClientKDFTime             uint32
	ClientKDFThreads          uint8
	TOTPIssuer                string
	Quota                     int64         // default quota per record, ciphertext bytes
	ChunkSize                 int64         // bytes per upload chunk
	UploadExpiry              time.Duration // uploads idle this long are deleted
	// Retention of the audit protocol (Addr is taken from AddrRetention).
	Retention audit.Policy
	// Alarms are the thresholds of the audit alarms; a zero Lookback
	// turns detection off.
	Alarms audit.AlarmConfig
	// DonationRecipient is the research sink's age X25519 recipient
	// (decision 0048); with it and Options.DonationSink the donation is
	// offered. DonationsPerHour bounds an account's donations (0: 10).
	DonationRecipient string
	DonationsPerHour  int
	// Unaudited records no events: only the benchmark's baseline (the same
	// endpoint with auditing switched off) sets it. No flag sets it.
	Unaudited bool
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		BaseURL:                   "http://127.0.0.1:8080",
		EmailCodeTTL:              30 * time.Minute,
		UnconfirmedTTL:            28 * 24 * time.Hour,
		ActivationTTL:             28 * 24 * time.Hour,
		TerminationGrace:          28 * 24 * time.Hour,
		WithdrawalGrace:           7 * 24 * time.Hour,
		DeviceLinkTTL:             24 * time.Hour,
		ResetTTL:                  30 * time.Minute,
		SessionIdle:               15 * time.Minute,
		SessionMax:                12 * time.Hour,
		AddrRetention:             14 * 24 * time.Hour,
		FailureFree:               5,
		FailureDelay:              2 * time.Second,
		FailureWindow:             24 * time.Hour,
		MaxDelay:                  15 * time.Minute,
		CodeAttempts:              5,
		RegisterPerAddr:           10,
		RegisterPerServer:         1000,
		MailsPerRecipient:         5,
		PreloginPerAddr:           300,
		AnonPerAddr:               60,
		ProviderLookupsPerAccount: 120,
		HashConcurrency:           4,
		HashWait:                  2 * time.Second,
		HashMemoryKiB:             19 * 1024,
		HashTime:                  2,
		ClientKDFMemory:           64 * 1024,
		ClientKDFTime:             3,
		ClientKDFThreads:          4,
		TOTPIssuer:                "Akte",
		Quota:                     1 << 30,
		ChunkSize:                 8 << 20,
		UploadExpiry:              24 * time.Hour,
		Retention:                 audit.DefaultPolicy(),
		Alarms:                    audit.DefaultAlarmConfig(),
	}
}

// Service implements the use cases over a Store, a BlobStore and a Mailer.
type Service struct {
	store  akte.Store
	blobs  akte.BlobStore
	mailer Mailer
	log    *slog.Logger
	cfg    Config
	now    func() time.Time
	hashes chan struct{} // semaphore bounding server-side Argon2id
	secret []byte        // server secret for fake KDF salts
	// work queues what runs after the answer (mails), if a worker runs
	// (Options.Background).
	work chan func(context.Context)

	appender appender // group commits of audit events
	keyPEM   []byte   // Options.AuditKeyPEM
	keyMu    sync.Mutex
	akey     *audit.Key // the audit key, once loaded
	alarms   *prometheus.CounterVec
	// wa is the WebAuthn relying party of the base URL; nil if the base
	// URL cannot hold passkeys (an IP address other than loopback).
	wa *webauthn.WebAuthn
	// push sends the reminders as Web Push (decision 0051); nil: none.
	push *webpush.Sender
	// donation relays encrypted research extracts (nil: not offered).
	donation DonationSink
}

// Options are the dependencies of a Service.
type Options struct {
	Store  akte.Store
	Blobs  akte.BlobStore
	Mailer Mailer
	Log    *slog.Logger
	Config Config
	Now    func() time.Time // defaults to time.Now
	// Secret is a server-wide random secret (32 bytes) that keeps fake
	// answers for unknown e-mail addresses indistinguishable.
	Secret []byte
	// Background sends mails (and issues the codes they carry) after the
	// request is answered, so that the answer's time does not tell whether
	// a mail went out, that is whether an address is registered. The
	// caller must then run RunBackground. Without it they are sent before
	// the answer.
	Background bool
	// Push sends intake reminders as Web Push with the server's VAPID
	// key (decision 0051); nil: the server offers no push.
	Push *webpush.Sender
	// AuditKeyPEM is the PKCS #8 PEM of the key that signs the audit
	// checkpoints (--audit-key); nil: the key kept in the database.
	AuditKeyPEM []byte
	// DonationSink relays the research donation's ciphertext (decision
	// 0048); nil: no donation is offered.
	DonationSink DonationSink
}

// New returns a Service.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	n := o.Config.HashConcurrency
	if n < 1 {
		n = 1
	}
	s := &Service{
		store: o.Store, blobs: o.Blobs, mailer: o.Mailer, log: o.Log, cfg: o.Config,
		now: o.Now, hashes: make(chan struct{}, n), secret: o.Secret,
		keyPEM: o.AuditKeyPEM, push: o.Push, donation: o.DonationSink,
		alarms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "akte_alarms_total", Help: "Audit alarms raised, by kind."}, []string{"kind"}),
	}
	s.cfg.Retention.Addr = s.cfg.AddrRetention
	if wa, err := newRelyingParty(s.cfg.BaseURL, s.cfg.TOTPIssuer); err == nil {
		s.wa = wa
	} else {
		s.log.Warn("passkeys off", "err", err)
	}
	if o.Background {
		s.work = make(chan func(context.Context), backgroundQueue)
	}
	return s
}

// backgroundQueue bounds the work waiting for RunBackground; past it, work
// runs before the answer. The hourly mail limits keep it short.
const backgroundQueue = 1024

// later runs f after the answer if a worker runs, else now. f gets a
// context that outlives the request.
func (s *Service) later(ctx context.Context, f func(ctx context.Context)) {
	if s.work != nil {
		select {
		case s.work <- f:
			return
		default:
		}
	}
	f(context.WithoutCancel(ctx))
}

// RunBackground runs the work queued by requests (Options.Background)
// until ctx ends, then what is still queued, for at most drain.
func (s *Service) RunBackground(ctx context.Context, drain time.Duration) {
	for ctx.Err() == nil {
		select {
		case f := <-s.work:
			f(context.WithoutCancel(ctx))
		case <-ctx.Done():
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	for {
		select {
		case f := <-s.work:
			f(dctx)
		default:
			return
		}
	}
}

// Client describes where a request comes from.
type Client struct {
	Addr      string // remote address without port
	UserAgent string
}

// Principal is an authenticated caller.
type Principal struct {
	Account *akte.Account
	Session *akte.Session
	// RecordID is the account's own record ("" if it has none).
	RecordID akte.RecordID
	// Party is set for a write-only party (an app, an insurer): then
	// Account carries only its id, and Session is empty.
	Party *akte.Party
}

func (s *Service) nowUTC() time.Time { return s.now().UTC() }

// randomToken returns a URL-safe random string with n bytes of entropy.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func hashBytes(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// internal wraps an unexpected error from a dependency: its details go to
// the log only. An outage or overload keeps its kind, so that clients know
// to retry.
// updateAccount writes a changed account. A copy read before another
// change of the account was written meanwhile is refused as
// account_changed: the client tries again on what is stored now, instead
// of undoing the other change (keys a rotation replaced, an authenticator
// or a password just changed).
func (s *Service) updateAccount(ctx context.Context, op string, a *akte.Account) error {
	err := s.store.UpdateAccount(ctx, a)
	if r, _ := akte.ReasonOf(err); r == "account_changed" {
		return akte.R(op, akte.KindConflict, r, nil, "")
	}
	if err != nil {
		return internal(op, err)
	}
	return nil
}

func internal(op string, err error) error {
	switch akte.KindOf(err) {
	case akte.KindRateLimited:
		return err
	case akte.KindUnavailable:
		return akte.E(op, akte.KindUnavailable, "", err)
	}
	return akte.E(op, akte.KindInternal, "", err)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
