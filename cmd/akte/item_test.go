package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The end-to-end tests of documents: upload, list, download, delete,
// quota, through the real binary.

// writeRandom writes n deterministic pseudo-random bytes to path and
// returns their SHA-256, streaming (never holding the file in memory).
func writeRandom(t *testing.T, path string, n int64, seed uint64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 1})
	if _, err := io.CopyN(io.MultiWriter(f, h), r, n); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

type lsItem struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Size     int64  `json:"size"`
	Created  string `json:"created"`
	Date     string `json:"date"`
	Source   string `json:"source"`
	Comment  string `json:"comment"`
	FileName string `json:"file_name"`
	// MediaType is application/vnd.akte.dicom-study for a study.
	MediaType string `json:"media_type"`
	Replaces  string `json:"replaces"`
	Version   int64  `json:"version"`
	Problem   string `json:"problem"`
}

func (u *user) upload(path string, args ...string) string {
	u.t.Helper()
	var res []struct {
		ID string `json:"id"`
	}
	u.okJSON(&res, append([]string{"upload", path}, args...)...)
	if len(res) != 1 || res[0].ID == "" {
		u.t.Fatalf("upload --json = %+v", res)
	}
	return res[0].ID
}

func (u *user) ls(args ...string) []lsItem {
	u.t.Helper()
	var out []lsItem
	u.okJSON(&out, append([]string{"ls"}, args...)...)
	return out
}

func TestDocumentRoundTrip(t *testing.T) {
	// Small chunks, so that chunk boundaries are crossed by small files.
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	const seg = 1 << 20
	sizes := []int64{0, 1, seg - 1, seg, seg + 1, 3*seg + 77, 50 << 20}
	ids := map[string]string{}
	sums := map[string]string{}
	for i, n := range sizes {
		p := filepath.Join(dir, fmt.Sprintf("file-%d.bin", n))
		sums[p] = writeRandom(t, p, n, uint64(i))
		id := alice.upload(p, "--category", "findings", "--title", fmt.Sprintf("Befund %d", n), "--date", "2024-05-01", "--source", "Dr. Müller", "--comment", "nüchtern")
		ids[p] = id
	}
	items := alice.ls()
	if len(items) != len(sizes) {
		t.Fatalf("ls: %d items, want %d: %+v", len(items), len(sizes), items)
	}
	byID := map[string]lsItem{}
	for _, it := range items {
		byID[it.ID] = it
	}
	for p, id := range ids {
		it := byID[id]
		fi, _ := os.Stat(p)
		if it.Size != fi.Size() || it.Category != "findings" || !strings.HasPrefix(it.Title, "Befund ") || it.Date != "2024-05-01" ||
			it.Source != "Dr. Müller" || it.Comment != "nüchtern" || it.FileName != filepath.Base(p) || it.Created == "" {
			t.Errorf("ls entry of %s = %+v", p, it)
		}
		out := filepath.Join(dir, "out-"+id)
		alice.ok("get", id, "-o", out)
		if got := fileSum(t, out); got != sums[p] {
			t.Errorf("%s: downloaded sha256 %s, want %s", p, got, sums[p])
		}
		os.Remove(out)
	}
	if got := alice.ls("--category", "letters"); len(got) != 0 {
		t.Errorf("ls --category letters = %+v", got)
	}

	// A new version keeps the old one.
	p := filepath.Join(dir, "file-1.bin")
	old := ids[p]
	v2 := alice.upload(p, "--category", "findings", "--title", "Befund 1 korrigiert", "--replaces", old)
	items = alice.ls("--category", "findings")
	if len(items) != len(sizes)+1 {
		t.Fatalf("after new version: %d items", len(items))
	}
	for _, it := range items {
		if it.ID == v2 && it.Replaces != old {
			t.Errorf("new version replaces %q, want %q", it.Replaces, old)
		}
	}

	// Deletion removes the ciphertext from the blob store.
	big := ids[filepath.Join(dir, fmt.Sprintf("file-%d.bin", 50<<20))]
	before := blobsSize(srv)
	alice.ok("rm", big)
	after := blobsSize(srv)
	if before-after < 50<<20 {
		t.Errorf("rm freed %d bytes of blobs, want at least 50 MiB", before-after)
	}
	if m := alice.fails("get", big, "-o", filepath.Join(dir, "gone")); !says(m, "item_not_found", nil) {
		t.Errorf("get of deleted item: %q", m)
	}
	if chunks := blobKeys(srv, big); len(chunks) != 0 {
		t.Errorf("blobs of deleted item remain: %v", chunks)
	}

	// A folder uploads its files.
	folder := filepath.Join(dir, "ordner")
	os.MkdirAll(folder, 0o700)
	writeRandom(t, filepath.Join(folder, "a.pdf"), 1000, 9)
	writeRandom(t, filepath.Join(folder, "b.pdf"), 2000, 10)
	var res []struct{ ID string }
	alice.okJSON(&res, "upload", folder, "--category", "letters")
	if len(res) != 2 || len(alice.ls("--category", "letters")) != 2 {
		t.Errorf("folder upload: %+v", res)
	}

	// Another user sees none of it.
	bob := newUser(t, srv, "bob@example.org")
	bob.register("K220635158")
	bob.login()
	if got := bob.ls(); len(got) != 0 {
		t.Errorf("bob sees %d items", len(got))
	}
	if m := bob.fails("get", old, "-o", filepath.Join(dir, "stolen")); !says(m, "item_not_found", nil) {
		t.Errorf("bob get alice's item: %q", m)
	}
	bob.fails("rm", old)
}

