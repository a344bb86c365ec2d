package server

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/akte/akte"
	"github.com/akte/akte/api"
	"github.com/akte/akte/internal/cli"
	"github.com/akte/akte/service"
	"github.com/akte/akte/web"
)

// Config is the server's configuration: one struct, one DefaultConfig,
// filled from flags and AKTE_* environment variables (secrets also from
// AKTE_*_FILE). A flag wins over the environment.
type Config struct {
	Addr       string
	Data       string
	DB         string // database URL; default sqlite file under Data
	Blobs      string // blob store URL; default directory under Data
	SMTP       string // smtp://user:pass@host:port; empty: development outbox
	MailFrom   string
	MailOutbox string
	BaseURL    string
	ImprintURL string // the operator's imprint, linked on every page of the web app
	PrivacyURL string // the operator's privacy notice, linked on every page
	// PortalLinks is a JSON file that replaces the shipped links to the
	// national health portal (web/src/portal.json); "off": none.
	PortalLinks  string
	Portal       web.Portal // read from PortalLinks by load
	TLSCert      string
	TLSKey       string
	LogLevel     string
	SessionIdle  time.Duration
	SessionMax   time.Duration
	JobInterval  time.Duration
	Quota        int64         // default quota per record
	ChunkSize    int64         // upload chunk size
	UploadExpiry time.Duration // idle uploads are deleted after this
	// WithdrawalGrace: the account is deleted this long after the
	// withdrawal of the processing consent (0: at once; decision 0044).
	WithdrawalGrace time.Duration
	// ConsentTexts is a directory of the operator's consent texts
	// (ID.LANG.md), replacing the shipped ones of the same id.
	ConsentTexts string
	// TerminationGrace: an account's data is deleted this long after its
	// notice (issue 16: 28 days).
	TerminationGrace time.Duration
	AuditKey         string // PEM file of the audit checkpoint key; empty: the key kept in the database
	// PushVAPIDKey is the PEM file of the Web Push (VAPID) key; empty:
	// the key made once and kept in the database (decision 0051).
	PushVAPIDKey string
	// PushAllowEndpoints are host:port pairs a push subscription may name
	// although they are inside the server's network or plain http: for
	// tests only.
	PushAllowEndpoints string
	// The research data donation (decision 0048): where the encrypted
	// extracts go (a directory, or an https:// URL) and the sink's age
	// X25519 recipient; with both unset no donation is offered.
	DonationSink      string
	DonationRecipient string
	// DonationSinkCA is a PEM file of CA certificates the HTTPS sink's
	// certificate is checked against instead of the system roots.
	DonationSinkCA   string
	DonationsPerHour int // donations per account and hour

	// The HTTP edge (docs/security.md).
	TrustedProxies  string // CIDR,...: peers whose X-Forwarded-For/Forwarded count
	MetricsAddr     string // listen address of /metrics; empty or "off": none
	HeaderTimeout   time.Duration
	IdleTimeout     time.Duration
	MinBodyRate     int64         // bytes per second a request body must keep up
	BodyRateWindow  time.Duration // over which MinBodyRate is averaged
	MaxConnsPerAddr int           // open connections per client address; 0: no limit
	// Attempt limits (docs/security.md); the hourly ones allow no limit
	// with 0.
	LoginFree         int           // attempts at an account's secrets before the back-off
	LoginDelay        time.Duration // first wait of the back-off, doubled per further attempt
	LoginMaxDelay     time.Duration // ceiling of the back-off
	LoginWindow       time.Duration // attempts are forgotten after this
	CodeAttempts      int           // guesses at the mailed codes of one purpose
	RegisterPerAddr   int           // registrations per client address and hour
	RegisterPerServer int           // registrations per server and hour
	MailsPerRecipient int           // mails per recipient address and hour
	PreloginPerAddr   int           // prelogin requests (and passkey login challenges) per client address and hour
	AnonPerAddr       int           // confirm, resend, reset, recovery, device-link requests per client address and hour
	ProviderLookups   int           // searches and reads of providers per account and hour
	// The audit protocol (docs/audit.md §7 and §8).
	AuditSecurity time.Duration // security events of the system log are kept this long
	AuditOperator time.Duration // operator actions of the system log are kept this long
	AlarmLogins   int           // failed logins within an hour that raise an alarm; 0: none
	AlarmDenied   int           // refused requests of one actor within 15 minutes that raise an alarm; 0: none
	AlarmDownload int           // downloads within 10 minutes (at least; 10 × the usual rate) that raise an alarm; 0: none
}

