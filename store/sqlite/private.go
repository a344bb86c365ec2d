package sqlite

import (
	"errors"
	"io/fs"
	"os"
)

// private makes the database file at path and its -wal and -shm files
// readable by the owner only, whatever the umask: they hold TOTP secrets,
// KVNRs and session hashes. It creates the database file 0600 before the
// driver opens it; SQLite gives the -wal and -shm files it creates later
// the database file's mode. Files an older release left with a wider mode
// are narrowed. It depends on no driver, so it holds whichever opens the
// file.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o600); err != nil {
				return err
			}
		}
	}
	return nil
}
