package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/api"
	"github.com/akte/akte/blob/disk"
	"github.com/akte/akte/blob/s3"
	"github.com/akte/akte/donation"
	"github.com/akte/akte/donation/sink"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/mail"
	"github.com/akte/akte/service"
	"github.com/akte/akte/store/postgres"
	"github.com/akte/akte/store/sqlite"
	"github.com/akte/akte/web"
)

func serveCmd(e *cli.Env) *cobra.Command {
	cfg := DefaultConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: e.Tr("Server starten (ohne Einstellungen: SQLite und Dateien unter ./akte-data)", "Run the server (zero configuration: SQLite and files under ./akte-data)"),
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.load(cmd, e.Getenv); err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, e)
		},
	}
	cfg.bind(cmd, e)
	return cmd
}

func newLogger(e *cli.Env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.Fail(akte.KindInvalid, "config_log_level", map[string]any{"value": level})
	}
	return slog.New(slog.NewJSONHandler(e.Stderr, &slog.HandlerOptions{Level: l})), nil
}

// backends are the opened stores of a configuration.
type backends struct {
	store akte.Store
	blobs akte.BlobStore
}

func (b *backends) Close() error { return b.store.Close() }

// ready reports whether both stores answer: the database to a ping, the
// blob store to a lookup of a key that is never written (not found is an
// answer).
func (b *backends) ready(ctx context.Context) error {
	if err := b.store.Ping(ctx); err != nil {
		return err
	}
	if _, err := b.blobs.Size(ctx, "readyz"); err != nil && !akte.Is(err, akte.KindNotFound) {
		return err
	}
	return nil
}

// openBackends opens the metadata and blob stores a configuration names:
// SQLite and a directory under --data by default, PostgreSQL and an
// S3-compatible bucket for replicas that share their state. getenv gives
// the S3 credentials (see s3Credentials). No error names a URL: one may
// carry a password.
func openBackends(ctx context.Context, cfg Config, getenv func(string) string) (*backends, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	bs, err := openBlobs(ctx, cfg, getenv)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &backends{store: st, blobs: bs}, nil
}

func openStore(ctx context.Context, cfg Config) (akte.Store, error) {
	dbURL := cfg.DB
	if dbURL == "" {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		dbURL = "sqlite://" + filepath.Join(cfg.Data, "akte.db")
	}
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		path := strings.TrimPrefix(dbURL, "sqlite://")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return s, nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		s, err := postgres.Open(ctx, dbURL)
		if akte.Is(err, akte.KindInvalid) {
			return nil, invalidURL("--db", "postgres://USER@HOST:PORT/DB?sslmode=verify-full", err)
		}
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redactURL(dbURL), err)
		}
		return s, nil
	default:
		return nil, cli.Fail(akte.KindInvalid, "config_db_url", nil)
	}
}

func openBlobs(ctx context.Context, cfg Config, getenv func(string) string) (akte.BlobStore, error) {
	blobURL := cfg.Blobs
	if blobURL == "" {
		blobURL = "file://" + filepath.Join(cfg.Data, "blobs")
	}
	u, err := url.Parse(blobURL)
	switch {
	case err == nil && u.Scheme == "file":
		d, err := disk.Open(strings.TrimPrefix(blobURL, "file://"))
		if err != nil {
			return nil, fmt.Errorf("open blob store: %w", err)
		}
		return d, nil
	case err == nil && u.Scheme == "s3":
		access, secret, err := s3Credentials(getenv)
		if err != nil {
			return nil, err
		}
		s, err := s3.Open(ctx, blobURL, access, secret)
		if akte.Is(err, akte.KindInvalid) {
			return nil, invalidURL("--blobs", "s3://BUCKET?endpoint=https://HOST:PORT", err)
		}
		if err != nil {
			return nil, fmt.Errorf("open blob store %s: %w", redactURL(blobURL), err)
		}
		return s, nil
	default:
		return nil, cli.Fail(akte.KindInvalid, "config_blobs_url", nil)
	}
}

