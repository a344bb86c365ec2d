package akte

import (
	"context"
	"io"
)

// BlobStore keeps opaque ciphertext objects by key. Keys are slash-separated
// paths of [a-z0-9._-] segments chosen by the service. A Put is atomic: a
// reader sees the whole object or none, also after a crash. Methods return
// *Error values: KindNotFound for a missing key, KindInvalid for a bad key,
// KindUnavailable when the backend cannot be reached. blobtest.Run is the
// conformance suite.
type BlobStore interface {
	// Put stores r's bytes under key, replacing any object there, and
	// returns the number of bytes written. Nothing is visible under key
	// unless Put returns nil.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Get opens the object for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Size returns the object's size.
	Size(ctx context.Context, key string) (int64, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys starting with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
}
