package akte

// ValidPZN reports whether s is a well-formed PZN-8 (Pharmazentralnummer):
// eight digits, the last the check digit Σ dᵢ·i (i = 1..7) mod 11. A
// remainder of 10 means the number is never issued, so it is invalid. The
// BMP carries PZNs as integers without leading zeros: pad them to eight
// digits first (PadPZN).
func ValidPZN(s string) bool {
	if len(s) != 8 || !digits(s) {
		return false
	}
	sum := 0
	for i := range 7 {
		sum += int(s[i]-'0') * (i + 1)
	}
	r := sum % 11
	return r != 10 && r == int(s[7]-'0')
}

// PadPZN left-pads a PZN given without leading zeros (as on the BMP) to
// eight digits. Longer input is returned unchanged.
func PadPZN(s string) string {
	for len(s) < 8 {
		s = "0" + s
	}
	return s
}

// ValidLANR reports whether s is a well-formed LANR (lebenslange
// Arztnummer): nine digits, digits 1–6 weighted 4, 9, 4, 9, 4, 9, and digit 7
// the check digit (10 − sum mod 10) mod 10; digits 8–9 name the specialty.
func ValidLANR(s string) bool {
	if len(s) != 9 || !digits(s) {
		return false
	}
	sum := 0
	for i := range 6 {
		w := 4
		if i%2 == 1 {
			w = 9
		}
		sum += int(s[i]-'0') * w
	}
	return (10-sum%10)%10 == int(s[6]-'0')
}

// ValidBSNR reports whether s has the form of a BSNR (Betriebsstättennummer):
// nine digits. It has no check digit.
func ValidBSNR(s string) bool { return len(s) == 9 && digits(s) }

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
