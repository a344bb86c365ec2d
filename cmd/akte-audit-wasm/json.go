package main

// appendJSON appends s as a JSON string. The events' strings come from
// verified leaves and are valid UTF-8 (audit.ParseLeaf checks), which JSON
// carries as it is; only quotes, backslashes and control characters are
// escaped.
func appendJSON(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