func TestDocumentQuota(t *testing.T) {
	srv := startServer(t, "", []string{"--quota", "3MiB"})
	alice := newUser(t, srv, "alice@example.org")
	alice.register(testKVNR)
	alice.login()
	dir := t.TempDir()
	p := filepath.Join(dir, "two.bin")
	writeRandom(t, p, 2<<20, 1)
	alice.upload(p, "--category", "private")
	msg := alice.fails("upload", p, "--category", "private")
	if !says(msg, "quota_exceeded", nil) || !strings.Contains(msg, " 1 MB") {
		t.Errorf("over quota: %q", msg)
	}
	// Nothing of the refused upload was stored.
	if n := len(srv.chunkBlobs()); n != 1 {
		t.Errorf("%d chunk blobs after the refused upload, want 1", n)
	}
	// The operator raises the quota; the event is recorded.
	admin := runAs(t, srv, append([]string{"admin", "quota", alice.Email, "10MiB", "--operator", "olga"}, srv.adminArgs()...)...)
	if !strings.Contains(admin, "Kontingent 10,5 MB") {
		t.Errorf("admin quota: %q", admin)
	}
	alice.upload(p, "--category", "private")
	var q struct {
		Quota int64 `json:"quota"`
		Used  int64 `json:"used"`
	}
	alice.okJSON(&q, "quota")
	if q.Quota != 10<<20 || q.Used < 4<<20 {
		t.Errorf("quota = %+v", q)
	}
}

// runAs runs a command of the binary (an operator's) and returns stdout.
func runAs(t *testing.T, srv *server, args ...string) string {
	t.Helper()
	u := &user{t: t, srv: srv, Home: t.TempDir()}
	return u.ok(args...)
}

// blobsSize is the size of every blob the server holds.
func blobsSize(srv *server) int64 {
	var n int64
	for _, b := range srv.blobs("") {
		n += b.Size
	}
	return n
}

// blobKeys lists the chunk blobs of an item.
func blobKeys(srv *server, item string) []string {
	var keys []string
	for k := range srv.chunkBlobs() {
		if strings.Split(k, "/")[3] == item {
			keys = append(keys, k)
		}
	}
	return keys
}

var _ = bytes.Equal
