// Package disk is an akte.BlobStore that keeps each object as a file in a
// local directory.
//
// The key "a/b/c" is the file dir/a/b/c. Writes go to a temporary file in
// dir/+tmp, which is fsynced and then renamed over the final name, after
// which the directory is fsynced: a reader, also one after a crash, sees the
// old object or the new one, never a part. "+" cannot occur in a key, so the
// temporary directory never collides with an object.
//
// The file system is hierarchical where object stores are not: while "a" is
// an object, "a/b" cannot be one, and the other way round. Put reports such a
// collision as KindConflict.
package disk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/akte/akte"
	"github.com/akte/akte/blob"
)

// tmpDir holds files being written. Its name is not a valid key segment.
const tmpDir = "+tmp"

// Store is a directory of objects. It is safe for concurrent use. Only one
// Store (in one process) may use a directory at a time: Open deletes the
// temporary files of any other.
type Store struct {
	root *os.Root
}

var _ akte.BlobStore = (*Store)(nil)

// Open opens the store in dir, creating dir if needed, and removes the
// temporary files that a crash during Put left behind.
func Open(dir string) (*Store, error) {
	const op = "disk.open"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, akte.E(op, akte.KindUnavailable, "", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, akte.E(op, akte.KindUnavailable, "", err)
	}
	// Clearing the whole directory is simpler than telling a leftover from
	// a file being written: there are no writers before Open returns.
	if err := root.RemoveAll(tmpDir); err != nil {
		root.Close()
		return nil, akte.E(op, akte.KindUnavailable, "", fmt.Errorf("remove temporary files: %w", err))
	}
	if err := root.Mkdir(tmpDir, 0o700); err != nil {
		root.Close()
		return nil, akte.E(op, akte.KindUnavailable, "", err)
	}
	return &Store{root: root}, nil
}

// Close releases the directory. The Store must not be used afterwards.
func (s *Store) Close() error { return s.root.Close() }

// Put implements akte.BlobStore.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	const op = "disk.put"
	if err := blob.CheckKey(op, key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, akte.E(op, akte.KindOther, "", err)
	}
	tmp, f, err := s.createTemp()
	if err != nil {
		return 0, fsError(op, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			s.root.Remove(tmp)
		}
	}()
	n, err = io.Copy(f, &ctxReader{ctx: ctx, r: r})
	if err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			// The caller's reader failed (or ctx ended): keep its error,
			// and its Kind if it has one, for the caller.
			return 0, akte.E(op, akte.KindOther, "", rerr.err)
		}
		return 0, fsError(op, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fsError(op, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return 0, fsError(op, err)
	}
	// A concurrent Delete may remove a parent directory that Put has just
	// created; then Mkdir or Rename finds no directory and Put tries again.
	for try := 0; ; try++ {
		err = s.mkdirs(path.Dir(key))
		if err == nil {
			if err := ctx.Err(); err != nil {
				return 0, akte.E(op, akte.KindOther, "", err)
			}
			err = s.root.Rename(tmp, key)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || try == 3 {
			return 0, placeError(op, err)
		}
	}
	if err := s.syncDir(path.Dir(key)); err != nil {
		// The object is in place but may not survive a crash. Report the
		// failure; the caller will retry or give up, and a stale object
		// is harmless compared to an acknowledged one that vanishes.
		return 0, fsError(op, err)
	}
	return n, nil
}

func (s *Store) createTemp() (string, *os.File, error) {
	var b [12]byte
	for {
		rand.Read(b[:])
		name := tmpDir + "/" + hex.EncodeToString(b[:])
		f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
}

// mkdirs creates dir and its parents below the root, fsyncing the parent
// of each directory it creates so that the new entry survives a crash.
func (s *Store) mkdirs(dir string) error {
	if dir == "." {
		return nil
	}
	parent := "."
	for seg := range strings.SplitSeq(dir, "/") {
		d := path.Join(parent, seg)
		err := s.root.Mkdir(d, 0o700)
		switch {
		case err == nil:
			if err := s.syncDir(parent); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
			// Existing, or created concurrently; a file here is a
			// conflict that the next Mkdir or the rename reports.
		default:
			return err
		}
		parent = d
	}
	return nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements akte.BlobStore. The returned file keeps reading the object
// it opened even if a Put replaces it meanwhile.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	const op = "disk.get"
	if err := blob.CheckKey(op, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, akte.E(op, akte.KindOther, "", err)
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, fsError(op, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fsError(op, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, akte.E(op, akte.KindNotFound, "", fmt.Errorf("%s is a directory", key))
	}
	return f, nil
}

// Size implements akte.BlobStore.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	const op = "disk.size"
	if err := blob.CheckKey(op, key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, akte.E(op, akte.KindOther, "", err)
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return 0, fsError(op, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, akte.E(op, akte.KindNotFound, "", fmt.Errorf("%s is a directory", key))
	}
	return fi.Size(), nil
}

// Delete implements akte.BlobStore. It also removes the parent directories
// that become empty, so that deleted records leave no trace in the tree.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "disk.delete"
	if err := blob.CheckKey(op, key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return akte.E(op, akte.KindOther, "", err)
	}
	fi, err := s.root.Lstat(key)
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return fsError(op, err)
	}
	if fi.IsDir() {
		return nil // not an object; its children are
	}
	if err := s.root.Remove(key); err != nil && !isNotFound(err) {
		return fsError(op, err)
	}
	if err := s.syncDir(path.Dir(key)); err != nil && !isNotFound(err) {
		return fsError(op, err)
	}
	// Remove fails on a directory that is not empty, which ends the loop;
	// a Put racing with this retries its rename.
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List implements akte.BlobStore.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	const op = "disk.list"
	if err := blob.CheckPrefix(op, prefix); err != nil {
		return nil, err
	}
	// Walk only the deepest directory that the prefix names in full.
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i]
	}
	var keys []string
	err := fs.WalkDir(s.root.FS(), start, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if name == start && isNotFound(err) {
				return fs.SkipAll
			}
			if isNotFound(err) {
				return nil // deleted while we walk
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if name == start {
			return nil
		}
		// Skip the temporary directory and anything else that cannot be
		// an object, such as lost+found at the root of a file system.
		if blob.CheckKey(op, name) != nil {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasPrefix(name, prefix) {
			keys = append(keys, name)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, akte.E(op, akte.KindOther, "", err)
		}
		return nil, fsError(op, err)
	}
	// WalkDir sorts by file name within each directory, which is not the
	// order of keys: "a.b" sorts before "a/b" but "a" before "a.b".
	slices.Sort(keys)
	return keys, nil
}

// placeError classifies an error from creating the parent directories of
// an object or renaming it into place.
func placeError(op string, err error) error {
	if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) {
		return akte.E(op, akte.KindConflict, "blob key collides with a path of another key", err)
	}
	return fsError(op, err)
}

// fsError classifies a file system error. A path through a file ("a/b"
// where "a" is an object) counts as missing.
func fsError(op string, err error) error {
	switch {
	case isNotFound(err):
		return akte.E(op, akte.KindNotFound, "", err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return akte.E(op, akte.KindUnavailable, "", err)
	}
	return akte.E(op, akte.KindInternal, "", err)
}

func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// ctxReader stops a copy when ctx ends and marks the reader's own errors,
// so that Put can tell them from errors of the file system.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, &readError{err}
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}
