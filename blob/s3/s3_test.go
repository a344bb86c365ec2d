package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/akte/akte"
	"github.com/akte/akte/blob/blobtest"
	"github.com/akte/akte/blob/s3"
	"github.com/akte/akte/internal/testsrv"
)

func TestMain(m *testing.M) { os.Exit(testsrv.Run(m)) }

// bucket is a new bucket on the test server.
type bucket struct {
	endpoint, access, secret, name string
}

func newBucket(t testing.TB) bucket {
	var b bucket
	b.endpoint, b.access, b.secret, b.name = testsrv.S3(t)
	return b
}

func (b bucket) url(query string) string {
	return fmt.Sprintf("s3://%s?endpoint=%s%s", b.name, b.endpoint, query)
}

// open opens the bucket; query is added to the URL.
func (b bucket) open(t testing.TB, query string) *s3.Store {
	t.Helper()
	s, err := s3.Open(t.Context(), b.url(query), b.access, b.secret)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// client is a plain minio-go client of the bucket's server, to look behind
// the Store's back.
func (b bucket) client(t testing.TB) *minio.Client {
	t.Helper()
	u, err := url.Parse(b.endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(b.access, b.secret, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// smallParts makes objects over 5 MiB go up in several parts.
const smallParts = "&part_size=5242880"

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) akte.BlobStore {
		return newBucket(t).open(t, smallParts)
	})
}

func TestConformanceDefaultPartSize(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) akte.BlobStore { return newBucket(t).open(t, "") })
}

// checkNothing checks that the bucket has neither objects nor incomplete
// multipart uploads.
func checkNothing(t *testing.T, b bucket, s *s3.Store) {
	t.Helper()
	if keys, err := s.List(t.Context(), ""); err != nil || len(keys) != 0 {
		t.Errorf("List = %q, %v; want nothing", keys, err)
	}
	for u := range b.client(t).ListIncompleteUploads(t.Context(), b.name, "", true) {
		if u.Err != nil {
			t.Fatalf("ListIncompleteUploads: %v", u.Err)
		}
		t.Errorf("incomplete upload of %s left behind (id %s)", u.Key, u.UploadID)
	}
}

var errBroken = errors.New("broken reader")

// failingReader yields n random bytes, then fails with err.
type failingReader struct {
	r   io.Reader
	err error
}

func newFailingReader(n int64, err error) io.Reader {
	return &failingReader{io.LimitReader(rand.NewChaCha8([32]byte{1}), n), err}
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

// TestMultipartAborted checks that a multipart upload whose reader fails,
// or whose context ends, after some parts went up leaves nothing behind:
// no object and no incomplete upload.
func TestMultipartAborted(t *testing.T) {
	b := newBucket(t)
	s := b.open(t, smallParts)
	if _, err := s.Put(t.Context(), "fails/late", newFailingReader(12<<20, errBroken)); !errors.Is(err, errBroken) {
		t.Errorf("Put with a reader failing after 12 MiB: %v, want %v", err, errBroken)
	}

	ctx, cancel := context.WithCancel(t.Context())
	r := io.MultiReader(newFailingReader(12<<20, io.EOF), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, nil
	}), newFailingReader(1<<20, io.EOF))
	if _, err := s.Put(ctx, "cancel/late", r); !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled after 12 MiB: %v, want context.Canceled", err)
	}
	checkNothing(t, b, s)
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// TestMultipartInvisible checks that the parts of an upload in progress do
// not show as an object.
func TestMultipartInvisible(t *testing.T) {
	b := newBucket(t)
	s := b.open(t, smallParts)
	release := make(chan struct{})
	started := make(chan struct{})
	r := io.MultiReader(newFailingReader(11<<20, io.EOF), readerFunc(func([]byte) (int, error) {
		close(started)
		<-release
		return 0, io.EOF
	}))
	done := make(chan error, 1)
	go func() {
		_, err := s.Put(context.Background(), "big", r)
		done <- err
	}()
	<-started // two parts are up or going up
	if _, err := s.Size(t.Context(), "big"); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("Size during the upload: %v, want KindNotFound", err)
	}
	if keys, err := s.List(t.Context(), ""); err != nil || len(keys) != 0 {
		t.Errorf("List during the upload = %q, %v; want nothing", keys, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Put: %v", err)
	}
	if n, err := s.Size(t.Context(), "big"); err != nil || n != 11<<20 {
		t.Errorf("Size = %d, %v; want %d", n, err, 11<<20)
	}
}

