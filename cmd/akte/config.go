package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte/api"
)

// Config is the server's configuration: one struct, one DefaultConfig,
// filled from flags and AKTE_* environment variables (secrets also from
// AKTE_*_FILE). A flag wins over the environment.
type Config struct {
	Addr         string
	Data         string
	DB           string // database URL; default sqlite file under Data
	Blobs        string // blob store URL; default directory under Data
	SMTP         string // smtp://user:pass@host:port; empty: development outbox
	MailFrom     string
	MailOutbox   string
	BaseURL      string
	TLSCert      string
	TLSKey       string
	LogLevel     string
	SessionIdle  time.Duration
	SessionMax   time.Duration
	JobInterval  time.Duration
	Quota        int64         // default quota per record
	ChunkSize    int64         // upload chunk size
	UploadExpiry time.Duration // idle uploads are deleted after this

	// The HTTP edge (docs/security.md).
	TrustedProxies  string // CIDR,...: peers whose X-Forwarded-For/Forwarded count
	MetricsAddr     string // listen address of /metrics; empty or "off": none
	HeaderTimeout   time.Duration
	IdleTimeout     time.Duration
	MinBodyRate     int64         // bytes per second a request body must keep up
	BodyRateWindow  time.Duration // over which MinBodyRate is averaged
	MaxConnsPerAddr int           // open connections per client address; 0: no limit
}

// DefaultConfig is the zero-configuration server: loopback, ./akte-data.
func DefaultConfig() Config {
	return Config{
		Addr: "127.0.0.1:8080", Data: "./akte-data", MailFrom: "Akte <akte@localhost>", LogLevel: "info",
		SessionIdle: 15 * time.Minute, SessionMax: 12 * time.Hour, JobInterval: 10 * time.Minute,
		Quota: 1 << 30, ChunkSize: 8 << 20, UploadExpiry: 24 * time.Hour,
		MetricsAddr: "127.0.0.1:9464", HeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MinBodyRate: 1 << 10, BodyRateWindow: 30 * time.Second, MaxConnsPerAddr: 128,
	}
}

// flagSpec binds one flag to its environment variable.
type flagSpec struct {
	name, env, usage string
	secret           bool // also read from AKTE_..._FILE
	str              *string
	dur              *time.Duration
	size             *int64
	num              *int // a count, 0 allowed
}

func (c *Config) specs() []flagSpec {
	return []flagSpec{
		{name: "addr", env: "AKTE_ADDR", usage: "listen address", str: &c.Addr},
		{name: "data", env: "AKTE_DATA", usage: "data directory (SQLite database, blobs, outbox)", str: &c.Data},
		{name: "db", env: "AKTE_DB", usage: "database URL (sqlite:///path/akte.db or postgres://...); default: SQLite under --data", secret: true, str: &c.DB},
		{name: "blobs", env: "AKTE_BLOBS", usage: "blob store URL (file:///path or s3://BUCKET?endpoint=...); default: directory under --data", str: &c.Blobs},
		{name: "smtp", env: "AKTE_SMTP", usage: "SMTP server smtp://user:pass@host:port (prefer AKTE_SMTP_FILE); empty: mails go to the outbox", secret: true, str: &c.SMTP},
		{name: "mail-from", env: "AKTE_MAIL_FROM", usage: "sender address of mails", str: &c.MailFrom},
		{name: "mail-outbox", env: "AKTE_MAIL_OUTBOX", usage: "directory for .eml files when no SMTP is configured; default: outbox under --data", str: &c.MailOutbox},
		{name: "base-url", env: "AKTE_BASE_URL", usage: "public URL used in mailed links; default: http://ADDR", str: &c.BaseURL},
		{name: "tls-cert", env: "AKTE_TLS_CERT", usage: "TLS certificate file (PEM)", str: &c.TLSCert},
		{name: "tls-key", env: "AKTE_TLS_KEY", usage: "TLS private key file (PEM)", str: &c.TLSKey},
		{name: "log-level", env: "AKTE_LOG_LEVEL", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "session-idle", env: "AKTE_SESSION_IDLE", usage: "session idle timeout", dur: &c.SessionIdle},
		{name: "session-max", env: "AKTE_SESSION_MAX", usage: "absolute session lifetime", dur: &c.SessionMax},
		{name: "job-interval", env: "AKTE_JOB_INTERVAL", usage: "interval of the maintenance jobs", dur: &c.JobInterval},
		{name: "quota", env: "AKTE_QUOTA", usage: "default quota per record, e.g. 1GiB (change one record: akte admin quota)", size: &c.Quota},
		{name: "chunk-size", env: "AKTE_CHUNK_SIZE", usage: "size of upload chunks, e.g. 8MiB", size: &c.ChunkSize},
		{name: "upload-expiry", env: "AKTE_UPLOAD_EXPIRY", usage: "unfinished uploads idle this long are deleted", dur: &c.UploadExpiry},
		{name: "trusted-proxies", env: "AKTE_TRUSTED_PROXIES", usage: "CIDR ranges of reverse proxies whose X-Forwarded-For/Forwarded headers name the client, e.g. 10.0.0.0/8,192.168.1.5", str: &c.TrustedProxies},
		{name: "metrics-addr", env: "AKTE_METRICS_ADDR", usage: "listen address of GET /metrics (Prometheus); empty or off: no metrics", str: &c.MetricsAddr},
		{name: "header-timeout", env: "AKTE_HEADER_TIMEOUT", usage: "time a client has to send a request's headers", dur: &c.HeaderTimeout},
		{name: "idle-timeout", env: "AKTE_IDLE_TIMEOUT", usage: "an idle keep-alive connection is closed after this", dur: &c.IdleTimeout},
		{name: "min-body-rate", env: "AKTE_MIN_BODY_RATE", usage: "slowest a request body may arrive, bytes per second averaged over --body-rate-window, e.g. 1KiB", size: &c.MinBodyRate},
		{name: "body-rate-window", env: "AKTE_BODY_RATE_WINDOW", usage: "window over which --min-body-rate is averaged", dur: &c.BodyRateWindow},
		{name: "max-conns-per-addr", env: "AKTE_MAX_CONNS_PER_ADDR", usage: "open connections per client address (trusted proxies exempt); 0: no limit", num: &c.MaxConnsPerAddr},
	}
}

