// Package seal is Akte's cryptographic format, version 1: it turns keys and
// plaintext into self-describing ciphertext and back, and nothing else (no
// storage, no network, no global state).
//
// Every sealed object starts with a format version byte and a suite byte, so
// that algorithms can be replaced without re-encrypting the world, followed
// by a key commitment (HMAC-SHA-256 over the header, keyed from the key), so
// that one ciphertext cannot open under two keys.
//
//   - SealSmall and OpenSmall encrypt small objects (metadata, wrapped keys)
//     with AES-256-GCM under a 32-byte key.
//   - NewWriter and NewReader encrypt files of any size as a stream of
//     AES-256-GCM segments (Tink's AES-GCM-HKDF streaming construction), so
//     that no plaintext is released before its segment verifies and
//     reordering, truncation and extension are detected.
//   - SealTo and OpenFrom encrypt small secrets to a public key with HPKE
//     (RFC 9180) using the hybrid post-quantum KEM ML-KEM-768 + P-256.
//   - WrapKey and UnwrapKey put keys into key slots whose associated data
//     names what the key is and which object it belongs to.
//   - SplitPassword derives the client-only password key and the login
//     secret from a password with Argon2id.
//
// Threat model in short (docs/crypto.md has the full version): the server
// and anyone holding its database or object store see only ciphertext, sizes
// and the structure of keys; they can delete or withhold data and can replay
// old ciphertext of the same object, but cannot read it or change it
// without the change being detected as a KindCrypto error. A stolen device
// without the password is protected by Argon2id; a stolen, unlocked device
// is not. A revoked grantee keeps what it already decrypted and the keys it
// already unwrapped, but not items sealed under later key versions.
//
// Errors are *akte.Error values: KindCrypto when authentication fails (wrong
// key, tampering, truncation), KindInvalid when the input is malformed or
// names an unsupported version or suite.
package seal
