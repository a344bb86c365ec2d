package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akte/akte/internal/evilproxy"
	"github.com/akte/akte/seal"
)

// TestDownloadResumeE2E: `akte get` whose connection is cut in the middle
// resumes with a Range request; the file is byte-identical.
func TestDownloadResumeE2E(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	u := newUser(t, srv, "dora@example.org")
	u.register(testKVNR)
	u.login()
	dir := t.TempDir()
	in := filepath.Join(dir, "ct.bin")
	sum := writeRandom(t, in, 6<<20+123, 7)
	id := u.upload(in, "--category", "images")

	p, evil := srv.evil()
	rule(t, p, evilproxy.Rule{Method: "GET", Path: `/api/v1/records/[a-z0-9]+/items/[a-z0-9]+/content`, CutAfter: 3<<20 + 1000, Times: 1})
	via := *u
	via.srv = evil
	out := filepath.Join(dir, "back.bin")
	via.ok("get", id, "-o", out)
	if fileSum(t, out) != sum {
		t.Fatal("the resumed download differs from the file")
	}
	var gets int
	for _, r := range p.Requests() {
		if strings.HasSuffix(r.Path, "/content") {
			gets++
		}
	}
	if gets != 2 {
		t.Errorf("%d content requests, want the cut one and its resumption", gets)
	}
}

// TestUploadChangedAfterLostAnswer: an upload interrupted while a chunk's
// answer is lost (the server stored the chunk), resumed on a file changed
// inside that chunk with its size and modification time restored, starts
// over under a new key and says so; the stored item is the new file, and
// no two chunk bodies the server received share a key and nonces.
func TestUploadChangedAfterLostAnswer(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "", []string{"--chunk-size", "1MiB"})
	u := newUser(t, srv, "emil@example.org")
	u.register(testKVNR)
	u.login()
	p, evil := srv.evil()
	via := *u
	via.srv = evil
	dir := t.TempDir()
	path := filepath.Join(dir, "scan.bin")
	writeRandom(t, path, 5<<20+99, 8)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"upload", path, "--category", "images", "--json"}

	// Chunk 2 reaches the server, its answer does not.
	rule(t, p, evilproxy.Rule{Method: "PUT", Path: `/api/v1/records/[a-z0-9]+/uploads/[a-z0-9]+/chunks/2`, Hangup: true})
	if _, errs, code := via.run("", []string{"AKTE_RETRIES=1"}, args...); code == 0 {
		t.Fatal("the upload succeeded without answers")
	} else {
		t.Logf("first attempt: %s", strings.TrimSpace(errs))
	}
	if len(srv.chunkBlobs()) < 3 {
		t.Fatalf("chunk 2 was not stored: %d chunks", len(srv.chunkBlobs()))
	}
	first := p.Requests()
	p.Reset()
	p.ClearRequests()

	// The file changes inside chunk 2; size and time are restored.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[2<<20+500:], "eine Änderung in Teil 2")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, time.Time{}, fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	out, errs, code := via.run("", nil, args...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "unter einem neuen Schlüssel von vorn hochgeladen") {
		t.Errorf("no word of starting over: %q", errs)
	}
	var res []struct{ ID string }
	jsonUnmarshal(out, &res)
	got := filepath.Join(dir, "back.bin")
	u.ok("get", res[0].ID, "-o", got)
	if fileSum(t, got) != fileSum(t, path) {
		t.Fatal("the stored item is not the new file")
	}
	if ls := u.ls(); len(ls) != 1 {
		t.Errorf("ls: %+v", ls)
	}
	// Every chunk body's stream position is encrypted under one (key,
	// nonce) once: chunk 0 of each attempt opens with its own header, and
	// no two bodies of the same chunk number agree where they differ in
	// plaintext.
	bodies := map[string][][]byte{}
	for _, r := range append(first, p.Requests()...) {
		if r.Method == "PUT" {
			n := r.Path[strings.LastIndex(r.Path, "/")+1:]
			bodies[n] = append(bodies[n], r.Body)
		}
	}
	headers := map[string]bool{}
	for _, b := range bodies["0"] {
		h := string(b[:seal.StreamHeaderSize])
		if headers[h] {
			t.Fatal("two uploads of chunk 0 share a stream header: same key and nonces")
		}
		headers[h] = true
	}
	if len(headers) != 2 {
		t.Errorf("%d stream headers, want one per attempt", len(headers))
	}
	for n, bs := range bodies {
		for i := range bs {
			for j := range i {
				if len(bs[i]) == len(bs[j]) && !bytes.Equal(bs[i], bs[j]) && bytes.Equal(bs[i][:64], bs[j][:64]) {
					t.Errorf("chunk %s: two different bodies begin alike (reused nonces)", n)
				}
			}
		}
	}
}
