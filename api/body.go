package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// MinRate is the slowest a request body may arrive: PerSecond bytes a
// second, averaged over every Window of waiting for the client. Time the
// server spends elsewhere (writing a chunk to the blob store, hashing) does
// not count: only the time a read of the body waits for the client does.
type MinRate struct {
	PerSecond int64
	Window    time.Duration
}

// need is the number of bytes each window must bring.
func (m MinRate) need() int64 { return max(1, int64(float64(m.PerSecond)*m.Window.Seconds())) }

// bodyReader enforces MinRate on a request body through read deadlines on
// the connection, and remembers whether the client failed the body (hung
// up, or too slow), so that the error answer blames the client rather than
// the server (writeError).
type bodyReader struct {
	body   io.ReadCloser
	rc     *http.ResponseController
	rate   MinRate
	got    int64         // bytes in the current window
	waited time.Duration // time spent waiting in the current window
	fault  clientFault
	done   bool
}

// clientFault is what a client did wrong with its request body.
type clientFault int

const (
	noFault clientFault = iota
	faultGone
	faultSlow
)

func newBodyReader(w http.ResponseWriter, r *http.Request, rate MinRate) *bodyReader {
	b := &bodyReader{body: r.Body, rate: rate}
	if rate.PerSecond > 0 && rate.Window > 0 {
		b.rc = http.NewResponseController(w)
	}
	return b
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.done || b.rc == nil {
		n, err := b.body.Read(p)
		b.note(err)
		return n, err
	}
	start := time.Now()
	deadlineSet := b.rc.SetReadDeadline(start.Add(b.rate.Window-b.waited)) == nil
	n, err := b.body.Read(p)
	b.waited += time.Since(start)
	b.got += int64(n)
	if b.got >= b.rate.need() {
		b.got, b.waited = 0, 0
	}
	if err != nil {
		// The body is over: the connection's next reads (net/http's check
		// for a hang-up while the handler runs, the next request) must not
		// inherit the deadline.
		b.done = true
		if deadlineSet {
			b.rc.SetReadDeadline(time.Time{})
		}
		b.note(err)
	}
	return n, err
}

// note records a failure of the client: anything but the end of the body.
func (b *bodyReader) note(err error) {
	switch {
	case err == nil, err == io.EOF, b.fault != noFault:
	case errors.Is(err, os.ErrDeadlineExceeded):
		b.fault = faultSlow
	default:
		b.fault = faultGone
	}
}

func (b *bodyReader) Close() error { return b.body.Close() }
