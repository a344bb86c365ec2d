// Package blobtest is the conformance suite for akte.BlobStore: a backend is
// correct when Run passes against it.
//
// The suite sees a backend only through the interface, so it makes no
// assumption about files, buckets or servers; an S3 backend runs it
// unchanged against a real server.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/blob"
)

// Run tests the contract of akte.BlobStore. newBlobs must return an empty
// store, and a different one on every call (a fresh directory, bucket or
// key prefix); it is called once for each subtest and should register its
// own cleanup with t.Cleanup.
//
// Beyond the interface's comments, Run pins down these details:
//   - keys obey blob.CheckKey and list prefixes blob.CheckPrefix, else
//     KindInvalid, before anything else happens;
//   - when the reader given to Put fails, Put's error wraps the reader's
//     error (errors.Is finds it), and when ctx ends it wraps ctx.Err();
//   - List's prefix matches bytes, not segments: "a/b" finds "a/bc";
//     it returns an empty result, not an error, when nothing matches;
//   - a reader returned by Get yields one complete version of the object
//     even if a Put replaces it while it is being read.
//
// Run does not say whether "a" and "a/b" may both be objects: object
// stores allow it, file systems do not, and the service avoids it.
func Run(t *testing.T, newBlobs func(t *testing.T) akte.BlobStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, bs akte.BlobStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"ValidKeys", testValidKeys},
		{"Replace", testReplace},
		{"ReaderFails", testReaderFails},
		{"LengthReader", testLengthReader},
		{"Canceled", testCanceled},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"List", testList},
		{"ListDuringPut", testListDuringPut},
		{"InvalidKeys", testInvalidKeys},
		{"ConcurrentKeys", testConcurrentKeys},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"ReadWhileReplaced", testReadWhileReplaced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newBlobs(t))
		})
	}
}

// data returns a reader of n pseudo-random bytes determined by seed. It
// generates the bytes as they are read, so that large objects are never held
// in memory, and sum computes their digest the same way.
func data(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8(seedBytes(seed)), n)
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

