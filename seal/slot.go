package seal

import (
	"crypto/rand"
	"io"
	"strconv"
)

// A key slot holds one key wrapped for one way of opening it. It is laid
// out as
//
//	version(1) = 0x01 | suite(1) = 0x04 | via(1) | key type(1) | sealed
//
// where sealed is a small object (ViaKey, ViaShare) or an object sealed to
// a public key (ViaPublicKey), and its associated data is
//
//	"akte seal v1 slot" | 0x00 | via | key type | id
//
// with id the UTF-8 bytes of the id of the object the key belongs to. A
// slot copied to another object, or relabelled as another kind of key,
// therefore fails to open with an error of Kind akte.KindCrypto.
const (
	slotHeaderSize = 4
	slotLabel      = "akte seal v1 slot"
)

// Via says how a slot is opened.
type Via uint8

const (
	// ViaKey: under a 32-byte symmetric key (the password key, the
	// recovery key, a user master key, a record master key, a category key).
	ViaKey Via = 1
	// ViaPublicKey: to an HPKE public key from NewKeyPair (the record key
	// pair, a representative, a grantee); opened with the private key.
	ViaPublicKey Via = 2
	// ViaShare: under a share key from ShareKey (link share, access code).
	ViaShare Via = 3
)

// KeyType says what a slot holds; with the id of the object it belongs to
// it is bound to the slot. The hierarchy of design §4.1, and the id to use:
//
//	key type          id                          wrapped via
//	UserMasterKey     account id                  ViaKey: password key, recovery key
//	UserPrivateKey    account id                  ViaKey: user master key
//	UserSigningKey    account id                  ViaKey: user master key
//	RecordMasterKey   record id                   ViaKey: owner's user master key; ViaPublicKey: representative, grantee
//	RecordPrivateKey  record id                   ViaKey: record master key
//	CategoryKey       CategoryKeyID(...)          ViaKey: record master key; ViaPublicKey: grantee
//	ItemKey           item id                     ViaKey: category key; ViaPublicKey: record key, grantee; ViaShare: share key
type KeyType uint8

const (
	UserMasterKey    KeyType = 1 // 32 bytes, random per account (NewKey)
	UserPrivateKey   KeyType = 2 // the user's HPKE private key (NewKeyPair)
	UserSigningKey   KeyType = 3 // the user's ECDSA P-256 private key, in whatever encoding its owner chose
	RecordMasterKey  KeyType = 4 // 32 bytes, random per record
	RecordPrivateKey KeyType = 5 // the record's HPKE private key; its public key is the write-only inbox
	CategoryKey      KeyType = 6 // 32 bytes, random per category and version
	ItemKey          KeyType = 7 // 32 bytes, random per item (the DEK of its content and metadata)
)

const maxWrappedKey = 1024 // generous for any private key encoding

// CategoryKeyID returns the id a category key slot is bound to: the record
// id, the category name and the key version, joined by "/" with a "v"
// before the version, for example "r1/findings/v2". Category names are
// fixed by the client and contain no "/"; since the version comes last, the
// id is unambiguous for the record it names.
func CategoryKeyID(recordID, category string, version uint32) string {
	return recordID + "/" + category + "/v" + strconv.FormatUint(uint64(version), 10)
}

func slotAAD(via Via, t KeyType, id string) []byte {
	b := make([]byte, 0, len(slotLabel)+3+len(id))
	b = append(b, slotLabel...)
	b = append(b, 0, byte(via), byte(t))
	return append(b, id...)
}

// WrapKey puts key, of type t and belonging to the object id, into a slot
// opened via via. For ViaKey and ViaShare k is a 32-byte symmetric key, for
// ViaPublicKey an encoded HPKE public key.
func WrapKey(via Via, k []byte, t KeyType, id string, key []byte) ([]byte, error) {
	return wrapKey(rand.Reader, via, k, t, id, key)
}

// wrapKey is WrapKey with an injected random source for the symmetric
// slots; HPKE draws from crypto/rand itself.
func wrapKey(r io.Reader, via Via, k []byte, t KeyType, id string, key []byte) ([]byte, error) {
	const op = "seal.WrapKey"
	if err := checkWrapped(op, t, key); err != nil {
		return nil, err
	}
	head := []byte{Version, suiteSlot, byte(via), byte(t)}
	aad := slotAAD(via, t, id)
	var sealed []byte
	var err error
	switch via {
	case ViaKey, ViaShare:
		sealed, err = sealSmall(r, k, aad, key)
	case ViaPublicKey:
		sealed, err = SealTo(k, aad, key)
	default:
		return nil, errInvalid(op, "unknown slot type")
	}
	if err != nil {
		return nil, err
	}
	return append(head, sealed...), nil
}

// UnwrapKey opens a slot made by WrapKey with the same via, key type and
// id. For ViaKey and ViaShare k is the 32-byte symmetric key, for
// ViaPublicKey the encoded HPKE private key. It returns an error of Kind
// akte.KindCrypto if k is not the key the slot was made for, or the slot was
// changed, moved to another id or relabelled; and of Kind akte.KindInvalid
// if the slot is malformed.
func UnwrapKey(via Via, k []byte, t KeyType, id string, slot []byte) ([]byte, error) {
	const op = "seal.UnwrapKey"
	if err := checkHeader(op, slot, suiteSlot, slotHeaderSize); err != nil {
		return nil, err
	}
	if Via(slot[2]) != via || KeyType(slot[3]) != t {
		return nil, errCrypto(op, "slot holds another kind of key", nil)
	}
	aad := slotAAD(via, t, id)
	var key []byte
	var err error
	switch via {
	case ViaKey, ViaShare:
		key, err = OpenSmall(k, aad, slot[slotHeaderSize:])
	case ViaPublicKey:
		key, err = OpenFrom(k, aad, slot[slotHeaderSize:])
	default:
		return nil, errInvalid(op, "unknown slot type")
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

// checkWrapped refuses to wrap a key of the wrong shape for its type, so
// that a mix-up shows at wrapping time rather than years later.
func checkWrapped(op string, t KeyType, key []byte) error {
	switch t {
	case UserMasterKey, RecordMasterKey, CategoryKey, ItemKey:
		return checkKey(op, key)
	case UserPrivateKey, RecordPrivateKey:
		_, err := parsePrivate(op, key)
		return err
	case UserSigningKey:
		if len(key) == 0 || len(key) > maxWrappedKey {
			return errInvalid(op, "signing key must be 1 to 1024 bytes")
		}
		return nil
	}
	return errInvalid(op, "unknown key type")
}

// SlotSealed splits a symmetric slot (ViaKey) into the authenticated data
// and the sealed bytes that OpenSmall takes with the key that wraps it. The
// browser's grants module (cmd/akte-grants-wasm, decision 0046) has the
// client core, which holds the user master key, open a slot so that the
// key never leaves the core's worker. A slot too short reads as nothing.
func SlotSealed(t KeyType, id string, slot []byte) (aad, sealed []byte) {
	if len(slot) < slotHeaderSize {
		return slotAAD(ViaKey, t, id), nil
	}
	return slotAAD(ViaKey, t, id), slot[slotHeaderSize:]
}