// bind registers the flags on cmd; load must run before the config is used.
func (c *Config) bind(cmd *cobra.Command) {
	for _, s := range c.specs() {
		usage := s.usage + " (env " + s.env
		if s.secret {
			usage += ", or " + s.env + "_FILE"
		}
		usage += ")"
		if s.str != nil {
			cmd.Flags().StringVar(s.str, s.name, *s.str, usage)
		} else if s.num != nil {
			cmd.Flags().IntVar(s.num, s.name, *s.num, usage)
		} else if s.size != nil {
			cmd.Flags().String(s.name, fmt.Sprint(*s.size), usage)
		} else {
			cmd.Flags().DurationVar(s.dur, s.name, *s.dur, usage)
		}
	}
}

// load fills every flag not given on the command line from its environment
// variable or, for secrets, the file its _FILE variable names.
func (c *Config) load(cmd *cobra.Command, getenv func(string) string) error {
	for _, s := range c.specs() {
		if s.size != nil && cmd.Flags().Changed(s.name) {
			v, _ := cmd.Flags().GetString(s.name)
			n, err := parseSize(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("--%s: %q is not a size such as 1GiB or 8MiB", s.name, v)
			}
			*s.size = n
			continue
		}
		if cmd.Flags().Changed(s.name) {
			continue
		}
		v := getenv(s.env)
		if v == "" && s.secret {
			if f := getenv(s.env + "_FILE"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("read %s_FILE: %w", s.env, err)
				}
				v = strings.TrimSpace(string(b))
			}
		}
		if v == "" {
			continue
		}
		if s.str != nil {
			*s.str = v
			continue
		}
		if s.num != nil {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: %q is not a count such as 128 (0: no limit)", s.env, v)
			}
			*s.num = n
			continue
		}
		if s.size != nil {
			n, err := parseSize(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("%s: %q is not a size such as 1GiB or 8MiB", s.env, v)
			}
			*s.size = n
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s: %q is not a duration such as 15m or 12h", s.env, v)
		}
		*s.dur = d
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key must be given together")
	}
	if _, err := api.ParsePrefixes(c.TrustedProxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if c.MaxConnsPerAddr < 0 {
		return fmt.Errorf("--max-conns-per-addr: %d is negative (0: no limit)", c.MaxConnsPerAddr)
	}
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	}
	return nil
}
