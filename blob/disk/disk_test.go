package disk

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/blobtest"
)

func mustOpen(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) akte.BlobStore {
		return mustOpen(t, t.TempDir())
	})
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir)
	ctx := context.Background()
	if _, err := s.Put(ctx, "kept/obj", bytes.NewReader([]byte("kept"))); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// What a crash between create and rename leaves behind.
	leftover := filepath.Join(dir, tmpDir, "0123456789abcdef01234567")
	if err := os.WriteFile(leftover, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, dir)
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file after Open: stat error = %v, want not exist", err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil || len(entries) != 0 {
		t.Errorf("temporary directory after Open: %v, %v; want empty", entries, err)
	}
	keys, err := s.List(ctx, "")
	if err != nil || !slices.Equal(keys, []string{"kept/obj"}) {
		t.Errorf("List after reopen = %q, %v; want [kept/obj]", keys, err)
	}
}

func TestLayout(t *testing.T) {
	// Operators back up and inspect the directory, so the mapping from
	// keys to files is part of the contract.
	dir := t.TempDir()
	s := mustOpen(t, dir)
	ctx := context.Background()
	if _, err := s.Put(ctx, "records/r1/items/i1", bytes.NewReader([]byte("ciphertext"))); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "records", "r1", "items", "i1"))
	if err != nil || string(b) != "ciphertext" {
		t.Fatalf("object file = %q, %v", b, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "records", "r1", "items", "i1"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("object file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if err := s.Delete(ctx, "records/r1/items/i1"); err != nil {
		t.Fatal(err)
	}
	// Emptied parents go too.
	if _, err := os.Stat(filepath.Join(dir, "records")); !os.IsNotExist(err) {
		t.Errorf("empty parent after Delete: stat error = %v, want not exist", err)
	}
}

func TestCollision(t *testing.T) {
	s := mustOpen(t, t.TempDir())
	ctx := context.Background()
	put := func(key string) error {
		_, err := s.Put(ctx, key, bytes.NewReader([]byte(key)))
		return err
	}
	if err := put("a/b"); err != nil {
		t.Fatal(err)
	}
	if err := put("a"); !akte.Is(err, akte.KindConflict) {
		t.Errorf("Put(a) over directory a/ = %v, want KindConflict", err)
	}
	if err := put("a/b/c"); !akte.Is(err, akte.KindConflict) {
		t.Errorf("Put(a/b/c) below object a/b = %v, want KindConflict", err)
	}
	if err := put("a/b/c/d"); !akte.Is(err, akte.KindConflict) {
		t.Errorf("Put(a/b/c/d) below object a/b = %v, want KindConflict", err)
	}
	if keys, _ := s.List(ctx, ""); !slices.Equal(keys, []string{"a/b"}) {
		t.Errorf("List = %q, want [a/b]", keys)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.root.Name(), tmpDir)); len(entries) != 0 {
		t.Errorf("temporary files left after failed Puts: %v", entries)
	}
}

func TestSymlinkEscape(t *testing.T) {
	// Keys cannot name a path outside the directory, and os.Root keeps a
	// symbolic link planted inside it from leading out.
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip(err)
	}
	s := mustOpen(t, dir)
	ctx := context.Background()
	if rc, err := s.Get(ctx, "link/secret"); err == nil {
		rc.Close()
		t.Errorf("Get through a symbolic link out of the store succeeded")
	}
	if _, err := s.Put(ctx, "link/new", bytes.NewReader([]byte("x"))); err == nil {
		t.Errorf("Put through a symbolic link out of the store succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !os.IsNotExist(err) {
		t.Errorf("Put wrote outside the store")
	}
}

// BenchmarkPut measures a Put, including its fsyncs; compare with
// BenchmarkRawWrite, which writes and fsyncs one file in place.
func BenchmarkPut(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1MiB", 1 << 20}, {"64MiB", 64 << 20}} {
		b.Run(size.name, func(b *testing.B) {
			s := mustOpen(b, b.TempDir())
			buf := bytes.Repeat([]byte{0xa5}, size.n)
			r := bytes.NewReader(buf)
			ctx := context.Background()
			b.SetBytes(int64(size.n))
			for b.Loop() {
				r.Reset(buf)
				if _, err := s.Put(ctx, "bench/obj", r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawWrite(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1MiB", 1 << 20}, {"64MiB", 64 << 20}} {
		b.Run(size.name, func(b *testing.B) {
			name := filepath.Join(b.TempDir(), "obj")
			buf := bytes.Repeat([]byte{0xa5}, size.n)
			b.SetBytes(int64(size.n))
			for b.Loop() {
				f, err := os.Create(name)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(buf); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
