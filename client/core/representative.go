package core

import (
	"github.com/akte/akte"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// Representatives (decision 0036): the patient's client wraps the record
// master key to a representative's public key, which comes from the
// server; the patient compares its fingerprint (seal.Fingerprint) with
// the one the representative reads out from its own client, so that a
// server cannot slip in a key of its own. The representative's client
// opens the slot with its private key.

// SameFingerprint reports whether a fingerprint a person typed names the
// key: spaces, dashes and case do not count.
func SameFingerprint(typed string, pub []byte) bool {
	norm := func(s string) string {
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'F':
				b = append(b, c+'a'-'A')
			case c >= 'a' && c <= 'f', c >= '0' && c <= '9':
				b = append(b, c)
			case c == ' ' || c == '-' || c == ':':
			default:
				return "\x00invalid"
			}
		}
		return string(b)
	}
	return norm(typed) == norm(seal.Fingerprint(pub))
}

// WrapForRepresentative puts the record master key into a slot to a
// representative's public key, bound to the record's id.
func (r *Record) WrapForRepresentative(pub []byte) ([]byte, error) {
	return seal.WrapKey(seal.ViaPublicKey, pub, seal.RecordMasterKey, r.Info.Keys.RecordID, r.rmk)
}

// AccountPrivateKey opens the account's HPKE private key with the user
// master key.
func AccountPrivateKey(umk []byte, k akte.KeyBundle) ([]byte, error) {
	priv, err := seal.UnwrapKey(seal.ViaKey, umk, seal.UserPrivateKey, userSlotID, k.PrivateKeyByUMK)
	if err != nil {
		return nil, fail("keys.private", "umk_unopenable", nil, "Der private Schlüssel Ihres Kontos lässt sich nicht öffnen.", err)
	}
	return priv, nil
}

// OpenRepresentedRecord opens a record one represents: the record master
// key from the slot the patient's client wrapped to one's public key
// (info.RMKSlot), then the same checks as OpenRecord.
func OpenRepresentedRecord(priv []byte, info wire.Record) (*Record, error) {
	if len(info.RMKSlot) == 0 {
		return nil, akte.R("record.open", akte.KindForbidden, "representative_key_missing", nil,
			"Die Person, die Sie vertreten, hat Ihnen den Schlüssel ihrer Akte noch nicht übergeben (akte representative confirm).")
	}
	rmk, err := seal.UnwrapKey(seal.ViaPublicKey, priv, seal.RecordMasterKey, info.Keys.RecordID, info.RMKSlot)
	if err != nil {
		return nil, fail("record.open", "record_key_unopenable", nil, "Der Schlüssel der Akte lässt sich mit Ihrem Kontoschlüssel nicht öffnen.", err)
	}
	if err := checkPublicKey(rmk, seal.RecordPrivateKey, info.Keys.RecordID, info.Keys.PrivateKeyByRMK, info.Keys.PublicKey); err != nil {
		return nil, fail("record.open", "record_key_substituted", nil, "Der öffentliche Schlüssel der Akte passt nicht zu ihrem privaten Schlüssel.", err)
	}
	return &Record{Info: info, rmk: rmk, cats: map[string][]byte{}}, nil
}
