// Package s3 is an akte.BlobStore on an S3-compatible object store (AWS S3,
// MinIO, versitygw, Ceph RGW, ...), using minio-go with path-style
// addressing.
//
// A key is the object name as it is; one Store uses one bucket. S3 makes an
// object visible only when its upload completes, which gives Put the
// atomicity the interface asks for: a small object goes up in one request,
// a larger one as a multipart upload that is aborted when the reader fails
// or the context ends, so nothing of it ever shows.
package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/akte/akte"
	"github.com/akte/akte/blob"
)

// Defaults for settings the URL may override.
const (
	// DefaultPartSize is the size of the parts of a multipart upload, and
	// so the memory one Put of a large object holds. An object of at most
	// this size goes up in a single request. With S3's limit of 10,000
	// parts it allows objects of up to 156 GiB.
	DefaultPartSize = 16 << 20
	// MinPartSize is S3's smallest part (but the last).
	MinPartSize = 5 << 20
)

// Timeouts of the HTTP client. A request's body may take long to send, so
// there is no overall timeout; a server that accepts a request and then
// stays silent is caught by responseTimeout, one that cannot be reached by
// dialTimeout.
const (
	dialTimeout     = 10 * time.Second
	responseTimeout = 60 * time.Second
	// maxRetries is how often minio-go tries a request that failed for a
	// reason worth retrying (its default of 10 makes an unreachable server
	// take many seconds to report).
	maxRetries = 3
)

// Store is a bucket of objects. It is safe for concurrent use.
type Store struct {
	client   *minio.Client
	bucket   string
	partSize int64
	secret   string // only to keep it out of errors
}

var _ akte.BlobStore = (*Store)(nil)

// Open connects to the bucket named by rawURL, which has the form
//
//	s3://BUCKET?endpoint=https://HOST[:PORT][&region=REGION][&part_size=BYTES]
//
// The endpoint's scheme decides whether TLS is used; region defaults to
// what the server says (us-east-1 for most single-region servers);
// part_size defaults to DefaultPartSize. Open checks that the bucket
// exists: KindInvalid if the URL is wrong or there is no such bucket,
// KindUnavailable if the server cannot be reached. No error contains the
// secret key.
func Open(ctx context.Context, rawURL, accessKey, secretKey string) (*Store, error) {
	const op = "s3.open"
	invalid := func(format string, args ...any) error {
		return &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "s3_url_invalid", Err: fmt.Errorf(format, args...)}
	}
	// The messages name no URL: one may hold credentials after all.
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return nil, invalid("the url is not s3://BUCKET?endpoint=...")
	}
	q := u.Query()
	endpoint, err := url.Parse(q.Get("endpoint"))
	if err != nil || (endpoint.Scheme != "http" && endpoint.Scheme != "https") || endpoint.Host == "" ||
		(endpoint.Path != "" && endpoint.Path != "/") || endpoint.User != nil {
		return nil, invalid("the endpoint is not http(s)://HOST[:PORT]")
	}
	partSize := int64(DefaultPartSize)
	if v := q.Get("part_size"); v != "" {
		partSize, err = strconv.ParseInt(v, 10, 64)
		if err != nil || partSize < MinPartSize || partSize > 5<<30 {
			return nil, invalid("part_size %q is not between %d and %d", v, MinPartSize, 5<<30)
		}
	}
	secure := endpoint.Scheme == "https"
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, akte.E(op, akte.KindInternal, "", err)
	}
	transport.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	transport.ResponseHeaderTimeout = responseTimeout
	client, err := minio.New(endpoint.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:       secure,
		Region:       q.Get("region"),
		BucketLookup: minio.BucketLookupPath,
		Transport:    transport,
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, invalid("%v", err)
	}
	s := &Store{client: client, bucket: u.Host, partSize: partSize, secret: secretKey}
	ok, err := client.BucketExists(ctx, s.bucket)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	if !ok {
		return nil, &akte.Error{Op: op, Kind: akte.KindInvalid, Reason: "s3_bucket_missing", Params: map[string]any{"bucket": s.bucket}}
	}
	return s, nil
}

// Put implements akte.BlobStore. A reader that knows its length (a Len
// method, as the service's chunk bodies have) and fits in a part streams up
// in one request, held nowhere. Any other reader is read up to one part: if
// it ends there, the object goes up in one request; else minio-go uploads
// it in parts and aborts the upload if anything fails.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	const op = "s3.put"
	if err := blob.CheckKey(op, key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, akte.E(op, akte.KindUnavailable, "", err)
	}
	cr := &checkedReader{ctx: ctx, r: r}
	if l, ok := r.(interface{ Len() int }); ok && int64(l.Len()) <= s.partSize {
		return s.stream(ctx, key, cr, int64(l.Len()))
	}
	first, err := io.ReadAll(io.LimitReader(cr, s.partSize+1))
	if err != nil {
		return 0, s.putError(ctx, op, cr, err)
	}
	var (
		body io.Reader = bytes.NewReader(first)
		size           = int64(len(first))
	)
	if size > s.partSize {
		// More than a part: size unknown, multipart.
		body, size = io.MultiReader(body, cr), -1
	}
	info, err := s.client.PutObject(ctx, s.bucket, key, body, size, minio.PutObjectOptions{
		PartSize:    uint64(s.partSize),
		ContentType: "application/octet-stream",
	})
	if err != nil {
		return 0, s.putError(ctx, op, cr, err)
	}
	if cr.err != nil || ctx.Err() != nil {
		// Cannot happen: a failed read fails the upload. Check anyway, as
		// an acknowledged object must be the whole stream.
		return 0, s.putError(ctx, op, cr, errors.New("upload completed after a failed read"))
	}
	return info.Size, nil
}

