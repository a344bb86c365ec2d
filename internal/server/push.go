package server

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/akte/akte"
	"github.com/akte/akte/webpush"
)

// pushSender is the Web Push sender of the reminders (decision 0051):
// the VAPID key from --push-vapid-key, else made once and kept in the
// database (all replicas sign with the one key the browsers subscribed
// with), and a client that dials only public addresses but those of
// --push-allow-endpoints.
func pushSender(ctx context.Context, cfg Config, st akte.Store, now func() time.Time) (*webpush.Sender, error) {
	var pemKey []byte
	var err error
	if cfg.PushVAPIDKey != "" {
		if pemKey, err = os.ReadFile(cfg.PushVAPIDKey); err != nil {
			return nil, fmt.Errorf("read --push-vapid-key: %w", err)
		}
	} else {
		fresh, err := webpush.NewVAPIDKey()
		if err != nil {
			return nil, fmt.Errorf("make vapid key: %w", err)
		}
		if pemKey, err = st.Secret(ctx, "vapid_key", fresh); err != nil {
			return nil, fmt.Errorf("load vapid key: %w", err)
		}
	}
	key, err := webpush.ParseVAPIDKey(pemKey)
	if err != nil {
		return nil, fmt.Errorf("vapid key: not a PKCS #8 PEM ECDSA P-256 key")
	}
	allow, err := parseAllow(cfg.PushAllowEndpoints)
	if err != nil {
		return nil, err
	}
	return &webpush.Sender{VAPID: &webpush.VAPID{Key: key, Subject: vapidSubject(cfg)}, Client: webpush.Client(allow, 10*time.Second),
		Allow: allow, Now: now}, nil
}

// vapidSubject is how a push service reaches the operator (RFC 8292
// §2.1): the https base URL, else the sender address of the mails.
func vapidSubject(cfg Config) string {
	if strings.HasPrefix(cfg.BaseURL, "https://") {
		return cfg.BaseURL
	}
	if a, err := mail.ParseAddress(cfg.MailFrom); err == nil {
		return "mailto:" + a.Address
	}
	return "mailto:akte@localhost"
}

func parseAllow(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, hp := range strings.Split(v, ",") {
		hp = strings.TrimSpace(hp)
		h, p, err := net.SplitHostPort(hp)
		if err != nil || h == "" || p == "" {
			return nil, fmt.Errorf("--push-allow-endpoints: %q is no host:port", hp)
		}
		out = append(out, net.JoinHostPort(h, p))
	}
	return out, nil
}
