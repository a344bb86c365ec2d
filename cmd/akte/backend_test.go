package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/akte/akte/internal/testsrv"
)

// The end-to-end suite runs against the embedded default (SQLite and a
// directory) or, with AKTE_TEST_BACKEND=postgres-s3, against PostgreSQL
// and an S3 server that the test process starts itself (internal/testsrv).
// Every data directory then gets a database and a bucket of its own, which
// a server started again on the same directory finds again.

// backendPostgresS3 is the value of AKTE_TEST_BACKEND for PostgreSQL + S3.
const backendPostgresS3 = "postgres-s3"

func usePostgresS3() bool { return os.Getenv("AKTE_TEST_BACKEND") == backendPostgresS3 }

// remote is a database and a bucket shared by the servers of one data
// directory (or by replicas).
type remote struct {
	DB       string // postgres://...
	Blobs    string // s3://BUCKET?endpoint=...
	endpoint string
	bucket   string
}

var remotes sync.Map // data directory -> *remote

// s3Env sets the S3 root credentials in this process's environment once,
// so that every child (servers, admin commands) inherits them the way an
// operator's environment would hold them.
var s3Env sync.Once

// newRemote creates a fresh database and bucket for t.
func newRemote(t *testing.T) *remote {
	t.Helper()
	db := testsrv.Postgres(t)
	endpoint, _, _, bucket := newRemoteS3(t)
	return &remote{DB: db, Blobs: "s3://" + bucket + "?endpoint=" + url.QueryEscape(endpoint), endpoint: endpoint, bucket: bucket}
}

// remoteFor returns the database and bucket of a data directory, creating
// them on first use.
func remoteFor(t *testing.T, data string) *remote {
	t.Helper()
	if r, ok := remotes.Load(data); ok {
		return r.(*remote)
	}
	r, _ := remotes.LoadOrStore(data, newRemote(t))
	return r.(*remote)
}

// backendArgs are the --db and --blobs flags of a remote (none for the
// default backend).
func (r *remote) args() []string {
	if r == nil {
		return nil
	}
	return []string{"--db", r.DB, "--blobs", r.Blobs}
}

// adminArgs are the flags an operator's command needs to open the same
// stores as the server.
func (s *server) adminArgs() []string {
	return append([]string{"--data", s.Data}, s.remote.args()...)
}

func (r *remote) client(t *testing.T) *minio.Client {
	t.Helper()
	u, _ := url.Parse(r.endpoint)
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// blob is one stored object as the tests see it.
type blob struct {
	Size int64
	// ID changes when the object is written again: the inode of a file;
	// for S3 the ETag and modification time (a weaker test: an object
	// written again with the same bytes within the same second looks the
	// same).
	ID string
}

// blobs lists the server's blob objects under prefix (a slash-separated
// key prefix such as "records/ID/"), by key.
func (s *server) blobs(prefix string) map[string]blob {
	s.t.Helper()
	out := map[string]blob{}
	if s.remote != nil {
		c := s.remote.client(s.t)
		for o := range c.ListObjects(context.Background(), s.remote.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err != nil {
				s.t.Fatalf("list bucket: %v", o.Err)
			}
			out[o.Key] = blob{Size: o.Size, ID: o.ETag + "@" + o.LastModified.Format(time.RFC3339Nano)}
		}
		return out
	}
	root := filepath.Join(s.Data, "blobs")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		key := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if strings.HasPrefix(key, "+") || !strings.HasPrefix(key, prefix) {
			return nil // the store's temporary files
		}
		out[key] = blob{Size: fi.Size(), ID: inode(fi)}
		return nil
	})
	return out
}

// chunkBlobs are the blobs of items' chunks: records/ACCOUNT/items/ITEM/N.
func (s *server) chunkBlobs() map[string]blob {
	out := map[string]blob{}
	for k, b := range s.blobs("records/") {
		if p := strings.Split(k, "/"); len(p) == 5 && p[2] == "items" {
			out[k] = b
		}
	}
	return out
}

// atRest calls f with every piece of data the server keeps at rest: each
// file of the data directory and, on PostgreSQL + S3, a plain dump of the
// database and each object of the bucket. Stop the server first, so that
// SQLite's WAL is checkpointed into the database file.
func (s *server) atRest(f func(name string, b []byte)) int {
	s.t.Helper()
	n := 0
	filepath.Walk(s.Data, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			s.t.Fatal(err)
		}
		n++
		f(path, b)
		return nil
	})
	if s.remote == nil {
		return n
	}
	f("pg_dump", pgDump(s.t, s.remote.DB))
	n++
	c := s.remote.client(s.t)
	for k := range s.blobs("") {
		o, err := c.GetObject(context.Background(), s.remote.bucket, k, minio.GetObjectOptions{})
		if err != nil {
			s.t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(o); err != nil {
			s.t.Fatalf("read %s: %v", k, err)
		}
		o.Close()
		f("s3:"+k, buf.Bytes())
		n++
	}
	return n
}

// pgDump returns a plain SQL dump of the database, data included.
func pgDump(t *testing.T, db string) []byte {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	if len(bins) == 0 {
		t.Fatal("no pg_dump under /usr/lib/postgresql/*/bin")
	}
	sort.Strings(bins)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bins[len(bins)-1], "--dbname", db, "--no-owner")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, errb.String())
	}
	if !bytes.Contains(out.Bytes(), []byte("COPY public.accounts")) {
		t.Fatalf("pg_dump has no accounts:\n%.2000s", out.String())
	}
	return out.Bytes()
}

func inode(fi os.FileInfo) string {
	return strconv.FormatUint(fi.Sys().(*syscall.Stat_t).Ino, 10)
}

// unfinishedBlobs counts what a killed blob write may leave: temporary
// files of the directory store, multipart uploads that were neither
// completed nor aborted on S3.
func (s *server) unfinishedBlobs() int {
	s.t.Helper()
	if s.remote == nil {
		tmp, _ := os.ReadDir(filepath.Join(s.Data, "blobs", "+tmp"))
		return len(tmp)
	}
	n := 0
	for u := range s.remote.client(s.t).ListIncompleteUploads(context.Background(), s.remote.bucket, "", true) {
		if u.Err != nil {
			s.t.Fatalf("list multipart uploads: %v", u.Err)
		}
		n++
	}
	return n
}
