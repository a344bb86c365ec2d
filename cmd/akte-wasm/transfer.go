//go:build js && wasm

package main

import (
	"github.com/akte/akte/client/core"
	"github.com/akte/akte/seal"
)

// The upload protocol of client/core, for web/src/transfer.js: the browser
// moves and encrypts the bytes (WebCrypto), the core says where they go,
// when to send them again and whether an interrupted upload may go on.

func layoutOf(a obj) core.Layout {
	return core.Layout{PlainSize: a.int("plain_size"), Segment: seal.DefaultSegmentSize, ChunkSize: max(a.int("chunk_size"), 1)}
}

// layout returns the ciphertext size and the number of chunks of an
// upload of plain_size bytes in chunks of chunk_size.
func layout(a obj) (any, error) {
	l := layoutOf(a)
	return map[string]any{"size": float64(l.Size()), "chunks": l.Chunks(), "segment": l.Segment}, nil
}

// chunkPieces returns the byte range of chunk n and the pieces (header
// and segments) it is cut from (core.Layout.Pieces).
func chunkPieces(a obj) (any, error) {
	l := layoutOf(a)
	n := int(a.int("n"))
	from, to := l.Chunk(n)
	var ps []any
	for _, p := range l.Pieces(n) {
		ps = append(ps, map[string]any{"segment": float64(p.Segment), "last": p.Last, "plain_from": float64(p.PlainFrom), "plain_to": float64(p.PlainTo),
			"from": float64(p.From), "to": float64(p.To)})
	}
	return map[string]any{"from": float64(from), "to": float64(to), "pieces": ps}, nil
}

// retryDelay returns the milliseconds to wait before retry number attempt
// of a request that failed with status (0: no answer), or -1: give up
// (core.RetryRule).
func retryDelay(a obj) (any, error) {
	d, again := core.DefaultRetry().Delay(int(a.int("attempt")), int(a.int("status")))
	if !again {
		return -1, nil
	}
	return float64(d.Milliseconds()), nil
}

// checkResume is core.CheckResume: null if the upload may go on, else an
// error with the reason upload_changed.
func checkResume(a obj) (any, error) {
	p, st := a.get("plan").plan(), a.get("upload").upload()
	return nil, core.CheckResume(&p, a.str("digest"), sums(a.get("sums")), &st)
}
