package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestBackupE2E: `akte admin backup DIR` copies the embedded default while
// the server runs; a server started on the copy serves the same document
// to the same session; backups older than 32 days in DIR go, younger ones
// stay. With PostgreSQL + S3 it refuses (their own tools back them up).
func TestBackupE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", nil)
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	doc := filepath.Join(t.TempDir(), "befund.pdf")
	writeRandom(t, doc, 700<<10, 5)
	id := alice.upload(doc, "--category", "findings", "--title", "Befund")

	dir := t.TempDir()
	stamp := func(d time.Duration) string { return "akte-" + time.Now().UTC().Add(-d).Format("20060102T150405Z") }
	old, young := stamp(33*24*time.Hour), stamp(24*time.Hour)
	for _, n := range []string{old, young} {
		if err := os.Mkdir(filepath.Join(dir, n), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	args := append([]string{"admin", "backup", dir, "--json"}, srv.adminArgs()...)
	if usePostgresS3() {
		if msg := alice.fails(args...); !says(msg, "backup_external", nil) {
			t.Fatalf("backup with PostgreSQL + S3: %q", msg)
		}
		return
	}
	if msg := alice.fails(append(args, "--keep", "33")...); !says(msg, "backup_keep_invalid", map[string]any{"max": 32}) {
		t.Fatalf("--keep 33: %q", msg)
	}
	var res struct {
		Backup  string   `json:"backup"`
		Files   int      `json:"files"`
		Removed []string `json:"removed"`
	}
	alice.okJSON(&res, args...)
	if !slices.Equal(res.Removed, []string{old}) || res.Files < 2 {
		t.Fatalf("backup: %+v, want %s removed", res, old)
	}
	if _, err := os.Stat(filepath.Join(dir, young)); err != nil {
		t.Fatalf("the younger backup went: %v", err)
	}

	// Restore: a server on a copy of the backup, the same session.
	data := t.TempDir()
	if err := os.CopyFS(data, os.DirFS(res.Backup)); err != nil {
		t.Fatal(err)
	}
	restored := *alice
	restored.srv = startServer(t, data, nil)
	out := filepath.Join(t.TempDir(), "back.pdf")
	restored.ok("get", id, "-o", out)
	if fileSum(t, out) != fileSum(t, doc) {
		t.Fatal("the restored document differs")
	}
}
