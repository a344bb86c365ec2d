package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/akte/akte"
)

func mustSecret(t *testing.T, s akte.Store, name string, value []byte) []byte {
	t.Helper()
	got, err := s.Secret(t.Context(), name, value)
	if err != nil {
		t.Fatalf("Secret(%s): %v", name, err)
	}
	return got
}

func testSecret(t *testing.T, s akte.Store) {
	first := []byte("first\x00\xff")
	steps := []struct {
		name  string
		value []byte
		want  []byte
	}{
		{"link-key", first, first},
		{"link-key", []byte("second"), first}, // the first writer wins
		{"link-key", nil, first},
		{"other-key", []byte("other"), []byte("other")}, // names are independent
		{"link-key", []byte("third"), first},
	}
	for _, st := range steps {
		if got := mustSecret(t, s, st.name, st.value); !bytes.Equal(got, st.want) {
			t.Errorf("Secret(%s, %q) = %q, want %q", st.name, st.value, got, st.want)
		}
	}
}

func testSecretConcurrent(t *testing.T, s akte.Store) {
	const n = 20
	got := make([][]byte, n)
	errs := race(n, func(i int) (err error) {
		got[i], err = s.Secret(t.Context(), "link-key", fmt.Appendf(nil, "value-%d", i))
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Secret #%d: %v", i, err)
		}
	}
	// Everyone got the same value, and it is one of those offered.
	for i := range got {
		if !bytes.Equal(got[i], got[0]) {
			t.Errorf("Secret #%d = %q, but #0 got %q", i, got[i], got[0])
		}
	}
	if !bytes.HasPrefix(got[0], []byte("value-")) {
		t.Errorf("Secret = %q, none of the values offered", got[0])
	}
	if again := mustSecret(t, s, "link-key", []byte("late")); !bytes.Equal(again, got[0]) {
		t.Errorf("Secret after the race = %q, want %q", again, got[0])
	}
}
