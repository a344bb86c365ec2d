package seal

import "golang.org/x/crypto/argon2"

// Minimum Argon2id parameters of design §4.1. They are stored with the
// account so that they can be raised later; SplitPassword does not enforce
// them so that tests and vectors can run fast.
const (
	ArgonMemoryKiB = 64 * 1024
	ArgonTime      = 3
	ArgonThreads   = 4
)

// SplitPassword derives 64 bytes with Argon2id(password, salt, time,
// memoryKiB, threads) and splits them: the first 32 bytes are the password
// key, which unwraps the user master key and never leaves the client; the
// last 32 bytes are the login secret, which is sent to the server and stored
// there only as a slow hash. Knowing the login secret does not help to find
// the password key, since both are independent outputs of Argon2id. The
// parameters come from the account (see ArgonMemoryKiB for the minimum);
// SplitPassword panics if time or threads is zero.
func SplitPassword(password []byte, salt []byte, memoryKiB, time uint32, threads uint8) (passwordKey, loginSecret []byte) {
	k := argon2.IDKey(password, salt, time, memoryKiB, threads, 2*KeySize)
	return k[:KeySize:KeySize], k[KeySize:]
}