// TestCollision checks the Kind of a key that a file system underneath
// cannot hold next to another.
func TestCollision(t *testing.T) {
	s := newBucket(t).open(t, "")
	put := func(key string) error {
		_, err := s.Put(t.Context(), key, strings.NewReader(key))
		return err
	}
	if err := put("a/b"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a", "a/b/c"} {
		if err := put(key); !akte.Is(err, akte.KindConflict) {
			t.Errorf("Put(%s) next to a/b: %v, want KindConflict", key, err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	b := newBucket(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tests := []struct {
		name   string
		url    string
		secret string
		kind   akte.Kind
	}{
		{"no endpoint", "s3://" + b.name, b.secret, akte.KindInvalid},
		{"wrong scheme", "s4://" + b.name + "?endpoint=" + b.endpoint, b.secret, akte.KindInvalid},
		{"path", "s3://" + b.name + "/x?endpoint=" + b.endpoint, b.secret, akte.KindInvalid},
		{"endpoint scheme", "s3://" + b.name + "?endpoint=ftp://127.0.0.1:1", b.secret, akte.KindInvalid},
		{"credentials in url", "s3://x:" + b.secret + "@" + b.name + "?endpoint=" + b.endpoint, b.secret, akte.KindInvalid},
		{"credentials in endpoint", "s3://" + b.name + "?endpoint=http://x:" + b.secret + "@127.0.0.1:1", b.secret, akte.KindInvalid},
		{"bad escape", "s3://" + b.name + "%zz?endpoint=http://x:" + b.secret + "@127.0.0.1:1", b.secret, akte.KindInvalid},
		{"part size", b.url("&part_size=1000"), b.secret, akte.KindInvalid},
		{"no such bucket", "s3://akte-no-such-bucket?endpoint=" + b.endpoint, b.secret, akte.KindInvalid},
		{"unreachable", "s3://" + b.name + "?endpoint=http://" + closed, b.secret, akte.KindUnavailable},
		{"wrong secret", b.url(""), "wrong-" + b.secret, akte.KindInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := s3.Open(t.Context(), tt.url, b.access, tt.secret)
			if !akte.Is(err, tt.kind) {
				t.Errorf("Open: %v, want %s", err, tt.kind)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("Open took %v", took)
			}
			if err != nil && strings.Contains(err.Error(), b.secret) {
				t.Errorf("error contains the secret key: %v", err)
			}
		})
	}
}

// TestServerGone checks that every method reports KindUnavailable, soon,
// when the server cannot be reached.
func TestServerGone(t *testing.T) {
	b := newBucket(t)
	// A proxy that can be cut stands for the server.
	target := strings.TrimPrefix(b.endpoint, "http://")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	cut := func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	defer cut()
	b.endpoint = "http://" + l.Addr().String()
	s := b.open(t, "")
	if _, err := s.Put(t.Context(), "x", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	cut()
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Put", func(ctx context.Context) error { _, err := s.Put(ctx, "y", strings.NewReader("y")); return err }},
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, "x"); return err }},
		{"Size", func(ctx context.Context) error { _, err := s.Size(ctx, "x"); return err }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, "x") }},
		{"List", func(ctx context.Context) error { _, err := s.List(ctx, ""); return err }},
	}
	for _, c := range calls {
		start := time.Now()
		if err := c.call(context.Background()); !akte.Is(err, akte.KindUnavailable) {
			t.Errorf("%s without a server: %v, want KindUnavailable", c.name, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %v", c.name, took)
		}
	}
}

// BenchmarkPut measures Put throughput; sizes below and above the part
// size take the single-request and the multipart path.
func BenchmarkPut(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"1MiB", 1 << 20}, {"64MiB", 64 << 20}} {
		b.Run(size.name, func(b *testing.B) {
			s := newBucket(b).open(b, "")
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
