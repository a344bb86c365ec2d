// Package seal is Akte's cryptographic format, version 1: it turns keys and
// plaintext into self-describing ciphertext and back, and nothing else (no
// storage, no network, no global state). docs/crypto.md is its
// specification; testdata/ holds the vectors every implementation must pass.
//
// Every sealed object starts with a format version byte and a suite byte, so
// that algorithms can be replaced without re-encrypting the world, and
// carries a key commitment (HMAC-SHA-256 over the header, keyed from the
// key), so that one ciphertext cannot open under two keys.
//
//   - SealSmall and OpenSmall encrypt small objects (metadata, wrapped keys)
//     with AES-256-GCM under a 32-byte key, bound to associated data.
//   - NewWriter, NewReader and NewReaderAt encrypt files of any size as a
//     stream of AES-256-GCM segments (Tink's AES-GCM-HKDF streaming
//     construction): no plaintext is released before its segment verifies,
//     and reordering, truncation and extension are detected. CiphertextSize
//     and PlaintextSize convert between the two sizes exactly.
//   - NewKeyPair, SealTo and OpenFrom encrypt small secrets to a public key
//     with HPKE (RFC 9180) and the hybrid post-quantum KEM ML-KEM-768 +
//     P-256.
//   - WrapKey and UnwrapKey put the keys of the hierarchy (user master key,
//     record master key, category keys, record key pair, item keys) into key
//     slots bound to what the key is and which object it belongs to.
//   - SplitPassword and ShareKey derive keys from passwords and share
//     secrets; Fingerprint names a public key for comparison out of band.
//
// Threat model in short (docs/crypto.md §12 has the full version). The
// server, and anyone holding its database or object store, sees ciphertext,
// exact plaintext sizes and the shape of the key hierarchy; it can delete,
// withhold or roll back data, put items into a record's write-only inbox
// and offer false public keys (hence fingerprints), but it cannot read data
// or change it without the change failing with KindCrypto. A stolen
// database allows offline password guessing at the cost of Argon2id per
// guess. A stolen unlocked device exposes what its user can read. A revoked
// grantee keeps what it decrypted and the keys it unwrapped, but not items
// sealed under key versions created after the revocation.
//
// Errors are *akte.Error values: KindCrypto when authentication fails (wrong
// key, tampering, truncation, a slot moved to another object), KindInvalid
// when the input is malformed or names an unsupported version or suite.
// Errors of the underlying io.Reader or io.Writer are returned unchanged.
package seal
