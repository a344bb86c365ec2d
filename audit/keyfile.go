//go:build !js

package audit

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// The audit key as a file (PEM), for the server only: kept out of the
// browser's verifier (cmd/akte-audit-wasm), which would otherwise carry
// crypto/x509 for nothing.

// ParseKey reads a key from PEM: a PKCS #8 "PRIVATE KEY" block with a
// P-256 ECDSA key, as `openssl genpkey -algorithm EC -pkeyopt
// ec_paramgen_curve:P-256` writes it and MarshalPEM returns it.
func ParseKey(name string, pemBytes []byte) (*Key, error) {
	if !validLogName(name) {
		return nil, fmt.Errorf("invalid key name %q", name)
	}
	b, _ := pem.Decode(pemBytes)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("audit key: want a PEM block PRIVATE KEY (PKCS #8)")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	priv, ok := k.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, errors.New("audit key: want an ECDSA P-256 key")
	}
	return newKey(name, priv)
}

// MarshalPEM returns the private key as a PKCS #8 PEM block.
func (k *Key) MarshalPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
