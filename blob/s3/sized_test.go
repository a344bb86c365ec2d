package s3

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestSizedReader pins down the streamed body: exactly its length, and a
// reader that ends early or goes on fails before the last byte is out.
func TestSizedReader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		size    int64
		wantErr bool
	}{
		{"exact", "abcdef", 6, false},
		{"empty", "", 0, false},
		{"short", "abc", 6, true},
		{"long", "abcdefg", 6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := &sizedReader{r: iotest.OneByteReader(strings.NewReader(tc.body)), left: tc.size}
			got, err := io.ReadAll(z)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("read %q, want an error", got)
				}
				if int64(len(got)) >= tc.size {
					t.Fatalf("read all %d bytes before the error", len(got))
				}
				return
			}
			if err != nil || string(got) != tc.body {
				t.Fatalf("read %q, %v; want %q", got, err, tc.body)
			}
		})
	}
}