// DefaultConfig is the zero-configuration server: loopback, ./akte-data.
func DefaultConfig() Config {
	sd := service.DefaultConfig() // the limits' defaults are the service's
	return Config{
		Addr: "127.0.0.1:8080", Data: "./akte-data", MailFrom: "Akte <akte@localhost>", LogLevel: "info",
		SessionIdle: 15 * time.Minute, SessionMax: 12 * time.Hour, JobInterval: 10 * time.Minute,
		Quota: 1 << 30, ChunkSize: 8 << 20, UploadExpiry: 24 * time.Hour, TerminationGrace: 28 * 24 * time.Hour, WithdrawalGrace: 7 * 24 * time.Hour,
		MetricsAddr: "127.0.0.1:9464", HeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MinBodyRate: 1 << 10, BodyRateWindow: 30 * time.Second, MaxConnsPerAddr: 128,
		LoginFree: sd.FailureFree, LoginDelay: sd.FailureDelay, LoginMaxDelay: sd.MaxDelay, LoginWindow: sd.FailureWindow,
		CodeAttempts: sd.CodeAttempts, RegisterPerAddr: sd.RegisterPerAddr, RegisterPerServer: sd.RegisterPerServer,
		MailsPerRecipient: sd.MailsPerRecipient, PreloginPerAddr: sd.PreloginPerAddr, AnonPerAddr: sd.AnonPerAddr,
		ProviderLookups: sd.ProviderLookupsPerAccount, DonationsPerHour: 10,
		AuditSecurity: sd.Retention.Security, AuditOperator: sd.Retention.Operator,
		AlarmLogins: sd.Alarms.FailedLogins, AlarmDenied: sd.Alarms.Denied, AlarmDownload: sd.Alarms.Downloads,
	}
}

// flagSpec binds one flag to its environment variable.
type flagSpec struct {
	name, env, de, usage string // usage in German and in English
	secret               bool   // also read from AKTE_..._FILE
	str                  *string
	dur                  *time.Duration
	size                 *int64
	num                  *int // a count, 0 allowed
	zero                 bool // dur: 0 allowed (it means "at once")
}

