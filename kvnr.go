package akte

// ValidKVNR reports whether s is a well-formed unchangeable KVNR: one
// upper-case letter, nine digits, the last a check digit (modulo 10 with
// weights 1-2-1-2..., letter replaced by its two-digit alphabet position).
func ValidKVNR(s string) bool {
	if len(s) != 10 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	pos := int(s[0]-'A') + 1
	digits := []int{pos / 10, pos % 10}
	for i := 1; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		digits = append(digits, int(s[i]-'0'))
	}
	if s[9] < '0' || s[9] > '9' {
		return false
	}
	sum := 0
	for i, d := range digits {
		p := d * (1 + i%2)
		sum += p/10 + p%10
	}
	return sum%10 == int(s[9]-'0')
}
