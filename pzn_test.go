package akte

import "testing"

func TestValidPZN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"04877800", true},  // worked example, pruefziffernberechnung.de
		{"12743189", true},  // Rotarix, KBV MIO example
		{"09461122", true},  // Bexsero, KBV MIO example
		{"00230272", true},  // KBV BMP test package bmp-0001, padded
		{"12743188", false}, // wrong check digit
		{"04877801", false},
		{"1274318", false}, // seven digits
		{"127431890", false},
		{"1274318a", false},
		{"", false},
	} {
		if got := ValidPZN(tc.in); got != tc.want {
			t.Errorf("ValidPZN(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	// 3·1 + 1·7 = 10: remainder 10 is never issued, whatever the last digit.
	for d := byte('0'); d <= '9'; d++ {
		if s := "3000001" + string(d); ValidPZN(s) {
			t.Errorf("ValidPZN(%q) = true for a remainder-10 number", s)
		}
	}
}

func TestPadPZN(t *testing.T) {
	for in, want := range map[string]string{"230272": "00230272", "12743189": "12743189", "1": "00000001", "123456789": "123456789"} {
		if got := PadPZN(in); got != want {
			t.Errorf("PadPZN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidLANR(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"123456667", true},  // KBV BMP 2.8 example: 144 → (10−4) mod 10 = 6
		{"123456789", false}, // common example, check digit should be 6
		{"000000000", true},  // sum 0 → check digit 0
		{"100000600", true},  // 4 → 6
		{"100000500", false},
		{"12345666", false},
		{"1234566670", false},
		{"12345666x", false},
	} {
		if got := ValidLANR(tc.in); got != tc.want {
			t.Errorf("ValidLANR(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidBSNR(t *testing.T) {
	for in, want := range map[string]bool{"721234500": true, "72123450": false, "7212345000": false, "72123450a": false} {
		if got := ValidBSNR(in); got != want {
			t.Errorf("ValidBSNR(%q) = %v, want %v", in, got, want)
		}
	}
}