func (c *Config) specs() []flagSpec {
	return []flagSpec{
		{name: "addr", de: "Adresse, auf der der Server lauscht", env: "AKTE_ADDR", usage: "listen address", str: &c.Addr},
		{name: "data", de: "Datenverzeichnis (SQLite-Datenbank, Blobs, Postausgang)", env: "AKTE_DATA", usage: "data directory (SQLite database, blobs, outbox)", str: &c.Data},
		{name: "db", de: "Datenbank-URL (sqlite:///pfad/akte.db oder postgres://...); Standard: SQLite unter --data", env: "AKTE_DB", usage: "database URL (sqlite:///path/akte.db or postgres://...); default: SQLite under --data", secret: true, str: &c.DB},
		{name: "blobs", de: "URL des Blob-Speichers (file:///pfad oder s3://BUCKET?endpoint=...); Standard: Verzeichnis unter --data", env: "AKTE_BLOBS", usage: "blob store URL (file:///path or s3://BUCKET?endpoint=...); default: directory under --data", str: &c.Blobs},
		{name: "smtp", de: "SMTP-Server smtp://user:pass@host:port (besser AKTE_SMTP_FILE); leer: Mails gehen in den Postausgang", env: "AKTE_SMTP", usage: "SMTP server smtp://user:pass@host:port (prefer AKTE_SMTP_FILE); empty: mails go to the outbox", secret: true, str: &c.SMTP},
		{name: "mail-from", de: "Absenderadresse der Mails", env: "AKTE_MAIL_FROM", usage: "sender address of mails", str: &c.MailFrom},
		{name: "mail-outbox", de: "Verzeichnis für .eml-Dateien ohne SMTP; Standard: outbox unter --data", env: "AKTE_MAIL_OUTBOX", usage: "directory for .eml files when no SMTP is configured; default: outbox under --data", str: &c.MailOutbox},
		{name: "base-url", de: "öffentliche URL für Links in Mails; Standard: http://ADDR", env: "AKTE_BASE_URL", usage: "public URL used in mailed links; default: http://ADDR", str: &c.BaseURL},
		{name: "imprint-url", de: "Impressum des Betreibers (https://...), auf jeder Seite der Web-App verlinkt", env: "AKTE_IMPRINT_URL", usage: "the operator's imprint (https://...), linked on every page of the web app", str: &c.ImprintURL},
		{name: "privacy-url", de: "Datenschutzhinweise des Betreibers (https://...), auf jeder Seite der Web-App verlinkt", env: "AKTE_PRIVACY_URL", usage: "the operator's privacy notice (https://...), linked on every page of the web app", str: &c.PrivacyURL},
		{name: "portal-links", de: "JSON-Datei, die die Links der Kategorien zu gesund.bund.de ersetzt (Aufbau wie web/src/portal.json); off: keine", env: "AKTE_PORTAL_LINKS", usage: "JSON file replacing the categories' links to gesund.bund.de (shaped like web/src/portal.json); off: none", str: &c.PortalLinks},
		{name: "tls-cert", de: "TLS-Zertifikat (PEM-Datei)", env: "AKTE_TLS_CERT", usage: "TLS certificate file (PEM)", str: &c.TLSCert},
		{name: "tls-key", de: "privater TLS-Schlüssel (PEM-Datei)", env: "AKTE_TLS_KEY", usage: "TLS private key file (PEM)", str: &c.TLSKey},
		{name: "log-level", de: "debug, info, warn oder error", env: "AKTE_LOG_LEVEL", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "session-idle", de: "Sitzungsende nach Untätigkeit", env: "AKTE_SESSION_IDLE", usage: "session idle timeout", dur: &c.SessionIdle},
		{name: "session-max", de: "längste Dauer einer Sitzung", env: "AKTE_SESSION_MAX", usage: "absolute session lifetime", dur: &c.SessionMax},
		{name: "job-interval", de: "Abstand der Wartungsaufgaben", env: "AKTE_JOB_INTERVAL", usage: "interval of the maintenance jobs", dur: &c.JobInterval},
		{name: "quota", de: "Standard-Kontingent je Akte, z. B. 1GiB (eine Akte ändern: akte admin quota)", env: "AKTE_QUOTA", usage: "default quota per record, e.g. 1GiB (change one record: akte admin quota)", size: &c.Quota},
		{name: "chunk-size", de: "Größe der Upload-Teile, z. B. 8MiB", env: "AKTE_CHUNK_SIZE", usage: "size of upload chunks, e.g. 8MiB", size: &c.ChunkSize},
		{name: "upload-expiry", de: "unfertige Uploads, die so lange ruhen, werden gelöscht", env: "AKTE_UPLOAD_EXPIRY", usage: "unfinished uploads idle this long are deleted", dur: &c.UploadExpiry},
		{name: "termination-grace", de: "so lange nach einer Kündigung werden die Daten des Kontos gelöscht (bis dahin lässt sie sich zurücknehmen)", env: "AKTE_TERMINATION_GRACE", usage: "an account's data is deleted this long after its notice (which can be taken back until then)", dur: &c.TerminationGrace},
		{name: "withdrawal-grace", de: "so lange nach dem Widerruf der Einwilligung in die Verarbeitung wird das Konto gelöscht (0: sofort; bis dahin lässt er sich zurücknehmen)", env: "AKTE_WITHDRAWAL_GRACE", usage: "the account is deleted this long after the withdrawal of the processing consent (0: at once; it can be taken back until then)", dur: &c.WithdrawalGrace, zero: true},
		{name: "consent-texts", de: "Verzeichnis mit eigenen Einwilligungstexten (ID.de.md, ID.en.md; erste Zeile \"version: N\"), die die mitgelieferten gleicher ID ersetzen", env: "AKTE_CONSENT_TEXTS", usage: "directory of your own consent texts (ID.de.md, ID.en.md; first line \"version: N\") replacing the shipped ones of the same id", str: &c.ConsentTexts},
		{name: "audit-key", de: "PEM-Datei (PKCS #8, ECDSA P-256) des Schlüssels, der die Prüfpunkte des Protokolls signiert; leer: der Schlüssel in der Datenbank", env: "AKTE_AUDIT_KEY_FILE", usage: "PEM file (PKCS #8, ECDSA P-256) of the key that signs the protocol's checkpoints; empty: the key kept in the database", str: &c.AuditKey},
		{name: "push-vapid-key", de: "PEM-Datei (PKCS #8, ECDSA P-256) des Web-Push-Schlüssels (VAPID); leer: der Schlüssel in der Datenbank", env: "AKTE_PUSH_VAPID_KEY_FILE", usage: "PEM file (PKCS #8, ECDSA P-256) of the Web Push (VAPID) key; empty: the key kept in the database", str: &c.PushVAPIDKey},
		{name: "push-allow-endpoints", de: "nur für Tests: host:port,... von Push-Endpunkten, die im eigenen Netz liegen oder http sprechen dürfen", env: "AKTE_PUSH_ALLOW_ENDPOINTS", usage: "tests only: host:port,... of push endpoints allowed inside the server's network or over plain http", str: &c.PushAllowEndpoints},
		{name: "donation-sink", de: "Ziel der Datenspende für die Forschung: ein Verzeichnis oder https://URL (leer: keine Datenspende)", env: "AKTE_DONATION_SINK", usage: "where research data donations go: a directory or https://URL (empty: no donation offered)", str: &c.DonationSink},
		{name: "donation-recipient", de: "age-X25519-Empfänger (age1...) der Forschungsstelle, für den die Geräte die Spende verschlüsseln", env: "AKTE_DONATION_RECIPIENT", usage: "the research body's age X25519 recipient (age1...) the devices encrypt donations to", str: &c.DonationRecipient},
		{name: "donation-sink-ca", de: "PEM-Datei mit CA-Zertifikaten, gegen die das Zertifikat des HTTPS-Ziels geprüft wird (Standard: die des Systems)", env: "AKTE_DONATION_SINK_CA", usage: "PEM file of CA certificates the HTTPS sink's certificate is checked against (default: the system's)", str: &c.DonationSinkCA},
		{name: "limit-donations", de: "Datenspenden je Konto und Stunde", env: "AKTE_LIMIT_DONATIONS", usage: "research data donations per account and hour", num: &c.DonationsPerHour},
		{name: "audit-keep-security", de: "so lange bleiben Sicherheitsereignisse des Systemprotokolls (fehlgeschlagene Anmeldungen unbekannter Konten)", env: "AKTE_AUDIT_KEEP_SECURITY", usage: "security events of the system log (failed logins of unknown accounts) are kept this long", dur: &c.AuditSecurity},
		{name: "audit-keep-operator", de: "so lange bleiben Handlungen des Betreibers im Systemprotokoll", env: "AKTE_AUDIT_KEEP_OPERATOR", usage: "operator actions in the system log are kept this long", dur: &c.AuditOperator},
		{name: "alarm-failed-logins", de: "fehlgeschlagene Anmeldungen in einer Stunde, die eine Warnung auslösen (0: keine)", env: "AKTE_ALARM_FAILED_LOGINS", usage: "failed logins within an hour that raise an alarm (0: none)", num: &c.AlarmLogins},
		{name: "alarm-denied", de: "abgewiesene Anfragen eines Akteurs in 15 Minuten, die eine Warnung auslösen (0: keine)", env: "AKTE_ALARM_DENIED", usage: "refused requests of one actor within 15 minutes that raise an alarm (0: none)", num: &c.AlarmDenied},
		{name: "alarm-downloads", de: "Downloads einer Akte in 10 Minuten, die eine Warnung auslösen (mindestens; und das 10-Fache des Üblichen; 0: keine)", env: "AKTE_ALARM_DOWNLOADS", usage: "downloads of one record within 10 minutes that raise an alarm (at least; and 10 × the usual rate; 0: none)", num: &c.AlarmDownload},
		{name: "trusted-proxies", de: "CIDR-Bereiche von Reverse-Proxys, deren X-Forwarded-For/Forwarded-Angaben den Client nennen, z. B. 10.0.0.0/8,192.168.1.5", env: "AKTE_TRUSTED_PROXIES", usage: "CIDR ranges of reverse proxies whose X-Forwarded-For/Forwarded headers name the client, e.g. 10.0.0.0/8,192.168.1.5", str: &c.TrustedProxies},
		{name: "metrics-addr", de: "Adresse von GET /metrics (Prometheus); leer oder off: keine Metriken", env: "AKTE_METRICS_ADDR", usage: "listen address of GET /metrics (Prometheus); empty or off: no metrics", str: &c.MetricsAddr},
		{name: "header-timeout", de: "Zeit, die ein Client für die Kopfzeilen einer Anfrage hat", env: "AKTE_HEADER_TIMEOUT", usage: "time a client has to send a request's headers", dur: &c.HeaderTimeout},
		{name: "idle-timeout", de: "eine ruhende Keep-alive-Verbindung wird danach geschlossen", env: "AKTE_IDLE_TIMEOUT", usage: "an idle keep-alive connection is closed after this", dur: &c.IdleTimeout},
		{name: "min-body-rate", de: "langsamste erlaubte Ankunft eines Anfrageinhalts, Bytes je Sekunde im Mittel über --body-rate-window, z. B. 1KiB", env: "AKTE_MIN_BODY_RATE", usage: "slowest a request body may arrive, bytes per second averaged over --body-rate-window, e.g. 1KiB", size: &c.MinBodyRate},
		{name: "body-rate-window", de: "Zeitraum, über den --min-body-rate gemittelt wird", env: "AKTE_BODY_RATE_WINDOW", usage: "window over which --min-body-rate is averaged", dur: &c.BodyRateWindow},
		{name: "max-conns-per-addr", de: "offene Verbindungen je Client-Adresse (vertrauenswürdige Proxys ausgenommen); 0: keine Grenze", env: "AKTE_MAX_CONNS_PER_ADDR", usage: "open connections per client address (trusted proxies exempt); 0: no limit", num: &c.MaxConnsPerAddr},
		{name: "limit-login-free", de: "Versuche an Passwort, TOTP oder Sicherheitsschlüssel eines Kontos, bevor jeder weitere 2, 4, 8 ... s wartet", env: "AKTE_LIMIT_LOGIN_FREE", usage: "attempts at an account's password, TOTP or recovery key before each next one waits 2, 4, 8 ... s", num: &c.LoginFree},
		{name: "limit-login-delay", de: "erste Wartezeit dieser Verzögerung, für jeden weiteren Versuch verdoppelt", env: "AKTE_LIMIT_LOGIN_DELAY", usage: "first wait of that back-off, doubled for each further attempt", dur: &c.LoginDelay},
		{name: "limit-login-max-delay", de: "längste Wartezeit zwischen Versuchen an den Geheimnissen eines Kontos", env: "AKTE_LIMIT_LOGIN_MAX_DELAY", usage: "longest wait between attempts at an account's secrets", dur: &c.LoginMaxDelay},
		{name: "limit-login-window", de: "so lange werden Versuche an den Geheimnissen eines Kontos gezählt", env: "AKTE_LIMIT_LOGIN_WINDOW", usage: "attempts at an account's secrets are counted this long", dur: &c.LoginWindow},
		{name: "limit-code-attempts", de: "Versuche an den gemailten Codes eines Zwecks, bevor er bis zu einem neuen Code gesperrt ist (0: keine Grenze)", env: "AKTE_LIMIT_CODE_ATTEMPTS", usage: "guesses at the mailed codes of one purpose before it locks until a new code is sent (0: no limit)", num: &c.CodeAttempts},
		{name: "limit-register-addr", de: "Registrierungen je Client-Adresse und Stunde (0: keine Grenze)", env: "AKTE_LIMIT_REGISTER_ADDR", usage: "registrations per client address and hour (0: no limit)", num: &c.RegisterPerAddr},
		{name: "limit-register-server", de: "Registrierungen je Server (alle Repliken) und Stunde (0: keine Grenze)", env: "AKTE_LIMIT_REGISTER_SERVER", usage: "registrations per server (all replicas) and hour (0: no limit)", num: &c.RegisterPerServer},
		{name: "limit-mail-recipient", de: "Mails an eine Adresse je Stunde: Codes, Links, Hinweise (0: keine Grenze)", env: "AKTE_LIMIT_MAIL_RECIPIENT", usage: "mails to one address per hour: codes, links, notices (0: no limit)", num: &c.MailsPerRecipient},
		{name: "limit-prelogin-addr", de: "Prelogin-Anfragen je Client-Adresse und Stunde, ebenso Passkey-Anmeldeanfragen (0: keine Grenze)", env: "AKTE_LIMIT_PRELOGIN_ADDR", usage: "prelogin requests per client address and hour, and as many passkey login challenges (0: no limit)", num: &c.PreloginPerAddr},
		{name: "limit-anon-addr", de: "Bestätigungs-, Neuversand-, Zurücksetzungs-, Wiederherstellungs- und Gerätelink-Anfragen je Client-Adresse und Stunde, jede Art für sich (0: keine Grenze)", env: "AKTE_LIMIT_ANON_ADDR", usage: "confirm, resend, reset, recovery and device-link requests per client address and hour, each kind apart (0: no limit)", num: &c.AnonPerAddr},
		{name: "limit-provider-lookups", de: "Suchen und Abrufe von Leistungserbringern je Konto und Stunde (0: keine Grenze)", env: "AKTE_LIMIT_PROVIDER_LOOKUPS", usage: "searches and reads of providers per account and hour (0: no limit)", num: &c.ProviderLookups},
	}
}

