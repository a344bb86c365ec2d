package testsrv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// versitygwPkg is the S3 gateway's command, pinned in tools/go.mod.
const versitygwPkg = "github.com/versity/versitygw/cmd/versitygw"

// buildTimeout bounds building the gateway, which takes a minute or two
// on two cores with an empty build cache.
const buildTimeout = 10 * time.Minute

type s3Server struct {
	endpoint       string
	access, secret string
	client         *minio.Client
	n              atomic.Int64 // buckets created
}

var (
	s3Once sync.Once
	s3srv  *s3Server
	s3Err  error
)

// S3 returns the endpoint ("http://127.0.0.1:PORT"), the root credentials
// and the name of a new, empty bucket on an S3 server that it starts on
// first use and that Run stops.
//
// The server is versitygw with its posix backend in a temporary directory,
// built from the version pinned in tools/go.mod and cached in the user's
// cache directory under a name derived from tools/go.sum, so only the first
// run after a change of the pin builds it. Buckets are not removed one by
// one: they go with the directory when Run stops the server.
func S3(t testing.TB) (endpoint, accessKey, secretKey, bucket string) {
	t.Helper()
	s3Once.Do(func() { s3srv, s3Err = startS3() })
	if s3Err != nil {
		t.Fatalf("testsrv: S3: %v", s3Err)
	}
	s := s3srv
	bucket = fmt.Sprintf("akte-%d", s.n.Add(1))
	if name := safeName(t.Name(), '-', 45); name != "" {
		bucket += "-" + name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("testsrv: make bucket %s: %v", bucket, err)
	}
	return s.endpoint, s.access, s.secret, bucket
}

func startS3() (_ *s3Server, err error) {
	bin, err := versitygw()
	if err != nil {
		return nil, err
	}
	dir, err := tempDir("s3")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return nil, err
	}
	s := &s3Server{access: "akte-test", secret: randomHex(20)}
	for try := 1; ; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		s.endpoint = "http://" + addr
		s.client, err = minio.New(addr, &minio.Options{
			Creds:        credentials.NewStaticV4(s.access, s.secret, ""),
			BucketLookup: minio.BucketLookupPath,
		})
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", data)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.access, "ROOT_SECRET_KEY="+s.secret)
		p, err := start("versitygw", cmd, nil)
		if err != nil {
			return nil, err
		}
		err = p.waitReady(30*time.Second, func(ctx context.Context) error {
			_, err := s.client.ListBuckets(ctx)
			return err
		})
		if err != nil {
			p.stop(syscall.SIGKILL, 5*time.Second)
			if try < 3 && strings.Contains(p.log.String(), "address already in use") {
				continue
			}
			return nil, err
		}
		atExit(func() {
			p.stop(syscall.SIGTERM, 5*time.Second)
			os.RemoveAll(dir)
		})
		return s, nil
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// versitygw returns the path of the gateway's binary, building it if the
// cache has none for the current tools/go.sum.
func versitygw() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	tools := filepath.Join(root, "tools")
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(tools, name))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "%s/%s\n", runtime.GOOS, runtime.GOARCH)
	key := hex.EncodeToString(h.Sum(nil))[:16]

	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "akte-testsrv")
	bin := filepath.Join(dir, "versitygw-"+key)
	if fileExists(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Test binaries of several packages run at once; one builds, the
	// others wait for it.
	unlock, err := lockFile(filepath.Join(dir, "versitygw.lock"), buildTimeout)
	if err != nil {
		return "", err
	}
	defer unlock()
	if fileExists(bin) {
		return bin, nil
	}
	tmp := bin + ".tmp"
	gobin, err := goCommand()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(gobin, "build", "-trimpath", "-o", tmp, versitygwPkg)
	cmd.Dir = tools
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	start := time.Now()
	if err := run(buildTimeout, cmd, nil); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build versitygw: %w", err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "testsrv: built %s in %v\n", filepath.Base(bin), time.Since(start).Round(time.Second))
	// Binaries for older pins are 80 MB each.
	old, _ := filepath.Glob(filepath.Join(dir, "versitygw-*"))
	for _, f := range old {
		if f != bin && !strings.HasSuffix(f, ".lock") {
			os.Remove(f)
		}
	}
	return bin, nil
}

// goCommand finds the go command: on PATH, or in $GOROOT/bin.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if fileExists(p) {
			return p, nil
		}
	}
	return "", errors.New("go command not found on PATH or in $GOROOT/bin; it builds versitygw")
}

// lockFile takes an exclusive flock on name, waiting up to timeout, and
// returns the function that releases it.
func lockFile(name string, timeout time.Duration) (func(), error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
