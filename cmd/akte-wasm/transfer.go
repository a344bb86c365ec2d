//go:build js && wasm

package main

import (
	"encoding/json"

	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
	"github.com/akte/akte/wire"
)

// The upload protocol of client/core, for web/src/transfer.js: the browser
// moves and encrypts the bytes (WebCrypto), the core says where they go,
// when to send them again and whether an interrupted upload may go on.

// layout returns the ciphertext size and the number of chunks of an
// upload of plain_size bytes in chunks of chunk_size.
func layout(in json.RawMessage) (any, error) {
	l, err := decodeLayout(in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"size": l.Size(), "chunks": l.Chunks(), "segment": l.Segment}, nil
}

// chunkPieces returns the byte range of chunk n and the pieces (header
// and segments) it is cut from (core.Layout.Pieces).
func chunkPieces(in json.RawMessage) (any, error) {
	l, err := decodeLayout(in)
	if err != nil {
		return nil, err
	}
	a, err := decode[struct{ N int }](in)
	if err != nil {
		return nil, err
	}
	from, to := l.Chunk(a.N)
	return map[string]any{"from": from, "to": to, "pieces": l.Pieces(a.N)}, nil
}

func decodeLayout(in json.RawMessage) (core.Layout, error) {
	a, err := decode[struct {
		PlainSize int64 `json:"plain_size"`
		ChunkSize int64 `json:"chunk_size"`
	}](in)
	return core.Layout{PlainSize: a.PlainSize, Segment: seal.DefaultSegmentSize, ChunkSize: max(a.ChunkSize, 1)}, err
}

// retryDelay returns the milliseconds to wait before retry number attempt
// of a request that failed with status (0: no answer), or -1: give up
// (core.RetryRule).
func retryDelay(in json.RawMessage) (any, error) {
	a, err := decode[struct{ Attempt, Status int }](in)
	if err != nil {
		return nil, err
	}
	d, again := core.DefaultRetry().Delay(a.Attempt, a.Status)
	if !again {
		return -1, nil
	}
	return d.Milliseconds(), nil
}

// checkResume is core.CheckResume: null if the upload may go on, else an
// error with the reason upload_changed.
func checkResume(in json.RawMessage) (any, error) {
	a, err := decode[struct {
		Plan   core.Plan
		Digest string
		Sums   map[int]string
		Upload wire.Upload
	}](in)
	if err != nil {
		return nil, err
	}
	return nil, core.CheckResume(&a.Plan, a.Digest, a.Sums, &a.Upload)
}