// s3Credentials reads the S3 access key and secret key from the standard
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables or from the files
// that AKTE_S3_ACCESS_KEY_FILE and AKTE_S3_SECRET_KEY_FILE name; never from
// the URL, which ends up in logs and process lists.
func s3Credentials(getenv func(string) string) (access, secret string, err error) {
	read := func(env, fileEnv string) (string, error) {
		if v := getenv(env); v != "" {
			return v, nil
		}
		if f := getenv(fileEnv); f != "" {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", fmt.Errorf("read %s: %w", fileEnv, err)
			}
			return strings.TrimSpace(string(b)), nil
		}
		return "", nil
	}
	if access, err = read("AWS_ACCESS_KEY_ID", "AKTE_S3_ACCESS_KEY_FILE"); err != nil {
		return "", "", err
	}
	if secret, err = read("AWS_SECRET_ACCESS_KEY", "AKTE_S3_SECRET_KEY_FILE"); err != nil {
		return "", "", err
	}
	if access == "" || secret == "" {
		return "", "", cli.Fail(akte.KindInvalid, "config_s3_credentials", nil)
	}
	return access, secret, nil
}

// invalidURL says what is wrong with a store URL. The adapters' errors of
// KindInvalid name no part of the URL (which may hold a password), so their
// detail can be shown; the URL itself is not.
func invalidURL(flag, form string, err error) error {
	problem, _ := akte.ReasonOf(err)
	cause := "?"
	var ae *akte.Error
	if errors.As(err, &ae) && ae.Err != nil {
		cause = ae.Err.Error()
	}
	return &akte.Error{Op: "config", Kind: akte.KindInvalid, Reason: "config_store_url",
		Params: map[string]any{"flag": flag, "problem": problem, "cause": cause, "form": form}}
}

// redactURL returns the scheme, host and path of a URL for logs and
// messages: without user information (a password) and without the query
// (which may hold one too). A string that does not parse is not shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "(unparsable URL)"
	}
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	if u.User != nil {
		r.User = url.User(u.User.Username())
	}
	return r.String()
}

func dbForLog(cfg Config) string {
	if cfg.DB == "" {
		return "sqlite://" + filepath.Join(cfg.Data, "akte.db")
	}
	return redactURL(cfg.DB)
}

func blobsForLog(cfg Config) string {
	if cfg.Blobs == "" {
		return "file://" + filepath.Join(cfg.Data, "blobs")
	}
	u, err := url.Parse(cfg.Blobs)
	if err != nil {
		return "(unparsable URL)"
	}
	// The endpoint is no secret and says where the blobs are.
	if u.Scheme == "s3" {
		return "s3://" + u.Host + "?endpoint=" + redactURL(u.Query().Get("endpoint"))
	}
	return redactURL(cfg.Blobs)
}

// serviceConfig turns the server configuration into the service's.
func serviceConfig(cfg Config) service.Config {
	sc := service.DefaultConfig()
	sc.BaseURL = cfg.BaseURL
	sc.SessionIdle, sc.SessionMax = cfg.SessionIdle, cfg.SessionMax
	sc.Quota, sc.ChunkSize, sc.UploadExpiry = cfg.Quota, cfg.ChunkSize, cfg.UploadExpiry
	sc.TerminationGrace, sc.WithdrawalGrace = cfg.TerminationGrace, cfg.WithdrawalGrace
	sc.FailureFree, sc.FailureDelay, sc.MaxDelay, sc.FailureWindow = cfg.LoginFree, cfg.LoginDelay, cfg.LoginMaxDelay, cfg.LoginWindow
	sc.CodeAttempts = cfg.CodeAttempts
	sc.RegisterPerAddr, sc.RegisterPerServer, sc.MailsPerRecipient = cfg.RegisterPerAddr, cfg.RegisterPerServer, cfg.MailsPerRecipient
	sc.PreloginPerAddr, sc.AnonPerAddr, sc.ProviderLookupsPerAccount = cfg.PreloginPerAddr, cfg.AnonPerAddr, cfg.ProviderLookups
	sc.Retention.Security, sc.Retention.Operator = cfg.AuditSecurity, cfg.AuditOperator
	sc.Alarms.FailedLogins, sc.Alarms.Denied, sc.Alarms.Downloads = cfg.AlarmLogins, cfg.AlarmDenied, cfg.AlarmDownload
	sc.DonationRecipient, sc.DonationsPerHour = cfg.DonationRecipient, cfg.DonationsPerHour
	return sc
}

// auditKeyPEM reads the file of --audit-key; nil without one.
func auditKeyPEM(cfg Config) ([]byte, error) {
	if cfg.AuditKey == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.AuditKey)
	if err != nil {
		return nil, fmt.Errorf("read --audit-key: %w", err)
	}
	return b, nil
}