func sum(seed uint64, n int64) [sha256.Size]byte {
	h := sha256.New()
	if _, err := io.Copy(h, data(seed, n)); err != nil {
		panic(err)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

func mustPut(t *testing.T, bs akte.BlobStore, key string, r io.Reader) int64 {
	t.Helper()
	n, err := bs.Put(context.Background(), key, r)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return n
}

func mustPutBytes(t *testing.T, bs akte.BlobStore, key string, b []byte) {
	t.Helper()
	if n := mustPut(t, bs, key, bytes.NewReader(b)); n != int64(len(b)) {
		t.Fatalf("Put(%q) = %d, want %d", key, n, len(b))
	}
}

func mustGet(t *testing.T, bs akte.BlobStore, key string) []byte {
	t.Helper()
	rc, err := bs.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return b
}

func mustList(t *testing.T, bs akte.BlobStore, prefix string) []string {
	t.Helper()
	keys, err := bs.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

// checkObject verifies size and content of key against data(seed, n),
// reading the object as a stream.
func checkObject(t *testing.T, bs akte.BlobStore, key string, seed uint64, n int64) {
	t.Helper()
	ctx := context.Background()
	size, err := bs.Size(ctx, key)
	if err != nil {
		t.Fatalf("Size(%q): %v", key, err)
	}
	if size != n {
		t.Errorf("Size(%q) = %d, want %d", key, size, n)
	}
	rc, err := bs.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	h := sha256.New()
	got, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	if got != n {
		t.Fatalf("Get(%q) read %d bytes, want %d", key, got, n)
	}
	if [sha256.Size]byte(h.Sum(nil)) != sum(seed, n) {
		t.Errorf("Get(%q): content differs from what was put", key)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("Get(%q): Close: %v", key, err)
	}
}

func checkMissing(t *testing.T, bs akte.BlobStore, key string) {
	t.Helper()
	ctx := context.Background()
	if rc, err := bs.Get(ctx, key); !akte.Is(err, akte.KindNotFound) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Get(%q) error = %v, want KindNotFound", key, err)
	}
	if _, err := bs.Size(ctx, key); !akte.Is(err, akte.KindNotFound) {
		t.Errorf("Size(%q) error = %v, want KindNotFound", key, err)
	}
}

func checkList(t *testing.T, bs akte.BlobStore, prefix string, want ...string) {
	t.Helper()
	got := mustList(t, bs, prefix)
	if len(got) != len(want) || (len(got) > 0 && !slices.Equal(got, want)) {
		t.Errorf("List(%q) = %q, want %q", prefix, got, want)
	}
}

func testRoundTrip(t *testing.T, bs akte.BlobStore) {
	// 5 MiB + 17 is larger than any sensible copy buffer or upload part
	// and not a multiple of one.
	for i, n := range []int64{0, 1, 5<<20 + 17} {
		key := fmt.Sprintf("round/trip-%d", n)
		seed := uint64(100 + i)
		got, err := bs.Put(context.Background(), key, data(seed, n))
		if err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
		if got != n {
			t.Errorf("Put(%q) = %d, want %d", key, got, n)
		}
		checkObject(t, bs, key, seed, n)
	}
	checkList(t, bs, "", "round/trip-0", "round/trip-1", "round/trip-5242897")
}

func testValidKeys(t *testing.T, bs akte.BlobStore) {
	seg := strings.Repeat("s", blob.MaxSegmentLen)
	long := strings.Repeat(strings.Repeat("s", 200)+"/", 5)
	long += strings.Repeat("l", blob.MaxKeyLen-len(long))
	keys := []string{
		"a",
		"0",
		"a-b_c.d",
		".hidden",
		"...",
		"x/y/z/deep/er/still/deeper",
		seg,
		long,
	}
	for i, key := range keys {
		mustPutBytes(t, bs, key, []byte{byte(i)})
	}
	for i, key := range keys {
		if got := mustGet(t, bs, key); !bytes.Equal(got, []byte{byte(i)}) {
			t.Errorf("Get(%.40q) = %v, want %v", key, got, []byte{byte(i)})
		}
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	checkList(t, bs, "", want...)
}

func testReplace(t *testing.T, bs akte.BlobStore) {
	const key = "replace/me"
	mustPut(t, bs, key, data(1, 300<<10))
	mustPut(t, bs, key, data(2, 100<<10)) // shorter: no old tail may remain
	checkObject(t, bs, key, 2, 100<<10)
	mustPut(t, bs, key, data(3, 200<<10))
	checkObject(t, bs, key, 3, 200<<10)
	mustPut(t, bs, key, data(4, 0))
	checkObject(t, bs, key, 4, 0)
	checkList(t, bs, "", key)
}

var errBroken = errors.New("blobtest: broken reader")

// brokenReader yields n bytes of data and then fails.
type brokenReader struct{ r io.Reader }

func newBrokenReader(n int64) io.Reader {
	return &brokenReader{data(7, n)}
}

func (b *brokenReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

func testReaderFails(t *testing.T, bs akte.BlobStore) {
	ctx := context.Background()
	for _, n := range []int64{0, 1, 2<<20 + 1} {
		key := fmt.Sprintf("broken/new-%d", n)
		if _, err := bs.Put(ctx, key, newBrokenReader(n)); !errors.Is(err, errBroken) {
			t.Errorf("Put(%q) with failing reader: error = %v, want one wrapping %v", key, err, errBroken)
		}
		checkMissing(t, bs, key)

		key = fmt.Sprintf("broken/old-%d", n)
		mustPut(t, bs, key, data(8, 1000))
		if _, err := bs.Put(ctx, key, newBrokenReader(n)); !errors.Is(err, errBroken) {
			t.Errorf("Put(%q) with failing reader: error = %v, want one wrapping %v", key, err, errBroken)
		}
		checkObject(t, bs, key, 8, 1000)
	}
	checkList(t, bs, "", "broken/old-0", "broken/old-1", "broken/old-2097153")

	// A reader's error that carries a Kind keeps it, so that for example
	// a size limit surfaces as KindTooLarge.
	tooLarge := akte.E("limit", akte.KindTooLarge, "", nil)
	r := io.MultiReader(data(9, 1000), iotestErrReader(tooLarge))
	if _, err := bs.Put(ctx, "broken/kind", r); !akte.Is(err, akte.KindTooLarge) {
		t.Errorf("Put with reader failing KindTooLarge: error = %v, want KindTooLarge", err)
	}
	checkMissing(t, bs, "broken/kind")
}

// lengthReader is a reader that tells its length, as a chunk body does;
// a backend may stream it without buffering.
type lengthReader struct {
	io.Reader
	n int
}

func (l *lengthReader) Len() int { return l.n }

func testLengthReader(t *testing.T, bs akte.BlobStore) {
	ctx := context.Background()
	for _, n := range []int64{0, 1, 2<<20 + 1} {
		key := fmt.Sprintf("length/%d", n)
		if got := mustPut(t, bs, key, &lengthReader{data(14, n), int(n)}); got != n {
			t.Errorf("Put(%q) = %d, want %d", key, got, n)
		}
		checkObject(t, bs, key, 14, n)

		key = fmt.Sprintf("length/broken-%d", n)
		if _, err := bs.Put(ctx, key, &lengthReader{newBrokenReader(n), int(n) + 1}); !errors.Is(err, errBroken) {
			t.Errorf("Put(%q) with failing reader: error = %v, want one wrapping %v", key, err, errBroken)
		}
		checkMissing(t, bs, key)
	}
	checkList(t, bs, "", "length/0", "length/1", "length/2097153")
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func iotestErrReader(err error) io.Reader { return errReader{err} }

// cancelingReader yields data, cancels its context after the first
// cancelAt bytes and then goes on yielding, as a client's upload would that
// does not notice the cancellation.
type cancelingReader struct {
	r        io.Reader
	read     int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.read >= c.cancelAt {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

func testCanceled(t *testing.T, bs akte.BlobStore) {
	put := func(key string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := &cancelingReader{r: data(11, 4<<20), cancelAt: 256 << 10, cancel: cancel}
		if _, err := bs.Put(ctx, key, r); !errors.Is(err, context.Canceled) {
			t.Errorf("Put(%q) canceled midway: error = %v, want one wrapping context.Canceled", key, err)
		}
	}
	put("cancel/new")
	checkMissing(t, bs, "cancel/new")

	mustPut(t, bs, "cancel/old", data(12, 1000))
	put("cancel/old")
	checkObject(t, bs, "cancel/old", 12, 1000)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := bs.Put(ctx, "cancel/before", data(13, 10)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled context: error = %v, want one wrapping context.Canceled", err)
	}
	checkMissing(t, bs, "cancel/before")
	checkList(t, bs, "", "cancel/old")
}

func testNotFound(t *testing.T, bs akte.BlobStore) {
	checkMissing(t, bs, "missing")
	checkMissing(t, bs, "missing/deeper/key")
	mustPutBytes(t, bs, "present/key", []byte("x"))
	checkMissing(t, bs, "present/key2")
	checkMissing(t, bs, "present/ke")
	checkMissing(t, bs, "present") // a prefix of a key is not an object
	checkMissing(t, bs, "present/key/below")
}

func testDelete(t *testing.T, bs akte.BlobStore) {
	ctx := context.Background()
	mustPutBytes(t, bs, "d/a", []byte("a"))
	mustPutBytes(t, bs, "d/a.b", []byte("ab"))
	mustPutBytes(t, bs, "d/b/c", []byte("bc"))
	for range 2 { // the second time finds nothing to delete
		if err := bs.Delete(ctx, "d/a"); err != nil {
			t.Fatalf("Delete(d/a): %v", err)
		}
		checkMissing(t, bs, "d/a")
	}
	if err := bs.Delete(ctx, "never/was"); err != nil {
		t.Errorf("Delete(never/was) = %v, want nil", err)
	}
	if err := bs.Delete(ctx, "d"); err != nil {
		t.Errorf("Delete(d) of a prefix = %v, want nil", err)
	}
	if got := mustGet(t, bs, "d/a.b"); string(got) != "ab" {
		t.Errorf("Get(d/a.b) = %q after deleting d/a, want %q", got, "ab")
	}
	checkList(t, bs, "", "d/a.b", "d/b/c")

	if err := bs.Delete(ctx, "d/b/c"); err != nil {
		t.Fatalf("Delete(d/b/c): %v", err)
	}
	checkList(t, bs, "", "d/a.b")
	// A deleted key, and one whose parent was emptied, can be put again.
	mustPutBytes(t, bs, "d/b/c", []byte("again"))
	mustPutBytes(t, bs, "d/a", []byte("again"))
	checkList(t, bs, "d/", "d/a", "d/a.b", "d/b/c")
}

func testList(t *testing.T, bs akte.BlobStore) {
	keys := []string{
		"b",
		"a/b/c",
		"a/b/d",
		"a/bc",
		"a.b",
		"a-b/x",
		"a/b.e/f",
		"a/c",
		"z/y/x/w",
	}
	for _, k := range keys {
		mustPutBytes(t, bs, k, []byte(k))
	}
	// Sorted bytewise, as Go and S3 compare strings: '-' < '.' < '/'.
	checkList(t, bs, "", "a-b/x", "a.b", "a/b.e/f", "a/b/c", "a/b/d", "a/bc", "a/c", "b", "z/y/x/w")
	checkList(t, bs, "a", "a-b/x", "a.b", "a/b.e/f", "a/b/c", "a/b/d", "a/bc", "a/c")
	checkList(t, bs, "a/", "a/b.e/f", "a/b/c", "a/b/d", "a/bc", "a/c")
	checkList(t, bs, "a/b", "a/b.e/f", "a/b/c", "a/b/d", "a/bc")
	checkList(t, bs, "a/b/", "a/b/c", "a/b/d")
	checkList(t, bs, "a/b/c", "a/b/c")
	checkList(t, bs, "z/y/", "z/y/x/w")
	checkList(t, bs, "b", "b")
	checkList(t, bs, "c")
	checkList(t, bs, "c/d/")
	checkList(t, bs, "b/") // "b" is an object, not a prefix of one
	checkList(t, bs, "a/b/c/")

	for _, p := range []string{"/", "/a", "A", "a/B", "../", "a/../", "a//", `a\`, "a b"} {
		if _, err := bs.List(context.Background(), p); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("List(%q) error = %v, want KindInvalid", p, err)
		}
	}
}

// blockingReader yields some data and then blocks until released, so that
// a Put stays in progress while the test looks at the store.
type blockingReader struct {
	r       io.Reader
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.once.Do(func() { close(b.started) })
		<-b.release
	}
	return n, err
}

func testListDuringPut(t *testing.T, bs akte.BlobStore) {
	mustPutBytes(t, bs, "l/done", []byte("x"))
	br := &blockingReader{
		r:       data(21, 1<<20),
		started: make(chan struct{}),
		release: make(chan struct{}),
	}
	done := make(chan error, 1)
	go func() {
		_, err := bs.Put(context.Background(), "l/pending", br)
		done <- err
	}()
	released := false
	defer func() {
		if !released {
			close(br.release)
			<-done
		}
	}()
	<-br.started
	// The whole body has been read; nothing of it may show yet.
	checkList(t, bs, "", "l/done")
	checkList(t, bs, "l/", "l/done")
	checkMissing(t, bs, "l/pending")

	close(br.release)
	released = true
	if err := <-done; err != nil {
		t.Fatalf("Put(l/pending): %v", err)
	}
	checkList(t, bs, "", "l/done", "l/pending")
	checkObject(t, bs, "l/pending", 21, 1<<20)
}

func testInvalidKeys(t *testing.T, bs akte.BlobStore) {
	ctx := context.Background()
	keys := []string{
		"",
		".",
		"..",
		"../x",
		"a/..",
		"a/../b",
		"a/./b",
		"/a",
		"/",
		"A",
		"a/B",
		`a\b`,
		`..\x`,
		"a//b",
		"a/",
		"a b",
		"a\x00b",
		"a\nb",
		"ä",
		"a:b",
		"a*",
		strings.Repeat("a", blob.MaxSegmentLen+1),
		strings.Repeat("a/", blob.MaxKeyLen/2) + "a",
	}
	for _, key := range keys {
		if n, err := bs.Put(ctx, key, strings.NewReader("x")); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Put(%.40q) = %d, %v, want KindInvalid", key, n, err)
		}
		if rc, err := bs.Get(ctx, key); !akte.Is(err, akte.KindInvalid) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Get(%.40q) error = %v, want KindInvalid", key, err)
		}
		if _, err := bs.Size(ctx, key); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Size(%.40q) error = %v, want KindInvalid", key, err)
		}
		if err := bs.Delete(ctx, key); !akte.Is(err, akte.KindInvalid) {
			t.Errorf("Delete(%.40q) error = %v, want KindInvalid", key, err)
		}
	}
	checkList(t, bs, "")
}

func testConcurrentKeys(t *testing.T, bs akte.BlobStore) {
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("c/%02d/obj", i)
			size := int64(i) * 37 << 10
			if _, err := bs.Put(context.Background(), key, data(uint64(200+i), size)); err != nil {
				t.Errorf("Put(%q): %v", key, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var want []string
	for i := range n {
		key := fmt.Sprintf("c/%02d/obj", i)
		checkObject(t, bs, key, uint64(200+i), int64(i)*37<<10)
		want = append(want, key)
	}
	checkList(t, bs, "c/", want...)
}

// version returns the content of version v (1..255) of an object in
// testConcurrentSameKey: every byte is v, and the length tells v too, so a
// reader can check that it saw one version whole.
func version(v int) []byte {
	return bytes.Repeat([]byte{byte(v)}, versionLen(v))
}

func versionLen(v int) int { return 64<<10 + v*4099 }

func checkVersion(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty object")
	}
	v := int(b[0])
	if len(b) != versionLen(v) {
		return fmt.Errorf("version %d has %d bytes, want %d", v, len(b), versionLen(v))
	}
	if i := bytes.IndexFunc(b, func(r rune) bool { return r != rune(v) }); i >= 0 {
		return fmt.Errorf("version %d has a foreign byte at %d", v, i)
	}
	return nil
}

func testConcurrentSameKey(t *testing.T, bs akte.BlobStore) {
	const (
		key     = "same/key"
		writers = 6
		rounds  = 4
		readers = 4
	)
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readWG sync.WaitGroup
	reads := make([]int, readers)
	for r := range readers {
		readWG.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if size, err := bs.Size(ctx, key); err == nil {
					if (size-64<<10)%4099 != 0 {
						t.Errorf("Size = %d, not the size of any version", size)
					}
				} else if !akte.Is(err, akte.KindNotFound) {
					t.Errorf("Size: %v", err)
					return
				}
				rc, err := bs.Get(ctx, key)
				if akte.Is(err, akte.KindNotFound) {
					continue // before the first Put
				}
				if err != nil {
					t.Errorf("Get: %v", err)
					return
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Errorf("Get: read: %v", err)
					return
				}
				if err := checkVersion(b); err != nil {
					t.Errorf("Get saw a torn object: %v", err)
					return
				}
				reads[r]++
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for round := range rounds {
				v := 1 + w*rounds + round
				if _, err := bs.Put(ctx, key, bytes.NewReader(version(v))); err != nil {
					t.Errorf("Put version %d: %v", v, err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readWG.Wait()
	if err := checkVersion(mustGet(t, bs, key)); err != nil {
		t.Errorf("final object: %v", err)
	}
	checkList(t, bs, "", key)
	t.Logf("reads per reader: %v", reads)
}

func testReadWhileReplaced(t *testing.T, bs akte.BlobStore) {
	const key = "read/while/replaced"
	ctx := context.Background()
	mustPutBytes(t, bs, key, version(1))
	rc, err := bs.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	head := make([]byte, 1000)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatalf("Get: read: %v", err)
	}
	mustPutBytes(t, bs, key, version(2))
	rest, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get: read after replace: %v", err)
	}
	got := append(head, rest...)
	if err := checkVersion(got); err != nil || got[0] != 1 {
		t.Errorf("reader opened before replace: %v (first byte %d)", err, got[0])
	}
	if err := checkVersion(mustGet(t, bs, key)); err != nil || mustGet(t, bs, key)[0] != 2 {
		t.Errorf("Get after replace: %v, want version 2", err)
	}
}
