package akte

import "testing"

func TestValidKVNR(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"X110411675", true},
		{"K220635158", true},
		{"X110465770", true},
		{"X110407071", true},
		{"A123456780", true},
		{"X110411674", false}, // wrong check digit
		{"B987563276", false}, // KBV example, not check-digit valid
		{"Z123456789", false},
		{"x110411675", false},
		{"X11041167", false},
		{"X1104116755", false},
		{"XX10411675", false},
		{"", false},
		{"Ä110411675", false},
	} {
		if got := ValidKVNR(tc.in); got != tc.want {
			t.Errorf("ValidKVNR(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