// newMailer is the configured mail path: SMTP, or without it the outbox
// directory (returned too, for the development mailbox). akte serve and
// the operator's commands that mail (akte admin provider verify|reject)
// send the same way.
func newMailer(cfg Config, log *slog.Logger) (service.Mailer, *mail.Outbox, error) {
	if cfg.SMTP != "" {
		sm, err := mail.NewSMTP(cfg.SMTP, cfg.MailFrom)
		return sm, nil, err
	}
	dir := cfg.MailOutbox
	if dir == "" {
		dir = filepath.Join(cfg.Data, "outbox")
	}
	ob, err := mail.NewOutbox(dir, log)
	if err != nil {
		return nil, nil, fmt.Errorf("open mail outbox: %w", err)
	}
	return ob, ob, nil
}

func serve(ctx context.Context, cfg Config, e *cli.Env) error {
	log, err := newLogger(e, cfg.LogLevel)
	if err != nil {
		return err
	}
	b, err := openBackends(ctx, cfg, e.Getenv)
	if err != nil {
		return err
	}
	defer b.Close()
	log.Info("backends", "db", dbForLog(cfg), "blobs", blobsForLog(cfg))
	warnOpenDir(log, cfg.Data)

	mailer, outbox, err := newMailer(cfg, log)
	if err != nil {
		return err
	}
	dev := outbox != nil

	secret, err := b.store.Secret(ctx, "prelogin", randomKey())
	if err != nil {
		return fmt.Errorf("load server secret: %w", err)
	}

	trusted, _ := api.ParsePrefixes(cfg.TrustedProxies) // checked by load
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	ln = api.LimitConns(ln, cfg.MaxConnsPerAddr, trusted)
	tlsOn := cfg.TLSCert != ""
	if cfg.BaseURL == "" {
		scheme := "http"
		if tlsOn {
			scheme = "https"
		}
		cfg.BaseURL = scheme + "://" + ln.Addr().String()
	}
	keyPEM, err := auditKeyPEM(cfg)
	if err != nil {
		return err
	}
	now := testClock(e.Getenv("AKTE_TEST_CLOCK_FILE"), isLoopback(ln.Addr()))
	if now != nil {
		log.Warn("test clock: the server's time is shifted by the duration in AKTE_TEST_CLOCK_FILE")
	}
	sc := serviceConfig(cfg)
	if sc.ConsentTexts, err = service.LoadConsentTexts(cfg.ConsentTexts); err != nil {
		return err
	}
	push, err := pushSender(ctx, cfg, b.store, now)
	if err != nil {
		return err
	}
	if push.Allow != nil {
		log.Warn("push endpoints allowed inside the network (tests only)", "endpoints", cfg.PushAllowEndpoints)
	}
	sink, err := donationSink(cfg, log)
	if err != nil {
		return err
	}
	svc := service.New(service.Options{Store: b.store, Blobs: b.blobs, Mailer: mailer, Log: log, Config: sc, Secret: secret, Background: true,
		AuditKeyPEM: keyPEM, Now: now, Push: push, DonationSink: sink})
	if _, err := svc.AuditKey(ctx); err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	opts := api.Options{
		Service: svc, Log: log, TLS: tlsOn, SecureCookies: tlsOn || strings.HasPrefix(cfg.BaseURL, "https://"),
		Ready: b.ready,
		Extra: func(mux *http.ServeMux) {
			mux.Handle("/", web.Handler(web.Site{Imprint: cfg.ImprintURL, Privacy: cfg.PrivacyURL, Portal: cfg.Portal}))
		},
		BaseURL: cfg.BaseURL, TrustedProxies: trusted,
		MinBodyRate: api.MinRate{PerSecond: cfg.MinBodyRate, Window: cfg.BodyRateWindow},
	}
	// The development mailbox shows every account's codes and links: only
	// without SMTP and only to this machine.
	if outbox != nil && isLoopback(ln.Addr()) {
		opts.Mailbox = outbox
	}
	h := api.New(opts)
	// No ReadTimeout or WriteTimeout: a chunk upload or a download over a
	// slow link may take long. Request bodies have a minimum rate instead
	// (api.MinRate), and every address a bound on its connections.
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: cfg.HeaderTimeout, IdleTimeout: cfg.IdleTimeout,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	metrics, err := serveMetrics(cfg, h, srv.ErrorLog)
	if err != nil {
		ln.Close()
		return err
	}
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			metrics.close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = tlsConfig(cert)
		ln = tls.NewListener(ln, srv.TLSConfig)
	}

	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		svc.RunJobLoop(jobsCtx, "replica-"+hex.EncodeToString(randomKey()[:8]), cfg.JobInterval)
	}()
	// Mails go out after the answers (service.Options.Background); what
	// is queued at shutdown is still sent, for at most 10 s.
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	bgDone := make(chan struct{})
	go func() {
		defer close(bgDone)
		svc.RunBackground(bgCtx, 10*time.Second)
	}()
	defer func() {
		stopBackground()
		<-bgDone
	}()

	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "tls", tlsOn, "mail", map[bool]string{true: "outbox", false: "smtp"}[dev],
		"metrics_addr", metrics.addr, "trusted_proxies", cfg.TrustedProxies)
	if !web.Built() {
		log.Warn("web app not built: the browser gets a note instead (make web, or make run)")
	} else if opts.Mailbox != nil {
		log.Info("development mailbox: mails are shown in the web app", "url", strings.TrimRight(cfg.BaseURL, "/")+"/postfach")
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		metrics.close()
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	metrics.close()
	stopJobs()
	<-jobsDone
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// metricsServer serves GET /metrics on its own listener (--metrics-addr):
// the counts by route and status are for the operator's monitoring, not
// for the public.
type metricsServer struct {
	addr string // empty: none
	srv  *http.Server
}

func serveMetrics(cfg Config, h *api.API, errLog *stdlog.Logger) (*metricsServer, error) {
	if cfg.MetricsAddr == "" {
		return &metricsServer{}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on --metrics-addr %s: %w (choose another address, or off)", cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.Metrics())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: cfg.HeaderTimeout, IdleTimeout: cfg.IdleTimeout, ErrorLog: errLog}
	go srv.Serve(ln)
	return &metricsServer{addr: ln.Addr().String(), srv: srv}, nil
}

func (m *metricsServer) close() {
	if m.srv != nil {
		m.srv.Close()
	}
}

// warnOpenDir warns when the data directory is open to other users of the
// machine. Akte creates its own files 0600 and directories 0700, but a
// directory the operator made readable lets others list them, and tools
// that copy files in keep their own modes.
func warnOpenDir(log *slog.Logger, dir string) {
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn("data directory is accessible to other users; make it private with chmod 700", "dir", dir, "mode", fmt.Sprintf("%#o", fi.Mode().Perm()))
}

// tlsConfig allows TLS 1.2 with ECDHE and AES-GCM only, and TLS 1.3 (whose
// suites Go does not let us choose; it prefers AES-GCM on hardware with AES).
func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		},
	}
}

