package webpush

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"time"
)

// VAPID is the application server's identity (RFC 8292): an ECDSA P-256
// key whose public half the browser got as applicationServerKey when it
// subscribed, and a contact (mailto: or https: URL) for the push service.
type VAPID struct {
	Key     *ecdsa.PrivateKey
	Subject string
}

// NewVAPIDKey makes a fresh key as PKCS #8 PEM, to be kept.
func NewVAPIDKey() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseVAPIDKey reads a PKCS #8 PEM P-256 key.
func ParseVAPIDKey(p []byte) (*ecdsa.PrivateKey, error) {
	b, _ := pem.Decode(p)
	if b == nil {
		return nil, ErrKey
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, ErrKey
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, ErrKey
	}
	return ek, nil
}

// PublicKey is the base64url uncompressed public point: the
// applicationServerKey of PushManager.subscribe and the k= of the header.
func (v *VAPID) PublicKey() string {
	pub, _ := v.Key.PublicKey.ECDH()
	return base64.RawURLEncoding.EncodeToString(pub.Bytes())
}

// Authorization is the Authorization header for a message to endpoint
// (RFC 8292 §3): an ES256 JWT for the endpoint's origin valid until exp
// (at most 24 hours ahead), and the public key.
func (v *VAPID) Authorization(endpoint string, exp time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", errors.New("webpush: endpoint without origin")
	}
	hdr, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "ES256"})
	claims, _ := json.Marshal(map[string]any{"aud": u.Scheme + "://" + u.Host, "exp": exp.Unix(), "sub": v.Subject})
	signing := b64(hdr) + "." + b64(claims)
	h := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, v.Key, h[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64) // JWS ES256: r || s, 32 bytes each
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "vapid t=" + signing + "." + b64(sig) + ", k=" + v.PublicKey(), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Claims are the claims of a VAPID token.
type Claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// VerifyAuthorization checks an Authorization header as a push service
// does: the key is publicKey (base64url, as served to browsers) and the
// JWT's ES256 signature holds. It returns the claims; the caller checks
// aud and exp. For tests and the end-to-end receiver.
func VerifyAuthorization(header, publicKey string) (*Claims, error) {
	bad := errors.New("webpush: invalid vapid authorization")
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return nil, bad
	}
	var t, k string
	for _, p := range strings.Split(rest, ",") {
		p = strings.TrimSpace(p)
		if v, ok := strings.CutPrefix(p, "t="); ok {
			t = v
		} else if v, ok := strings.CutPrefix(p, "k="); ok {
			k = v
		}
	}
	if k != publicKey {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil {
		return nil, bad
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, bad
	}
	parts := strings.Split(t, ".")
	if len(parts) != 3 {
		return nil, bad
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, bad
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, bad
	}
	hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
	var hv struct{ Alg string }
	if err != nil || json.Unmarshal(hdr, &hv) != nil || hv.Alg != "ES256" {
		return nil, bad
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c Claims
	if err != nil || json.Unmarshal(body, &c) != nil {
		return nil, bad
	}
	return &c, nil
}
