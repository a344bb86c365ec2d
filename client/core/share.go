package core

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Shares (design §4.3, decision 0042). A share's secret is 32 random bytes
// carried in a link's fragment (base64url), or a 12-character access code
// from ShareAlphabet printed on paper (60 bits). From the secret the
// client derives
//
//	id    = hex(HKDF-SHA-256(secret, info "akte share v1 id")[:16])
//	key   = seal.ShareKey(secret, password, id)
//	proof = HKDF-SHA-256(key, info "akte share v1 proof")
//
// The server stores id and SHA-256(proof); it never sees the secret, the
// password or the key, so it can open no item: each item's key is wrapped
// under the share key. It checks the proof, which only the right secret
// and password yield, and counts the wrong ones.

// ShareAlphabet is the access codes' alphabet: digits and capital letters
// without the look-alikes 0/O and 1/I (32 characters, 5 bits each).
const ShareAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// ShareCodeLen is the number of characters of an access code (60 bits).
const ShareCodeLen = 12

// ShareSecret is a share's secret with the text that carries it.
type ShareSecret struct {
	Secret []byte
	// Text is the fragment of a link, or the code as XXXX-XXXX-XXXX.
	Text string
	Code bool
}

// NewShareSecret draws a new secret: an access code if code, else a link's.
func NewShareSecret(code bool) ShareSecret {
	if !code {
		b := make([]byte, 32)
		rand.Read(b)
		return ShareSecret{Secret: b, Text: base64.RawURLEncoding.EncodeToString(b)}
	}
	b := make([]byte, ShareCodeLen)
	rand.Read(b)
	for i := range b {
		b[i] = ShareAlphabet[b[i]&31] // 256 is a multiple of 32: uniform
	}
	return ShareSecret{Secret: b, Text: FormatShareCode(string(b)), Code: true}
}

// FormatShareCode writes 12 code characters as XXXX-XXXX-XXXX.
func FormatShareCode(c string) string {
	return c[:4] + "-" + c[4:8] + "-" + c[8:]
}

func errShareText() error {
	return akte.R("share.parse", akte.KindInvalid, "share_link_invalid", nil,
		"Das ist weder ein Freigabe-Link noch ein Zugangscode (XXXX-XXXX-XXXX).")
}

// ParseShare reads a share link (whose fragment holds the secret), a bare
// fragment, or an access code in any case, with or without dashes and
// spaces.
func ParseShare(s string) (ShareSecret, error) {
	s = strings.TrimSpace(s)
	if _, frag, ok := strings.Cut(s, "#"); ok {
		s = frag
	}
	code := strings.ToUpper(strings.NewReplacer("-", "", " ", "", "\u00a0", "").Replace(s))
	if len(code) == ShareCodeLen && strings.Trim(code, ShareAlphabet) == "" {
		return ShareSecret{Secret: []byte(code), Text: FormatShareCode(code), Code: true}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return ShareSecret{}, errShareText()
	}
	return ShareSecret{Secret: b, Text: s}, nil
}

// ShareLink is the address a recipient opens: the web app's share page
// with the secret in the fragment, which browsers never send.
func ShareLink(base, text string) string {
	return strings.TrimRight(base, "/") + "/freigabe#" + text
}

// ShareID derives a share's id from its secret.
func ShareID(secret []byte) string {
	k, _ := hkdf.Key(sha256.New, secret, nil, "akte share v1 id", 16)
	return hex.EncodeToString(k)
}

// ShareKeys derives the share key and the proof from the secret and the
// password (empty: none).
func ShareKeys(secret []byte, password string) (id string, key, proof []byte, err error) {
	id = ShareID(secret)
	if key, err = seal.ShareKey(secret, []byte(password), id); err != nil {
		return "", nil, nil, err
	}
	proof, err = hkdf.Key(sha256.New, key, nil, "akte share v1 proof", 32)
	return id, key, proof, err
}

// ShareItemKeys wraps each item's key under the share key.
func (r *Record) ShareItemKeys(shareKey []byte, items []wire.Item) ([]wire.ShareItem, error) {
	var out []wire.ShareItem
	for _, it := range items {
		key, _, err := r.OpenItem(it)
		if err != nil {
			return nil, err
		}
		slot, err := seal.WrapKey(seal.ViaShare, shareKey, seal.ItemKey, it.ID, key)
		if err != nil {
			return nil, err
		}
		out = append(out, wire.ShareItem{ID: it.ID, Slot: slot})
	}
	return out, nil
}

// OpenSharedItem opens a shared item's key and metadata with the share
// key.
func OpenSharedItem(shareKey []byte, it wire.SharedItem) ([]byte, Meta, error) {
	var m Meta
	key, err := seal.UnwrapKey(seal.ViaShare, shareKey, seal.ItemKey, it.ID, it.Slot)
	if err != nil {
		return nil, m, fail("share.open", "item_key_unopenable", map[string]any{"item": it.ID}, sprintf("Der Schlüssel des Dokuments %s lässt sich nicht öffnen.", it.ID), err)
	}
	return key, m, openMeta(key, wire.Item{ID: it.ID, MetaSealed: it.MetaSealed}, &m)
}