// bind registers the flags on cmd in the language; load must run before
// the config is used.
func (c *Config) bind(cmd *cobra.Command, e *cli.Env) {
	for _, s := range c.specs() {
		usage := e.Tr(s.de, s.usage) + " (env " + s.env
		if s.secret {
			usage += e.Tr(" oder ", ", or ") + s.env + "_FILE"
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
			n, err := ParseSize(v)
			if err != nil || n <= 0 {
				return cli.Fail(akte.KindInvalid, "config_size", map[string]any{"name": "--" + s.name, "value": v})
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
				return cli.Fail(akte.KindInvalid, "config_count", map[string]any{"name": s.env, "value": v})
			}
			*s.num = n
			continue
		}
		if s.size != nil {
			n, err := ParseSize(v)
			if err != nil || n <= 0 {
				return cli.Fail(akte.KindInvalid, "config_size", map[string]any{"name": s.env, "value": v})
			}
			*s.size = n
			continue
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d == 0 && !s.zero) {
			return cli.Fail(akte.KindInvalid, "config_duration", map[string]any{"name": s.env, "value": v})
		}
		*s.dur = d
	}
	for _, s := range c.specs() {
		if s.num != nil && *s.num < 0 {
			return cli.Fail(akte.KindInvalid, "config_count", map[string]any{"name": "--" + s.name, "value": *s.num})
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return cli.Fail(akte.KindInvalid, "config_tls_pair", nil)
	}
	if _, err := api.ParsePrefixes(c.TrustedProxies); err != nil {
		return &akte.Error{Op: "config", Kind: akte.KindInvalid, Reason: "config_proxies", Params: map[string]any{"value": c.TrustedProxies}, Err: err}
	}
	for _, u := range []struct{ name, value string }{{"--imprint-url", c.ImprintURL}, {"--privacy-url", c.PrivacyURL}} {
		if u.value != "" && !web.LinkURL(u.value) {
			return cli.Fail(akte.KindInvalid, "config_link_url", map[string]any{"name": u.name, "value": u.value})
		}
	}
	switch c.PortalLinks {
	case "":
		c.Portal = web.DefaultPortal()
	case "off":
		c.Portal = nil
	default:
		b, err := os.ReadFile(c.PortalLinks)
		if err == nil {
			c.Portal, err = web.ParsePortal(b)
		}
		if err != nil {
			return &akte.Error{Op: "config", Kind: akte.KindInvalid, Reason: "config_portal_links", Params: map[string]any{"value": c.PortalLinks, "error": err.Error()}, Err: err}
		}
	}
	if c.MaxConnsPerAddr < 0 {
		return cli.Fail(akte.KindInvalid, "config_count", map[string]any{"name": "--max-conns-per-addr", "value": c.MaxConnsPerAddr})
	}
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	}
	return nil
}

var errNoSize = errors.New("not a size")

// ParseSize reads a size such as 1073741824, 500MB, 1GiB or 2G (G and GB
// are decimal, GiB binary).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s {
		return 0, errNoSize
	}
	return n * mult, nil
}