// testClock is the server's clock for the end-to-end tests of deadlines
// counted in days (an emergency representative's waiting period): the
// system's time shifted by the duration written in the file path names
// (e.g. "72h"; unreadable or empty: no shift), read at every call so a
// test moves the running server's time. Only on a loopback address, like
// the development mailbox; nil (the system's clock) otherwise.
func testClock(path string, loopback bool) func() time.Time {
	if path == "" || !loopback {
		return nil
	}
	return func() time.Time {
		b, _ := os.ReadFile(path)
		d, err := time.ParseDuration(strings.TrimSpace(string(b)))
		if err != nil {
			d = 0
		}
		return time.Now().Add(d)
	}
}

// isLoopback reports whether the server listens on a loopback address only.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func randomKey() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// donationSink is the research donation's sink (decision 0048), nil when
// none is configured; a sink without a recipient, or a recipient that is
// no age X25519 key, refuses to start.
func donationSink(cfg Config, log *slog.Logger) (service.DonationSink, error) {
	if cfg.DonationSink == "" && cfg.DonationRecipient == "" {
		return nil, nil
	}
	if cfg.DonationSink == "" || cfg.DonationRecipient == "" {
		return nil, fmt.Errorf("--donation-sink and --donation-recipient go together")
	}
	if _, err := donation.ParseRecipient(cfg.DonationRecipient); err != nil {
		return nil, fmt.Errorf("--donation-recipient is no age X25519 recipient (age1...)")
	}
	var client *http.Client
	if cfg.DonationSinkCA != "" {
		pem, err := os.ReadFile(cfg.DonationSinkCA)
		if err != nil {
			return nil, fmt.Errorf("read --donation-sink-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--donation-sink-ca holds no certificate")
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	return sink.New(cfg.DonationSink, client, log)
}