// stream puts exactly size bytes of cr in one request. The body cannot be
// rewound, so minio-go does not retry it: the uploader sends the chunk again
// instead. A body that ends early or goes on past size fails the request
// before its last byte leaves, so S3 never completes the object.
func (s *Store) stream(ctx context.Context, key string, cr *checkedReader, size int64) (int64, error) {
	const op = "s3.put"
	body := &sizedReader{r: cr, left: size}
	info, err := s.client.PutObject(ctx, s.bucket, key, body, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
	})
	if err != nil || body.left != 0 || cr.err != nil {
		if err == nil {
			err = errors.New("upload completed before the body ended")
		}
		return 0, s.putError(ctx, op, cr, err)
	}
	return info.Size, nil
}

// sizedReader yields the left bytes of r and, before it hands out the
// last of them, makes sure r ends there.
type sizedReader struct {
	r    io.Reader
	left int64
}

func (z *sizedReader) Read(p []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.left {
		p = p[:z.left]
	}
	n, err := z.r.Read(p)
	z.left -= int64(n)
	if err == io.EOF && z.left > 0 {
		return n, io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		return n, err
	}
	if z.left == 0 {
		var one [1]byte
		m, err := z.r.Read(one[:])
		for m == 0 && err == nil {
			m, err = z.r.Read(one[:])
		}
		if m > 0 {
			return 0, errors.New("body longer than its length")
		}
		if err != io.EOF {
			return 0, err
		}
	}
	return n, nil
}

// putError reports a failed Put: the reader's error if the reader failed
// (keeping its Kind), the context's if it ended, else the server's.
func (s *Store) putError(ctx context.Context, op string, cr *checkedReader, err error) error {
	if cr.err != nil {
		return akte.E(op, akte.KindOther, "", cr.err)
	}
	return s.wrap(ctx, op, err)
}

// checkedReader reads from r while ctx has not ended and keeps the first
// error other than io.EOF that it returned.
type checkedReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *checkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Get implements akte.BlobStore. The reader streams one GET response, so
// it yields the version that was current when Get was called even if a Put
// replaces it meanwhile.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	const op = "s3.get"
	if err := blob.CheckKey(op, key); err != nil {
		return nil, err
	}
	body, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	return &objectReader{s: s, ctx: ctx, rc: body}, nil
}

// objectReader turns the errors of a response body into *akte.Error.
type objectReader struct {
	s   *Store
	ctx context.Context
	rc  io.ReadCloser
}

func (o *objectReader) Read(p []byte) (int, error) {
	n, err := o.rc.Read(p)
	if err != nil && err != io.EOF {
		err = o.s.wrap(o.ctx, "s3.get", err)
	}
	return n, err
}

func (o *objectReader) Close() error { return o.rc.Close() }

// Size implements akte.BlobStore.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	const op = "s3.size"
	if err := blob.CheckKey(op, key); err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return 0, s.wrap(ctx, op, err)
	}
	return info.Size, nil
}

// Delete implements akte.BlobStore. S3 answers a DELETE of a missing
// object with success.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = "s3.delete"
	if err := blob.CheckKey(op, key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && s.kind(err) != akte.KindNotFound {
		return s.wrap(ctx, op, err)
	}
	return nil
}

// List implements akte.BlobStore.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	const op = "s3.list"
	if err := blob.CheckPrefix(op, prefix); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine if we return early
	keys := []string{}
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, s.wrap(ctx, op, obj.Err)
		}
		// Directory markers that other tools may have made are not
		// objects of ours; no valid key ends in a slash.
		if strings.HasSuffix(obj.Key, "/") {
			continue
		}
		keys = append(keys, obj.Key)
	}
	// S3 lists in UTF-8 byte order already; sorting keeps the contract
	// also for servers that do not.
	slices.Sort(keys)
	return keys, nil
}

// wrap turns an error of minio-go into an *akte.Error. If ctx has ended,
// the error wraps ctx.Err(), so callers can tell a cancellation.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w (%v)", ctxErr, err)
	}
	err = s.redact(err)
	return akte.E(op, s.kind(err), "", err)
}

// redact removes the secret key from err's text. S3 servers do not echo
// it, but the cost of checking is nothing against the cost of a leak. The
// chain is kept when there is nothing to remove.
func (s *Store) redact(err error) error {
	if s.secret == "" || !strings.Contains(err.Error(), s.secret) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), s.secret, "[REDACTED]"))
}

// kind classifies an error of minio-go.
func (s *Store) kind(err error) akte.Kind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return akte.KindUnavailable
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NotFound":
		return akte.KindNotFound
	case "NoSuchBucket", "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout",
		"RequestTimeTooSkewed", "XMinioServerNotInitialized":
		return akte.KindUnavailable
	case "ExistingObjectIsDirectory", "ObjectParentIsFile", "DirectoryObjectContainsData":
		// A file system underneath (versitygw posix, MinIO in FS mode)
		// cannot hold both "a" and "a/b".
		return akte.KindConflict
	}
	if resp.StatusCode == http.StatusNotFound && resp.Code == "" {
		return akte.KindNotFound
	}
	if resp.StatusCode >= 500 {
		return akte.KindUnavailable
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return akte.KindUnavailable
	}
	return akte.KindInternal
}
