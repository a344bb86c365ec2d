package blobtest

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/akte/akte"
	"github.com/akte/akte/blob"
)

// memStore is the simplest correct akte.BlobStore. Running the suite
// against it shows that the suite assumes nothing about file systems.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte
}

func (m *memStore) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := blob.CheckKey("mem.put", key); err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	_, err := io.Copy(&buf, readerFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		return r.Read(p)
	}))
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return 0, akte.E("mem.put", akte.KindOther, "", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[key] = buf.Bytes()
	return int64(buf.Len()), nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func (m *memStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := blob.CheckKey("mem.get", key); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[key]
	if !ok {
		return nil, akte.E("mem.get", akte.KindNotFound, "", nil)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memStore) Size(ctx context.Context, key string) (int64, error) {
	if err := blob.CheckKey("mem.size", key); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[key]
	if !ok {
		return 0, akte.E("mem.size", akte.KindNotFound, "", nil)
	}
	return int64(len(b)), nil
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	if err := blob.CheckKey("mem.delete", key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, key)
	return nil
}

func (m *memStore) List(ctx context.Context, prefix string) ([]string, error) {
	if err := blob.CheckPrefix("mem.list", prefix); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k := range m.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func TestMemStore(t *testing.T) {
	Run(t, func(t *testing.T) akte.BlobStore {
		return &memStore{objects: make(map[string][]byte)}
	})
}
